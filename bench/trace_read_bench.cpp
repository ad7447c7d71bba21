// Section 6: trace reading throughput. zonesim's blktrace reader against
// Debian's blkparse (`blkparse -i PREFIX -o /dev/null`) on the same binary
// trace of 3 million records (300 thousand with --quick), and the fio iolog
// (v2, v3) and blkparse text readers on large inputs. The inputs are written
// once per run by zonesim's writers into a fresh directory under $TMPDIR
// (removed at exit). Both sides of the blktrace comparison read the same file,
// so both are credited with the file's record count; the figure is
// events per second, by wall clock and by CPU time (blkparse's from wait4).
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/child_process.h"
#include "bench/harness.h"
#include "traces/blktrace_format.h"
#include "traces/blktrace_writer.h"
#include "traces/fio_iolog_writer.h"
#include "traces/output_file.h"
#include "traces/trace_open.h"

namespace zonesim::bench {
namespace {

constexpr uint32_t kCpus = 4;

void Die(const Status& s) { bench::Die(s.ToString()); }

class Inputs {
 public:
  static Inputs& Get(bool quick) {
    static Inputs inputs(quick);
    return inputs;
  }
  ~Inputs() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string blktrace_prefix() const { return dir_ + "/bench"; }
  std::string fio_v2() const { return dir_ + "/bench.v2.iolog"; }
  std::string fio_v3() const { return dir_ + "/bench.v3.iolog"; }
  // blkparse's text output of the blktrace input ("" if blkparse failed).
  const std::string& blkparse_text() {
    if (!text_done_) {
      text_done_ = true;
      ChildResult r;
      std::string error;
      const std::string out = dir_ + "/bench.txt";
      if (RunChild({"blkparse", "-i", blktrace_prefix(), "-o", out}, &r, &error)) text_ = out;
    }
    return text_;
  }
  uint64_t blktrace_records = 0;

 private:
  explicit Inputs(bool quick) : requests_(quick ? 100'000 : 1'000'000), fio_lines_(quick ? 200'000 : 2'000'000) {
    std::string tmpl = TempRoot() + "/zonesim-tracebench-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) Die(Status::IoError("mkdtemp failed"));
    dir_ = buf.data();
    WriteBlktrace();
    WriteFio();
  }

  // Each request: Q and D on one CPU, C on another; sequential writes per
  // zone with reads and discards mixed in. Deterministic.
  void WriteBlktrace() {
    std::unique_ptr<BlktraceWriter> w;
    BlktraceWriterOptions o;
    o.cpus = kCpus;
    o.buffer_bytes = 4 << 20;
    Status s = BlktraceWriter::Create(blktrace_prefix(), o, &w);
    if (!s.ok()) Die(s);
    for (uint32_t cpu = 0; cpu < kCpus; ++cpu) {
      s = w->WriteProcessName(cpu, 0, 1000 + cpu, "fio");
      if (!s.ok()) Die(s);
    }
    uint64_t time = 1000, wp = 0;
    for (uint64_t i = 0; i < requests_; ++i) {
      Operation op;
      op.kind = i % 10 == 9 ? OpKind::kRead : i % 97 == 0 ? OpKind::kDiscard : OpKind::kWrite;
      op.offset = op.kind == OpKind::kRead ? (i * 7919 % 100000) * 4096 : wp;
      op.length = 4096 * (1 + i % 16);
      if (op.kind == OpKind::kWrite) wp += op.length;
      const uint32_t cpu = static_cast<uint32_t>(i % kCpus);
      BlktraceWriter::IoInfo info;
      info.cpu = cpu;
      info.pid = 1000 + cpu;
      info.time_ns = time += 200;
      s = w->WriteOperation(op, blktrace::kActQueue, info);
      info.time_ns = time += 300;
      if (s.ok()) s = w->WriteOperation(op, blktrace::kActIssue, info);
      info.cpu = (cpu + 1) % kCpus;
      info.pid = 0;
      info.time_ns = time += 500;
      if (s.ok()) s = w->WriteOperation(op, blktrace::kActComplete, info);
      if (!s.ok()) Die(s);
    }
    s = w->Close();
    if (!s.ok()) Die(s);
    blktrace_records = w->records_written();
  }

  void WriteFio() {
    FioIologWriterOptions o;
    o.file_name = "/dev/nullb0";
    std::unique_ptr<FioIologWriter> w;
    Status s = FioIologWriter::Create(fio_v2(), o, &w);
    if (!s.ok()) Die(s);
    std::unique_ptr<OutputFile> v3;
    s = OutputFile::Create(Env::Default(), fio_v3(), 4 << 20, &v3);
    if (!s.ok()) Die(s);
    s = v3->Append("fio version 3 iolog\n12 /dev/nullb0 add\n40 /dev/nullb0 open\n");
    for (uint64_t i = 0; i < fio_lines_ && s.ok(); ++i) {
      Operation op;
      op.kind = i % 4 == 3 ? OpKind::kRead : OpKind::kWrite;
      op.offset = i * 65536;
      op.length = 65536;
      s = w->Write(op);
      if (s.ok()) {
        s = v3->Append(std::to_string(100 + i * 17) + " /dev/nullb0 " + (op.kind == OpKind::kRead ? "read " : "write ") +
                       std::to_string(op.offset) + " 65536\n");
      }
    }
    if (s.ok()) s = w->Close();
    if (s.ok()) s = v3->Append("99999999 /dev/nullb0 close\n");
    if (s.ok()) s = v3->Close();
    if (!s.ok()) Die(s);
  }

