// The benchmark harness shared by every bench/*_bench.cpp program: Google
// Benchmark does the timing, this file decides what is run, in which order,
// and how the results become one table with ratios against the anchors.
//
// Each program defines DefineSuite(), which registers benchmarks and
// describes its table sections. main() (bench/harness.cpp) then runs every
// benchmark once per pass, for `--reps` passes, alternating the order (forward
// on even passes, backward on odd ones), so a figure and its anchor always
// run close together in time and neither always goes first: on a loaded
// machine the medians of interleaved passes are what can be compared.
//
// A benchmark reports its work as the user counter "work" (in the section's
// unit: MiB, operations, events, zones; total over all its iterations). The
// harness divides it by the benchmark's real time (or its manual time, for
// benchmarks that time only their I/O loop or read a child's own timing), so
// "rate" is always work per wall-clock second. "cpu_rate" divides by CPU time
// instead: this process's, or the counter "cpu_seconds" when the work was done
// by a child process (user + system time from wait4). On a machine shared
// with other jobs CPU time is the steadier measure of CPU-bound code; I/O
// figures are always wall-clock. Other counters are reported as they are (a
// row can name one as its metric, e.g. bytes per zone).
//
// Flags (before Google Benchmark's own --benchmark_* flags, which pass through):
//   --quick         small inputs, 3 passes (the CI smoke run)
//   --reps=N        passes (default 5, quick 3, unless the program sets its own)
//   --json=FILE     write the sections with every sample as JSON
//   --dry-run       print the sections and the benchmarks they would run; run nothing
//   --zonesim=PATH  the zonesim binary, for benchmarks that run it as a child
//   --child=ARG     run the program's child mode (Suite::SetChildMode) instead:
//                   a benchmark may re-run its own program under another tool
//
// Output: Google Benchmark's per-run lines on stderr (progress), the section
// tables (markdown) on stdout. Nothing printed depends on the wall-clock date.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace zonesim::bench {

struct Options {
  bool quick = false;
  int repetitions = 5;
  bool dry_run = false;
  std::string json_path;
  std::string zonesim_path;
};

// One table row: our benchmark and, per anchor column, the benchmark it is
// compared with ("" when the anchor has nothing comparable).
struct Row {
  std::string label;
  std::string ours;
  std::vector<std::string> anchors;
  std::string metric = "rate";  // "rate", "cpu_rate" (work per second) or a counter name
  // Goals, one per anchor column (0 or missing: none): ours / anchor must be
  // at least this (higher-is-better sections) or at most it (lower-is-better).
  std::vector<double> goals;
  // This row's figure is a cost (e.g. instructions per operation) in a
  // section of rates: its goals are maxima.
  bool lower_is_better = false;
};

struct Section {
  std::string id;      // "1" .. "6"
  std::string title;   // what is measured
  std::string unit;    // of the figures, e.g. "MiB/s"
  std::string ours_name = "zonesim";
  std::vector<std::string> anchor_names;  // column headers
  bool higher_is_better = true;
  std::vector<Row> rows;
  std::vector<std::string> notes;  // printed under the table (method, fairness)
};

using BenchFn = std::function<void(benchmark::State&)>;
using Configure = std::function<void(benchmark::internal::Benchmark*)>;

class Suite {
 public:
  explicit Suite(const Options& options) : options_(options) {}
  const Options& options() const { return options_; }

  // Registers benchmark `name` (unique); `configure` sets iterations, time
  // unit, manual time and so on, and runs again at every pass.
  void Add(const std::string& name, BenchFn fn, Configure configure = {});
  Section& AddSection(Section section);
  // Passes when --reps is not given (the harness default: 5, quick 3).
  void SetDefaultRepetitions(int n) { default_reps_ = n; }
  int default_repetitions() const { return default_reps_; }
  // What `--child=ARG` runs (returns the exit status).
  void SetChildMode(std::function<int(const std::string& arg)> child) { child_ = std::move(child); }
  const std::function<int(const std::string&)>& child_mode() const { return child_; }

  struct Entry {
    std::string name;
    BenchFn fn;
    Configure configure;
  };
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Section>& sections() { return sections_; }

 private:
  Options options_;
  std::vector<Entry> entries_;
  std::vector<Section> sections_;
  std::function<int(const std::string&)> child_;
  int default_reps_ = 0;
};

// Defined by each benchmark program.
void DefineSuite(Suite* suite);

// Helpers for benchmarks.
// Sets the "work" counter (total over all iterations, in the section's unit).
inline void SetWork(benchmark::State& state, double work) { state.counters["work"] = work; }
// $TMPDIR, default /tmp.
std::string TempRoot();
// CPU time of the calling thread, user + system (a system call, ~1 us here:
// only around loops that run much longer).
double ThreadCpuSeconds();
// This program's own path (/proc/self/exe), to re-run it in child mode.
std::string SelfPath();
// Stops the process with a one-line error (setup failures benchmarks cannot report).
[[noreturn]] void Die(const std::string& what);

}  // namespace zonesim::bench
