// OpenTrace: format detection, per-CPU prefix expansion, and the errors for
// paths and mixtures it cannot read.
#include <doctest/doctest.h>

#include "traces/io_selection.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

TraceFormat Detect(const std::string& path) {
  TraceFormat f = TraceFormat::kAuto;
  Status s = DetectTraceFormat(path, &f);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return f;
}

TEST_CASE("format detection from content") {
  CHECK(Detect(Fixture("twocpu.blktrace.0")) == TraceFormat::kBlktrace);
  CHECK(Detect(Fixture("twocpu.dump")) == TraceFormat::kBlktrace);
  CHECK(Detect(Fixture("bigendian.blktrace.0")) == TraceFormat::kBlktrace);
  CHECK(Detect(Fixture("zoned_v8.blktrace.0")) == TraceFormat::kBlktrace);
  CHECK(Detect(Fixture("twocpu.blkparse.txt")) == TraceFormat::kBlkparseText);
  CHECK(Detect(Fixture("fio-seq-write.v3.iolog")) == TraceFormat::kFioIolog);
  CHECK(Detect(Fixture("fio-seq-write.v2.iolog")) == TraceFormat::kFioIolog);
  CHECK(Detect(Fixture("zoned_v8.script")) == TraceFormat::kScript);
  // A corrupt binary file still goes to the blktrace reader, which says why.
  CHECK(Detect(Fixture("badmagic.blktrace.0")) == TraceFormat::kBlktrace);

  testing::TestDir t;
  WriteFile(t.File("commented.txt"), "# blkparse output\n\n  8,0    1        1     0.000000000 17852  Q   W 8 + 8 [x]\n");
  CHECK(Detect(t.File("commented.txt")) == TraceFormat::kBlkparseText);
  WriteFile(t.File("s.txt"), "# a script\n\nzrs 0 1M\n");
  CHECK(Detect(t.File("s.txt")) == TraceFormat::kScript);
  WriteFile(t.File("junk.txt"), "hello world\n");
  TraceFormat f;
  Status s = DetectTraceFormat(t.File("junk.txt"), &f);
  CHECK(s.IsCorruption());
  CHECK(s.message() == t.File("junk.txt") +
                           ": cannot tell the trace format: not blktrace binary (no magic), not a fio iolog "
                           "(first line), not blkparse text and not a zonesim script");
  WriteFile(t.File("empty.txt"), "");
  s = DetectTraceFormat(t.File("empty.txt"), &f);
  CHECK(s.message() == t.File("empty.txt") + ": empty file: cannot tell its trace format");
}

TEST_CASE("CPU numbers from per-CPU file names") {
  CHECK(CpuFromBlktraceName("/a/sda.blktrace.0") == 0);
  CHECK(CpuFromBlktraceName("nvme0n1.blktrace.11") == 11);
  CHECK(CpuFromBlktraceName("sda.blktrace.") == -1);
  CHECK(CpuFromBlktraceName("sda.blktrace.x") == -1);
  CHECK(CpuFromBlktraceName("dump.bin") == -1);
  CHECK(CpuFromBlktraceName(".blktrace.3") == -1);
}

TEST_CASE("prefix expansion sorts CPUs numerically") {
  testing::TestDir t;
  const std::string rec = ReadFile(Fixture("mismatch.blktrace.1"));
  for (int cpu : {10, 2, 0, 1}) WriteFile(t.File("dev.blktrace." + std::to_string(cpu)), rec);
  WriteFile(t.File("dev.blktrace.1.bak"), rec);
  WriteFile(t.File("devx.blktrace.3"), rec);
  std::vector<BlktraceInput> in;
  REQUIRE(ExpandBlktracePrefix(t.File("dev"), &in).ok());
  REQUIRE(in.size() == 4);
  CHECK(in[0].path == t.File("dev.blktrace.0"));
  CHECK(in[1].path == t.File("dev.blktrace.1"));
  CHECK(in[2].path == t.File("dev.blktrace.2"));
  CHECK(in[3].path == t.File("dev.blktrace.10"));
  CHECK(in[3].expected_cpu == 10);
  Status s = ExpandBlktracePrefix(t.File("nope"), &in);
  CHECK(s.IsNotFound());
  CHECK(s.message() == t.File("nope") + ": no such file, and no " + t.File("nope") + ".blktrace.N per-CPU files");
}

TEST_CASE("OpenTrace refuses what it cannot read") {
  std::unique_ptr<TraceReader> r;
  Status s = OpenTrace({}, {}, &r);
  CHECK(s.message() == "no trace files given");
  s = OpenTrace({Fixture("fio-seq-write.v2.iolog"), Fixture("fio-seq-write.v3.iolog")}, {}, &r);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "only blktrace binary files can be read together (merged by time); fio traces take one file");
  s = OpenTrace({Fixture("twocpu.blktrace.0"), Fixture("fio-seq-write.v2.iolog")}, {}, &r);
  CHECK(s.message() == Fixture("fio-seq-write.v2.iolog") + " is fio but " + Fixture("twocpu.blktrace.0") +
                           " is blktrace; only blktrace per-CPU files can be read together");
  s = OpenTrace({SourceDir() + "/traces/fixtures"}, {}, &r);
  CHECK(s.message() == SourceDir() + "/traces/fixtures: is a directory, not a trace file");
  // A forced format wins over detection.
  TraceOpenOptions o;
  o.format = TraceFormat::kFioIolog;
  REQUIRE(OpenTrace({Fixture("twocpu.blkparse.txt")}, o, &r).ok() == false);
}

TEST_CASE("traces from scripts") {
  auto ev = ReadTrace({Fixture("zoned_v8.script")});
  REQUIRE(ev.size() == 8);
  CHECK(ev[0].action == "write");
  CHECK(ev[0].ev.origin.index == 2);  // after the comment line
  CHECK(ev[0].ev.op.payload == Payload::Seeded(1));
  CHECK(ev[1].action == "zap");
  CHECK(ev[1].ev.op.kind == OpKind::kAppend);
  CHECK(ev[5].ev.op.kind == OpKind::kReset);
  CHECK(ev[5].ev.op.length == 1024 * 1024);
  CHECK(ev[6].ev.op.length == 8 * 1024 * 1024);  // reset-all resolved to the device
  for (const auto& e : ev) CHECK(e.ev.stage == EventStage::kQueue);

  testing::TestDir t;
  WriteFile(t.File("bad.script"), "write 0 4K\nzo abc 1M\n");
  CHECK(ReadError({t.File("bad.script")}).find(t.File("bad.script") + ": line 2: ") == 0);
}

}  // namespace
}  // namespace zonesim
