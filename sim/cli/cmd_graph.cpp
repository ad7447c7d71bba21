// zonesim graph: the zone state machine of a profile (model/state_graph.h),
// as a plain edge table or Graphviz DOT, optionally marked with the edge
// coverage a run recorded (EdgeCoverage::Serialize text, as written by the
// checker and the fuzzer). Exit status: 0 ok; 1 the coverage file holds edges
// that are not in the graph (the run used other parameters, or a device took
// an illegal transition); 2 bad usage or an unreadable coverage file.
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "zoned/device_config.h"
#include "model/edge_coverage.h"
#include "model/state_graph.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"

namespace zonesim {

namespace {

constexpr const char* kUsage =
    "usage: zonesim graph [--profile zns|zbc|linux] [--config SPEC] [--dot] [--coverage FILE]\n"
    "\n"
    "Prints the zone state machine the reference model follows under a profile:\n"
    "one line per edge (FROM TRIGGER TO RULE), or Graphviz DOT with --dot.\n"
    "--config overrides single parameters (same SPEC as elsewhere, e.g.\n"
    "'profile=zns,power_cycle=wipe'); a profile= inside SPEC wins over --profile.\n"
    "With --coverage FILE (lines 'FROM TRIGGER TO COUNT') covered edges are\n"
    "marked with their counts (DOT: solid green; uncovered dashed red), followed\n"
    "by 'covered N/M edges (P%)' and the uncovered edges.\n"
    "Exit status: 0 ok, 1 the coverage holds edges missing from the graph,\n"
    "2 bad usage or unreadable coverage file.\n";

// Coverage files are a few hundred bytes; refuse anything absurd.
constexpr std::streamoff kMaxCoverageBytes = 16 << 20;

bool ReadCoverage(const std::string& path, EdgeCoverage* out, std::string* error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    *error = "coverage file '" + path + "' does not exist or is not a regular file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open coverage file '" + path + "'";
    return false;
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxCoverageBytes) {
    *error = "coverage file '" + path + "' is not a readable coverage file (size " +
             std::to_string(size) + ")";
    return false;
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) {
    *error = "cannot read coverage file '" + path + "'";
    return false;
  }
  Status s = EdgeCoverage::Parse(text, out);
  if (!s.ok()) {
    *error = path + ": " + s.message();
    return false;
  }
  return true;
}

struct GraphOptions {
  DeviceConfig config;  // the profile's parameters with --config over them
  bool dot = false;
  std::optional<EdgeCoverage> coverage;  // --coverage FILE, read
};

Parsed<GraphOptions> ParseGraphOptions(const CommandArgs& args) {
  namespace po = boost::program_options;
  GraphOptions o;
  std::string profile_name, config_spec, coverage_path;
  CommandLine cl("graph", kUsage);
  cl.AddProfile(&profile_name, "zns, zbc or linux (default linux)");
  cl.AddConfig(&config_spec, "device/parameter SPEC overriding the profile");
  cl.AddFlag("dot", &o.dot, "print Graphviz DOT instead of a table");
  cl.Add()("coverage", po::value(&coverage_path), "mark the edges recorded in FILE");
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<GraphOptions>::Stop(*stop);

  Profile profile = Profile::kLinux;
  if (cl.Given("profile")) {
    if (Status s = ParseProfileOption(profile_name, &profile); !s.ok()) return cl.Stop<GraphOptions>(s.message());
  }
  o.config.params = profile_params(profile);
  if (cl.Given("config")) {
    if (Status s = ApplyConfigOption(config_spec, &o.config); !s.ok()) return cl.Stop<GraphOptions>(s.message());
  }
  if (cl.Given("coverage")) {
    std::string error;
    o.coverage.emplace();
    if (!ReadCoverage(coverage_path, &*o.coverage, &error)) return cl.Stop<GraphOptions>(error);
  }
  return {std::move(o), std::nullopt};
}

struct GraphResult {
  StateGraph graph;
  std::optional<CoverageSummary> coverage;  // with --coverage
};

GraphResult RunGraph(const GraphOptions& o) {
  GraphResult r{BuildStateGraph(o.config.params), std::nullopt};
  if (o.coverage) r.coverage = Summarize(r.graph, *o.coverage);
  return r;
}

// The graph itself: a table or DOT.
std::string FormatGraph(const GraphOptions& o, const GraphResult& r) {
  const EdgeCoverage* cov = o.coverage ? &*o.coverage : nullptr;
  if (o.dot) return RenderDot(r.graph, cov);
  return "# zone state machine, " + std::string(to_string(r.graph.profile)) + " profile (" +
         FormatDeviceConfig(o.config) + ")\n" + RenderTable(r.graph, cov);
}

// What --coverage adds: the covered fraction, the uncovered edges, and the
// recorded edges the graph does not have.
std::string FormatCoverage(const CoverageSummary& summary) {
  std::string out = CoverageLine(summary) + "\n";
  if (!summary.uncovered.empty()) {
    out += "uncovered edges:\n";
    for (const std::string& e : summary.uncovered) out += "  " + e + "\n";
  }
  if (!summary.unexpected.empty()) {
    out += "recorded edges NOT in the graph:\n";
    for (const std::string& e : summary.unexpected) out += "  " + e + "\n";
  }
  return out;
}

}  // namespace

int RunGraphCommand(const CommandArgs& args) {
  const Parsed<GraphOptions> p = ParseGraphOptions(args);
  if (p.exit) return *p.exit;
  const GraphResult r = RunGraph(p.options);
  std::fputs(FormatGraph(p.options, r).c_str(), stdout);
  if (!r.coverage) return 0;
  // With --dot the summary goes to stderr so stdout stays a valid DOT file.
  std::fputs(FormatCoverage(*r.coverage).c_str(), p.options.dot ? stderr : stdout);
  return r.coverage->unexpected.empty() ? 0 : 1;
}

}  // namespace zonesim
