// main() of every benchmark program: flags, interleaved passes, the capturing
// reporter, medians, the markdown table and the JSON file (see harness.h).
#include "bench/harness.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_writer.h"

namespace zonesim::bench {

void Suite::Add(const std::string& name, BenchFn fn, Configure configure) {
  for (const Entry& e : entries_)
    if (e.name == name) Die("benchmark registered twice: " + name);
  entries_.push_back({name, std::move(fn), std::move(configure)});
}

Section& Suite::AddSection(Section section) {
  sections_.push_back(std::move(section));
  return sections_.back();
}

std::string TempRoot() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string SelfPath() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) Die("cannot find this program's path (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

void Die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

namespace {

// One repetition of one benchmark.
struct Sample {
  double seconds = 0;      // real (or manual) time, all iterations
  double cpu_seconds = 0;  // this process only
  int64_t iterations = 0;
  std::map<std::string, double> counters;
};

struct Results {
  std::map<std::string, std::vector<Sample>> samples;  // by benchmark name
  std::map<std::string, std::string> errors;           // the last error of a benchmark
};

// Prints Google Benchmark's usual lines to stderr and keeps every iteration
// run (aggregates are not requested: the harness computes its own medians).
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  explicit CapturingReporter(Results* results)
      : benchmark::ConsoleReporter(isatty(STDERR_FILENO) ? OO_ColorTabular : OO_Tabular), results_(results) {
    SetOutputStream(&std::cerr);
    SetErrorStream(&std::cerr);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      const std::string name = r.run_name.function_name;
      if (r.error_occurred) {
        results_->errors[name] = r.error_message;
        continue;
      }
      Sample s;
      s.seconds = r.real_accumulated_time;
      s.cpu_seconds = r.cpu_accumulated_time;
      s.iterations = r.iterations;
      for (const auto& [k, c] : r.counters) s.counters[k] = c.value;
      results_->samples[name].push_back(std::move(s));
    }
    benchmark::ConsoleReporter::ReportRuns(runs);
  }

 private:
  Results* results_;
};

std::optional<double> Metric(const Sample& s, const std::string& metric) {
  if (metric == "rate" || metric == "cpu_rate") {
    auto it = s.counters.find("work");
    double seconds = s.seconds;
    if (metric == "cpu_rate") {
      auto child = s.counters.find("cpu_seconds");
      seconds = child != s.counters.end() ? child->second : s.cpu_seconds;
    }
    if (it == s.counters.end() || seconds <= 0) return std::nullopt;
    return it->second / seconds;
  }
  auto it = s.counters.find(metric);
  if (it == s.counters.end()) return std::nullopt;
  return it->second;
}

std::vector<double> Values(const Results& res, const std::string& name, const std::string& metric) {
  std::vector<double> out;
  auto it = res.samples.find(name);
  if (it == res.samples.end()) return out;
  for (const Sample& s : it->second)
    if (auto v = Metric(s, metric)) out.push_back(*v);
  return out;
}

std::optional<double> Median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Format(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e7) std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (a >= 100) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (a >= 10) std::snprintf(buf, sizeof buf, "%.1f", v);
  else std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string FormatRatio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, r >= 10 ? "%.1fx" : "%.2fx", r);
  return buf;
}

struct Cell {
  std::optional<double> median;
  std::string error;
};

Cell CellFor(const Results& res, const std::string& name, const std::string& metric) {
  Cell c;
  if (name.empty()) return c;
  c.median = Median(Values(res, name, metric));
  if (!c.median) {
    // No samples and no error: filtered out by --benchmark_filter.
    auto e = res.errors.find(name);
    if (e != res.errors.end()) c.error = e->second;
    else if (res.samples.count(name)) c.error = "no '" + metric + "' figure";
  }
  return c;
}

std::optional<double> Ratio(const Cell& ours, const Cell& anchor) {
  if (!ours.median || !anchor.median || *anchor.median == 0) return std::nullopt;
  return *ours.median / *anchor.median;
}

double Goal(const Row& r, size_t anchor) { return anchor < r.goals.size() ? r.goals[anchor] : 0; }

bool HasGoals(const Section& s) {
  for (const Row& r : s.rows)
    for (size_t i = 0; i < s.anchor_names.size(); ++i)
      if (Goal(r, i) > 0) return true;
  return false;
}

