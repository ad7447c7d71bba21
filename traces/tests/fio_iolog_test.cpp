// fio iologs v2 and v3: the fio 3.33 fixtures, every action fio accepts, and
// malformed lines.
#include <doctest/doctest.h>

#include "traces/fio_iolog_reader.h"
#include "traces/io_selection.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

constexpr uint64_t KiB = 1024;

void CheckSeqWrite(const std::vector<OwnedEvent>& ev, bool v3) {
  REQUIRE(ev.size() == 19);
  CHECK(ev[0].action == "add");
  CHECK(ev[1].action == "open");
  CHECK(ev[18].action == "close");
  for (size_t i : {0, 1, 18}) {
    CHECK_FALSE(ev[i].ev.has_op);
    CHECK(ev[i].ev.stage == EventStage::kOther);
    CHECK(ev[i].target == "seq.dat");
  }
  for (size_t i = 0; i < 16; ++i) {
    CAPTURE(i);
    const OwnedEvent& w = ev[2 + i];
    CHECK(w.action == "write");
    CHECK(w.target == "seq.dat");
    REQUIRE(w.ev.has_op);
    CHECK(w.ev.stage == EventStage::kQueue);
    CHECK(w.ev.op.kind == OpKind::kWrite);
    CHECK(w.ev.op.offset == i * 64 * KiB);
    CHECK(w.ev.op.length == 64 * KiB);
    CHECK(w.ev.origin.index == 4 + i);
    CHECK(w.ev.origin.is_line);
    CHECK(w.ev.op.payload == Payload::Seeded(PayloadSeedFor(w.ev.origin)));
    CHECK(w.ev.has_timestamp == v3);
  }
  if (v3) {
    CHECK(ev[0].ev.timestamp_ns == 22000);
    CHECK(ev[2].ev.timestamp_ns == 216000);
    CHECK(ev[17].ev.timestamp_ns == 520000);
    CHECK(ev[18].ev.timestamp_ns == 547000);
  }
}

TEST_CASE("fio iolog: fio 3.33's version 3 log and its version 2 form") {
  std::vector<std::string> warnings;
  CheckSeqWrite(ReadTrace({Fixture("fio-seq-write.v3.iolog")}, TraceFormat::kAuto, &warnings), true);
  CHECK(warnings.empty());
  CheckSeqWrite(ReadTrace({Fixture("fio-seq-write.v2.iolog")}, TraceFormat::kAuto, &warnings), false);
  CHECK(warnings.empty());
  std::unique_ptr<FioIologReader> r;
  REQUIRE(FioIologReader::Open(Fixture("fio-seq-write.v2.iolog"), 1 << 16, &r).ok());
  CHECK(r->version() == 2);
}

TEST_CASE("fio iolog: the zoned-looking workload") {
  auto ev = ReadTrace({Fixture("fio-zoned.v3.iolog")});
  std::vector<Operation> ops;
  for (const auto& e : ev)
    if (e.ev.has_op) ops.push_back(e.ev.op);
  REQUIRE(ops.size() == 19);
  for (size_t i = 0; i < 16; ++i) {
    CHECK(ops[i].kind == OpKind::kWrite);
    CHECK(ops[i].offset == i * 64 * KiB);
  }
  // Exactly zone 1 (256 KiB zones) is trimmed, then rewritten from its start.
  CHECK(ops[16].kind == OpKind::kDiscard);
  CHECK(ops[16].offset == 256 * KiB);
  CHECK(ops[16].length == 256 * KiB);
  CHECK(ops[17].kind == OpKind::kWrite);
  CHECK(ops[17].offset == 256 * KiB);
  CHECK(ops[18].offset == 320 * KiB);
  // Three jobs: three add/open/close groups; times restart per job.
  size_t adds = 0;
  for (const auto& e : ev) adds += e.action == "add";
  CHECK(adds == 3);
}

