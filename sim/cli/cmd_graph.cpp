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
#include <sstream>
#include <string>

#include "zoned/device_config.h"
#include "model/edge_coverage.h"
#include "model/state_graph.h"
#include "sim/cli/commands.h"

namespace zonesim {

namespace {

namespace po = boost::program_options;

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

}  // namespace

int RunGraphCommand(const CommandArgs& args) {
  std::string profile_name, config_spec, coverage_path;
  bool dot = false, help = false;
  po::options_description opts("zonesim graph options");
  opts.add_options()
      ("help,h", po::bool_switch(&help), "show this help")
      ("profile", po::value(&profile_name), "zns, zbc or linux (default linux)")
      ("config", po::value(&config_spec), "device/parameter SPEC overriding the profile")
      ("dot", po::bool_switch(&dot), "print Graphviz DOT instead of a table")
      ("coverage", po::value(&coverage_path), "mark the edges recorded in FILE");
  try {
    po::variables_map vm;
    po::positional_options_description none;  // no operands: reject stray words
    po::store(po::command_line_parser(args).options(opts).positional(none).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "zonesim graph: %s (try 'zonesim graph --help')\n", e.what());
    return 2;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }

  DeviceConfig config;
  config.params = profile_params(Profile::kLinux);
  if (!profile_name.empty()) {
    auto p = profile_from_string(profile_name);
    if (!p) {
      std::fprintf(stderr, "zonesim graph: --profile '%s' is not one of zns|zbc|linux\n",
                   profile_name.c_str());
      return 2;
    }
    config.params = profile_params(*p);
  }
  if (!config_spec.empty()) {
    Status s = ApplyDeviceOptions({config_spec}, &config);
    if (s.ok()) s = config.Validate();
    if (!s.ok()) {
      std::fprintf(stderr, "zonesim graph: --config: %s\n", s.message().c_str());
      return 2;
    }
  }

  EdgeCoverage coverage;
  const bool with_coverage = !coverage_path.empty();
  if (with_coverage) {
    std::string error;
    if (!ReadCoverage(coverage_path, &coverage, &error)) {
      std::fprintf(stderr, "zonesim graph: %s\n", error.c_str());
      return 2;
    }
  }

  const StateGraph graph = BuildStateGraph(config.params);
  const EdgeCoverage* cov = with_coverage ? &coverage : nullptr;
  if (dot) {
    std::fputs(RenderDot(graph, cov).c_str(), stdout);
  } else {
    std::printf("# zone state machine, %s profile (%s)\n", std::string(to_string(graph.profile)).c_str(),
                FormatDeviceConfig(config).c_str());
    std::fputs(RenderTable(graph, cov).c_str(), stdout);
  }
  if (!with_coverage) return 0;

  const CoverageSummary summary = Summarize(graph, coverage);
  // With --dot the summary goes to stderr so stdout stays a valid DOT file.
  FILE* out = dot ? stderr : stdout;
  std::fprintf(out, "%s\n", CoverageLine(summary).c_str());
  if (!summary.uncovered.empty()) {
    std::fprintf(out, "uncovered edges:\n");
    for (const std::string& e : summary.uncovered) std::fprintf(out, "  %s\n", e.c_str());
  }
  if (!summary.unexpected.empty()) {
    std::fprintf(out, "recorded edges NOT in the graph:\n");
    for (const std::string& e : summary.unexpected) std::fprintf(out, "  %s\n", e.c_str());
    return 1;
  }
  return 0;
}

}  // namespace zonesim