void PrintSection(const Section& s, const Results& res, int reps) {
  std::printf("\n## %s. %s\n\n", s.id.c_str(), s.title.c_str());
  std::printf("%s, median of %d interleaved passes; ratio = %s / anchor (%s is better).\n\n", s.unit.c_str(),
              reps, s.ours_name.c_str(), s.higher_is_better ? "higher" : "lower");
  std::string head = "| case | " + s.ours_name + " |";
  std::string rule = "|---|---:|";
  for (const std::string& a : s.anchor_names) {
    head += " " + a + " | ratio |";
    rule += "---:|---:|";
  }
  if (HasGoals(s)) {
    head += " goal |";
    rule += "---|";
  }
  std::printf("%s\n%s\n", head.c_str(), rule.c_str());
  std::vector<std::string> errors;
  for (const Row& r : s.rows) {
    const Cell ours = CellFor(res, r.ours, r.metric);
    std::string line = "| " + r.label + " | " + (ours.median ? Format(*ours.median) : "n/a") + " |";
    if (!ours.error.empty()) errors.push_back(r.ours + ": " + ours.error);
    std::vector<std::optional<double>> ratios;
    for (size_t i = 0; i < s.anchor_names.size(); ++i) {
      const std::string name = i < r.anchors.size() ? r.anchors[i] : "";
      if (name.empty()) {
        line += " | |";
        ratios.push_back(std::nullopt);
        continue;
      }
      const Cell a = CellFor(res, name, r.metric);
      if (!a.error.empty()) errors.push_back(name + ": " + a.error);
      const auto ratio = Ratio(ours, a);
      ratios.push_back(ratio);
      line += " " + (a.median ? Format(*a.median) : std::string("n/a")) + " | " +
              (ratio ? FormatRatio(*ratio) : std::string("n/a")) + " |";
    }
    if (HasGoals(s)) {
      std::string goal;
      for (size_t i = 0; i < ratios.size(); ++i) {
        const double g = Goal(r, i);
        if (g <= 0) continue;
        const bool higher = s.higher_is_better && !r.lower_is_better;
        const bool met = ratios[i] && (higher ? *ratios[i] >= g : *ratios[i] <= g);
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s%s%.2fx %s: %s", goal.empty() ? "" : "; ", higher ? ">=" : "<=",
                      g, s.anchor_names[i].c_str(), !ratios[i] ? "n/a" : met ? "met" : "MISSED");
        goal += buf;
      }
      line += " " + goal + " |";
    }
    std::printf("%s\n", line.c_str());
  }
  for (const std::string& n : s.notes) std::printf("\n%s\n", n.c_str());
  std::sort(errors.begin(), errors.end());
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
  for (const std::string& e : errors) std::printf("\n(not measured: %s)\n", e.c_str());
  std::fflush(stdout);
}

void WriteCell(JsonWriter& j, const std::string& name, const Results& res, const std::string& metric) {
  j.BeginObject();
  j.Field("benchmark", name);
  const Cell c = CellFor(res, name, metric);
  j.Key("median");
  if (c.median) j.Double(*c.median);
  else j.Null();
  if (!c.error.empty()) j.Field("error", c.error);
  j.Key("samples").BeginArray();
  for (double v : Values(res, name, metric)) j.Double(v);
  j.EndArray();
  j.EndObject();
}