TEST_CASE("fio iolog: every action fio accepts") {
  testing::TestDir t;
  WriteFile(t.File("all.v2.iolog"),
            "fio version 2 iolog\n"
            "/dev/nvme0n2 add\n"
            "/dev/nvme0n2 open\n"
            "/dev/nvme0n2 read 4096 512\n"
            "/dev/nvme0n2 write 0 8192\n"
            "\n"
            "/dev/nvme0n2 trim 1048576 1048576\n"
            "/dev/nvme0n2 sync 0 0\n"
            "/dev/nvme0n2 datasync 0 0\n"
            "/dev/nvme0n2 wait 1500 0\n"
            "/dev/nvme0n2 close\n");
  std::vector<std::string> warnings;
  auto ev = ReadTrace({t.File("all.v2.iolog")}, TraceFormat::kAuto, &warnings);
  CHECK(warnings.empty());
  REQUIRE(ev.size() == 9);
  const char* actions[] = {"add", "open", "read", "write", "trim", "sync", "datasync", "wait", "close"};
  for (size_t i = 0; i < 9; ++i) CHECK(ev[i].action == actions[i]);
  CHECK(ev[2].ev.op.kind == OpKind::kRead);
  CHECK(ev[2].ev.op.offset == 4096);
  CHECK(ev[2].ev.op.length == 512);
  CHECK(ev[3].ev.op.kind == OpKind::kWrite);
  CHECK(ev[4].ev.op.kind == OpKind::kDiscard);
  CHECK(ev[4].ev.origin.index == 7);  // the blank line counts
  CHECK(ev[5].ev.op.kind == OpKind::kFlush);
  CHECK(ev[5].ev.flags == 0);
  CHECK(ev[6].ev.op.kind == OpKind::kFlush);
  CHECK(ev[6].ev.flags == kFlagDatasync);
  CHECK_FALSE(ev[7].ev.has_op);
  CHECK(ev[7].ev.wait_value == 1500);
  CHECK(ev[7].ev.stage == EventStage::kOther);

  // Version 3: "wait" is refused by fio with a message; zonesim warns and goes on.
  WriteFile(t.File("wait.v3.iolog"),
            "fio version 3 iolog\n10 f add\n20 f open\n30 f wait 5 0\n40 f write 0 4096\n");
  ev = ReadTrace({t.File("wait.v3.iolog")}, TraceFormat::kAuto, &warnings);
  CHECK(ev.size() == 4);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == t.File("wait.v3.iolog") +
                           ": line 4: 'wait' is not allowed in a version 3 iolog; ignored, as fio does");

  // I/O on a file that was never added: fio cannot replay it.
  WriteFile(t.File("noadd.v2.iolog"), "fio version 2 iolog\nf write 0 4096\nf write 4096 4096\n");
  ev = ReadTrace({t.File("noadd.v2.iolog")}, TraceFormat::kAuto, &warnings);
  CHECK(ev.size() == 2);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == t.File("noadd.v2.iolog") +
                           ": line 2: file 'f' is used before an 'add' line (fio would fail to replay it)");
}

TEST_CASE("fio iolog: malformed lines name the line and the problem") {
  CHECK(ReadError({Fixture("bad-action.v2.iolog")}) ==
        Fixture("bad-action.v2.iolog") +
            ": line 5: unknown action 'wrte' (fio accepts add, open, close, read, write, trim, sync, datasync, wait)");
  CHECK(ReadError({Fixture("bad-fields.v3.iolog")}) ==
        Fixture("bad-fields.v3.iolog") + ": line 6: 'write' needs OFFSET and LENGTH");

  testing::TestDir t;
  auto err = [&](const std::string& header, const std::string& line) {
    WriteFile(t.File("x.iolog"), header + "\nf add\n" + line + "\n");
    return ReadError({t.File("x.iolog")});
  };
  const std::string v2 = "fio version 2 iolog";
  const std::string f = t.File("x.iolog") + ": line 3: ";
  CHECK(err(v2, "f write 0 4096 9") == f + "too many fields in 'f write 0 4096 9'");
  CHECK(err(v2, "f write -1 4096") == f + "bad offset '-1'");
  CHECK(err(v2, "f write 0 4k") == f + "bad length '4k'");
  CHECK(err(v2, "f write 0 4294967296") == f + "length 4294967296 does not fit fio's 32-bit length field");
  CHECK(err(v2, "f open 0 0") == f + "'open' takes no OFFSET or LENGTH");
  CHECK(err(v2, "f") == f + "want FILE ACTION, got 'f'");
  WriteFile(t.File("y.iolog"), "fio version 3 iolog\nsoon f add\n");
  CHECK(ReadError({t.File("y.iolog")}, TraceFormat::kFioIolog) ==
        t.File("y.iolog") + ": line 2: bad timestamp 'soon' (version 3 lines start with microseconds)");
  WriteFile(t.File("v1.iolog"), "f write 0 4096\n");
  CHECK(ReadError({t.File("v1.iolog")}, TraceFormat::kFioIolog) ==
        t.File("v1.iolog") +
            ": line 1: not a fio iolog: the first line must be 'fio version 2 iolog' or 'fio version 3 "
            "iolog' (fio no longer reads version 1)");
}

TEST_CASE("fio iolog: the real logs (skipped without ../shared)") {
  const std::string dir = SharedTraces();
  if (dir.empty()) return;
  for (const char* name : {"fio-randrw-trim.merged.v3.iolog", "fio-randrw-trim.v2.iolog"}) {
    CAPTURE(name);
    auto ev = ReadTrace({dir + "/" + name});
    size_t reads = 0, writes = 0, trims = 0;
    for (const auto& e : ev) {
      if (!e.ev.has_op) continue;
      reads += e.ev.op.kind == OpKind::kRead;
      writes += e.ev.op.kind == OpKind::kWrite;
      trims += e.ev.op.kind == OpKind::kDiscard;
      CHECK(e.ev.op.length == 4096);
    }
    CHECK(reads == 748);
    CHECK(writes == 752);
    CHECK(trims == 300);
  }
  auto seq = ReadTrace({dir + "/fio-seqwrite.v3.iolog"});
  size_t writes = 0;
  for (const auto& e : seq) writes += e.ev.has_op && e.ev.op.kind == OpKind::kWrite;
  CHECK(writes == 64);
  auto t38 = ReadTrace({dir + "/t0038.iolog"});
  size_t w = 0, tr = 0;
  for (const auto& e : t38) {
    if (!e.ev.has_op) continue;
    w += e.ev.op.kind == OpKind::kWrite;
    if (e.ev.op.kind == OpKind::kDiscard) {
      ++tr;
      CHECK(e.ev.op.length == 2147483648ull);
    }
  }
  CHECK(w == 10);
  CHECK(tr == 10);
}

}  // namespace
}  // namespace zonesim
