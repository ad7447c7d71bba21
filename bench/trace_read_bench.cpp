// Trace reading throughput: zonesim's blktrace reader against Debian's
// blkparse on the same ~3 million event trace, and the fio iolog and blkparse
// text readers on large inputs. The inputs are written once per run by
// zonesim's writers into a fresh directory under $TMPDIR (removed at exit).
//
//   trace_read_bench --benchmark_counters_tabular=true
//
// Every benchmark measures wall time (UseRealTime) so the blkparse child
// process counts; "events/s" is the figure to compare.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "traces/blktrace_format.h"
#include "traces/blktrace_writer.h"
#include "traces/fio_iolog_writer.h"
#include "traces/output_file.h"
#include "traces/trace_open.h"

namespace zonesim {
namespace {

constexpr uint64_t kRequests = 1'000'000;  // x (Q, D, C) = 3,000,000 records
constexpr uint32_t kCpus = 4;
constexpr uint64_t kFioLines = 2'000'000;

void Die(const Status& s) {
  std::fprintf(stderr, "trace_read_bench: %s\n", s.ToString().c_str());
  std::exit(1);
}

class Inputs {
 public:
  static Inputs& Get() {
    static Inputs inputs;
    return inputs;
  }
  ~Inputs() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string blktrace_prefix() const { return dir_ + "/bench"; }
  std::string fio_v2() const { return dir_ + "/bench.v2.iolog"; }
  std::string fio_v3() const { return dir_ + "/bench.v3.iolog"; }
  std::string blkparse_text() {
    if (text_.empty()) {
      text_ = dir_ + "/bench.txt";
      std::string cmd = "blkparse -i " + blktrace_prefix() + " -o " + text_ + " >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) text_ = "-";
    }
    return text_;
  }
  uint64_t blktrace_records = 0;

 private:
  Inputs() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/zonesim-tracebench-XXXXXX";
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
    for (uint64_t i = 0; i < kRequests; ++i) {
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
    s = OutputFile::Create(fio_v3(), 4 << 20, &v3);
    if (!s.ok()) Die(s);
    s = v3->Append("fio version 3 iolog\n12 /dev/nullb0 add\n40 /dev/nullb0 open\n");
    for (uint64_t i = 0; i < kFioLines && s.ok(); ++i) {
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

  std::string dir_;
  std::string text_;
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

void SetRate(benchmark::State& state, uint64_t events_per_iteration) {
  state.counters["events"] = static_cast<double>(events_per_iteration);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events_per_iteration) * state.iterations(),
                                                  benchmark::Counter::kIsRate);
}

void BM_ZonesimReadsBlktrace(benchmark::State& state) {
  Inputs& in = Inputs::Get();
  uint64_t n = 0;
  for (auto _ : state) n = ReadAll({in.blktrace_prefix()}, state);
  SetRate(state, n);
}

void BM_BlkparseReadsBlktrace(benchmark::State& state) {
  Inputs& in = Inputs::Get();
  if (std::system("command -v blkparse >/dev/null 2>&1") != 0) {
    state.SkipWithError("blkparse is not installed");
    return;
  }
  const std::string cmd = "blkparse -i " + in.blktrace_prefix() + " -o /dev/null >/dev/null 2>&1";
  for (auto _ : state) {
    if (std::system(cmd.c_str()) != 0) state.SkipWithError("blkparse failed");
  }
  SetRate(state, in.blktrace_records);
}

void BM_ZonesimReadsFioV2(benchmark::State& state) {
  Inputs& in = Inputs::Get();
  uint64_t n = 0;
  for (auto _ : state) n = ReadAll({in.fio_v2()}, state);
  SetRate(state, n);
}

void BM_ZonesimReadsFioV3(benchmark::State& state) {
  Inputs& in = Inputs::Get();
  uint64_t n = 0;
  for (auto _ : state) n = ReadAll({in.fio_v3()}, state);
  SetRate(state, n);
}

void BM_ZonesimReadsBlkparseText(benchmark::State& state) {
  Inputs& in = Inputs::Get();
  const std::string text = in.blkparse_text();
  if (text == "-") {
    state.SkipWithError("blkparse is not installed");
    return;
  }
  uint64_t n = 0;
  for (auto _ : state) n = ReadAll({text}, state);
  SetRate(state, n);
}

BENCHMARK(BM_ZonesimReadsBlktrace)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(BM_BlkparseReadsBlktrace)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK(BM_ZonesimReadsFioV2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_ZonesimReadsFioV3)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_ZonesimReadsBlkparseText)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace
}  // namespace zonesim

BENCHMARK_MAIN();