std::string SectionsJson(const std::vector<Section>& sections, const Results& res, const Options& o,
                         const std::string& program) {
  JsonWriter j;
  j.BeginObject();
  j.Field("program", program);
  j.Field("quick", o.quick);
  j.Field("passes", o.repetitions);
  j.Key("sections").BeginArray();
  for (const Section& s : sections) {
    j.BeginObject();
    j.Field("id", s.id).Field("title", s.title).Field("unit", s.unit);
    j.Field("higher_is_better", s.higher_is_better);
    j.Key("anchors").BeginArray();
    for (const std::string& a : s.anchor_names) j.String(a);
    j.EndArray();
    j.Key("rows").BeginArray();
    for (const Row& r : s.rows) {
      j.BeginObject();
      j.Field("case", r.label).Field("metric", r.metric);
      j.Key("ours");
      WriteCell(j, r.ours, res, r.metric);
      const Cell ours = CellFor(res, r.ours, r.metric);
      j.Key("anchors").BeginArray();
      for (size_t i = 0; i < s.anchor_names.size(); ++i) {
        const std::string name = i < r.anchors.size() ? r.anchors[i] : "";
        if (name.empty()) {
          j.Null();
          continue;
        }
        j.BeginObject();
        j.Field("anchor", s.anchor_names[i]);
        j.Key("result");
        WriteCell(j, name, res, r.metric);
        const auto ratio = Ratio(ours, CellFor(res, name, r.metric));
        j.Key("ratio");
        if (ratio) j.Double(*ratio);
        else j.Null();
        if (const double g = Goal(r, i); g > 0) {
          const bool higher = s.higher_is_better && !r.lower_is_better;
          const bool met = ratio && (higher ? *ratio >= g : *ratio <= g);
          j.Field("goal", g).Field("goal_kind", higher ? "min" : "max").Field("goal_met", met);
        }
        j.EndObject();
      }
      j.EndArray();
      j.EndObject();
    }
    j.EndArray();
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
  return j.str();
}

void PrintDryRun(Suite& suite) {
  for (const Section& s : suite.sections()) {
    std::printf("## %s. %s\n", s.id.c_str(), s.title.c_str());
    for (const Row& r : s.rows) {
      std::printf("  %s: %s", r.label.c_str(), r.ours.c_str());
      for (const std::string& a : r.anchors)
        if (!a.empty()) std::printf(" vs %s", a.c_str());
      std::printf("\n");
    }
  }
}

// Every benchmark a row names must be registered (a typo would otherwise
// show up only as "n/a" after a long run).
void CheckRows(Suite& suite) {
  auto known = [&](const std::string& n) {
    return std::any_of(suite.entries().begin(), suite.entries().end(),
                       [&](const Suite::Entry& e) { return e.name == n; });
  };
  for (const Section& s : suite.sections())
    for (const Row& r : s.rows) {
      if (!known(r.ours)) Die("row '" + r.label + "' names unknown benchmark " + r.ours);
      for (const std::string& a : r.anchors)
        if (!a.empty() && !known(a)) Die("row '" + r.label + "' names unknown benchmark " + a);
      if (r.anchors.size() > s.anchor_names.size() || r.goals.size() > s.anchor_names.size())
        Die("row '" + r.label + "' has more anchors or goals than the section has anchor columns");
    }
}

// Bad flags: one line, exit status 2 (as zonesim's own usage errors).
[[noreturn]] void UsageError(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(2);
}

bool ParseFlag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

}  // namespace

}  // namespace zonesim::bench

int main(int argc, char** argv) {
  using namespace zonesim::bench;
  Options o;
  bool reps_given = false;
  bool child = false;
  std::string child_arg;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (std::strcmp(argv[i], "--quick") == 0) {
      o.quick = true;
    } else if (std::strcmp(argv[i], "--dry-run") == 0) {
      o.dry_run = true;
    } else if (ParseFlag(argv[i], "--reps", &v)) {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 1000) UsageError("--reps wants a number from 1 to 1000, not '" + v + "'");
      o.repetitions = static_cast<int>(n);
      reps_given = true;
    } else if (ParseFlag(argv[i], "--json", &v)) {
      o.json_path = v;
    } else if (ParseFlag(argv[i], "--zonesim", &v)) {
      o.zonesim_path = v;
    } else if (ParseFlag(argv[i], "--child", &v)) {
      child_arg = v;
      child = true;
    } else if (std::strncmp(argv[i], "--benchmark_", 12) == 0) {
      rest.push_back(argv[i]);
    } else {
      UsageError(std::string("unknown option '") + argv[i] +
          "' (--quick, --reps=N, --json=FILE, --dry-run, --zonesim=PATH, --benchmark_*)");
    }
  }
  if (o.quick && !reps_given) o.repetitions = 3;
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());

  Suite suite(o);
  DefineSuite(&suite);
  CheckRows(suite);
  if (!reps_given && suite.default_repetitions() > 0) o.repetitions = suite.default_repetitions();
  if (child) {
    if (!suite.child_mode()) Die("this program has no child mode");
    return suite.child_mode()(child_arg);
  }
  if (o.dry_run) {
    PrintDryRun(suite);
    return 0;
  }

  Results results;
  CapturingReporter reporter(&results);
  const auto& entries = suite.entries();
  for (int pass = 0; pass < o.repetitions; ++pass) {
    benchmark::ClearRegisteredBenchmarks();
    for (size_t k = 0; k < entries.size(); ++k) {
      const Suite::Entry& e = entries[pass % 2 == 0 ? k : entries.size() - 1 - k];
      benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(e.name.c_str(), e.fn);
      if (e.configure) e.configure(b);
    }
    std::fprintf(stderr, "pass %d/%d\n", pass + 1, o.repetitions);
    benchmark::RunSpecifiedBenchmarks(&reporter);
  }
  benchmark::Shutdown();

  for (const Section& s : suite.sections()) PrintSection(s, results, o.repetitions);
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path, std::ios::binary | std::ios::trunc);
    const std::string base = std::strrchr(argv[0], '/') ? std::strrchr(argv[0], '/') + 1 : argv[0];
    f << SectionsJson(suite.sections(), results, o, base) << "\n";
    if (!f) Die("cannot write " + o.json_path);
  }
  return 0;
}