  const uint64_t requests_;   // x (Q, D, C) records
  const uint64_t fio_lines_;
  std::string dir_;
  std::string text_;
  bool text_done_ = false;
};

uint64_t ReadAll(const std::vector<std::string>& paths, benchmark::State& state) {
  std::unique_ptr<TraceReader> r;
  Status s = OpenTrace(paths, {}, &r);
  if (!s.ok()) Die(s);
  TraceEvent ev;
  uint64_t n = 0, bytes = 0;
  for (;;) {
    bool eof = false;
    s = r->Next(&ev, &eof);
    if (!s.ok()) Die(s);
    if (eof) break;
    ++n;
    bytes += ev.op.length;
  }
  benchmark::DoNotOptimize(bytes);
  if (n == 0) state.SkipWithError("no events");
  return n;
}

void ZonesimReads(benchmark::State& state, const std::string& path, uint64_t credited) {
  uint64_t n = 0;
  for (auto _ : state) n = ReadAll({path}, state);
  state.counters["events_read"] = static_cast<double>(n);
  SetWork(state, static_cast<double>((credited ? credited : n) * state.iterations()));
}

void BlkparseReadsBlktrace(benchmark::State& state, bool quick) {
  Inputs& in = Inputs::Get(quick);
  if (!ProgramAvailable("blkparse")) {
    state.SkipWithError("blkparse is not installed (Debian: blktrace)");
    return;
  }
  double cpu = 0;
  for (auto _ : state) {
    ChildResult r;
    std::string error;
    if (!RunChild({"blkparse", "-i", in.blktrace_prefix(), "-o", "/dev/null"}, &r, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.SetIterationTime(r.wall_seconds);
    cpu += r.cpu_seconds;
  }
  state.counters["cpu_seconds"] = cpu;
  SetWork(state, static_cast<double>(in.blktrace_records * state.iterations()));
}

}  // namespace

void DefineSuite(Suite* suite) {
  const bool quick = suite->options().quick;
  auto once = [](benchmark::internal::Benchmark* b) {
    b->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  suite->Add("zonesim_blktrace", [=](benchmark::State& s) {
    Inputs& in = Inputs::Get(quick);
    ZonesimReads(s, in.blktrace_prefix(), in.blktrace_records);
  }, once);
  suite->Add("blkparse_blktrace", [=](benchmark::State& s) { BlkparseReadsBlktrace(s, quick); },
             [](benchmark::internal::Benchmark* b) {
               b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
             });
  suite->Add("zonesim_fio_v2", [=](benchmark::State& s) { ZonesimReads(s, Inputs::Get(quick).fio_v2(), 0); }, once);
  suite->Add("zonesim_fio_v3", [=](benchmark::State& s) { ZonesimReads(s, Inputs::Get(quick).fio_v3(), 0); }, once);
  suite->Add("zonesim_blkparse_text", [=](benchmark::State& s) {
    const std::string& text = Inputs::Get(quick).blkparse_text();
    if (text.empty()) {
      s.SkipWithError("blkparse is not installed (Debian: blktrace), no text input");
      return;
    }
    ZonesimReads(s, text, 0);
  }, once);

  const std::string records = quick ? "300 thousand" : "3 million";
  Section sec;
  sec.id = "6";
  sec.title = "Trace reading";
  sec.unit = "events/s";
  sec.anchor_names = {"blkparse -o /dev/null"};
  Row row;
  row.label = "binary blktrace, 4 CPUs, " + records + " records (wall clock)";
  row.ours = "zonesim_blktrace";
  row.anchors = {"blkparse_blktrace"};
  row.goals = {3.0};  // "beats blkparse several times over"
  sec.rows.push_back(row);
  row.label = "binary blktrace, 4 CPUs, " + records + " records (CPU time)";
  row.metric = "cpu_rate";
  sec.rows.push_back(row);
  row = Row();
  row.metric = "cpu_rate";
  row.label = std::string("fio iolog v2, ") + (quick ? "200 thousand" : "2 million") + " lines (CPU time)";
  row.ours = "zonesim_fio_v2";
  sec.rows.push_back(row);
  row.label = std::string("fio iolog v3, ") + (quick ? "200 thousand" : "2 million") + " lines (CPU time)";
  row.ours = "zonesim_fio_v3";
  sec.rows.push_back(row);
  row.label = "blkparse text output of the blktrace input (CPU time)";
  row.ours = "zonesim_blkparse_text";
  sec.rows.push_back(row);
  sec.notes = {"blkparse sorts the per-CPU files by time and formats every record; `-o /dev/null` keeps "
               "its output cost but not the disk. fio has no stand-alone iolog parser to compare with."};
  suite->AddSection(sec);
}

}  // namespace zonesim::bench
