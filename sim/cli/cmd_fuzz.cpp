// zonesim fuzz: a deterministic lockstep campaign, model vs a zoned qcow2 image.
#include <charconv>
#include <set>
#include <string>
#include <vector>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/build_info.h"
#include "common/json_writer.h"
#include "sim/lockstep/run_output.h"
#include "sim/cli/commands.h"
#include "sim/cli/dut_options.h"
#include "sim/gate/image_findings.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "zoned/script.h"

namespace po = boost::program_options;

namespace zonesim {

namespace {

constexpr int kExitConforming = 0;
constexpr int kExitDivergence = 1;
constexpr int kExitUsage = 2;

std::string ReproducerScript(const CampaignResult& r) {
  std::string out;
  for (const Operation& op : r.reproducer) out += FormatScriptLine(op) + "\n";
  return out;
}

std::string TextReport(const CampaignOptions& o, const CampaignResult& r, uint64_t seed) {
  std::ostringstream out;
  out << "zonesim fuzz: seed " << seed << ", " << r.ops_run << " operations, profile "
      << to_string(o.config.params.profile) << "\n";
  out << "device: " << FormatDeviceConfig(o.config) << "\n";
  if (o.dut.external())
    out << "implementation under test: " << ShellJoin(o.dut.qemu_io.command) << " IMAGE (errno "
        << to_string(o.errno_vocabulary) << ")\n";
  out << "operations:\n";
  for (const auto& [k, n] : r.op_counts) out << "  " << to_string(k) << " " << n << "\n";
  out << "statuses:\n";
  for (const auto& [s, n] : r.status_counts) out << "  " << status_id(s) << " " << n << "\n";
  if (r.host_refusals) out << "  refused by the host (misaligned range) " << r.host_refusals << "\n";
  out << "device choices adopted: " << r.choices_adopted << "\n";
  if (r.power_losses > 0)
    out << "power losses: " << r.power_losses << ", states adopted: " << r.states_adopted
        << ", leaked clusters at the end (crash residue, not judged): " << r.crash_leaked_clusters << "\n";
  for (const AdoptedChoice& c : r.adopted_samples)
    out << "  #" << c.index << " " << c.description << "\n";
  out << "edge coverage: " << CoverageLine(r.coverage_summary) << "\n";
  for (const std::string& e : r.coverage_summary.uncovered) out << "  uncovered: " << e << "\n";
  for (const std::string& e : r.coverage_summary.unexpected)
    out << "  NOT IN THE STATE GRAPH: " << e << "\n";
  out << "triple coverage (condition, operation, outcome): " << TripleCoverageLine(r.triple_summary) << "\n";
  for (const std::string& t : r.triple_summary.uncovered) out << "  uncovered: " << t << "\n";
  for (const std::string& t : r.triple_summary.unexpected) out << "  not found reachable: " << t << "\n";
  if (r.divergence) {
    out << r.divergence_text;
    out << "minimal reproducer (" << r.reproducer.size() << " operations, " << r.shrink_tests
        << " shrink runs" << (r.shrink_complete ? "" : ", budget exhausted") << "):\n";
    out << "  zonesim fuzz --config '" << FormatDeviceConfig(o.config)
        << "' --replay repro.script\n";
    out << "repro.script:\n";
    std::istringstream lines(ReproducerScript(r));
    for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
    if (o.dut.external()) {
      out << "the same with the implementation alone (one qemu-io per power-on):\n";
      std::istringstream q(FormatQemuIoReproducer(o.dut, o.config, o.cluster_size, r.reproducer));
      for (std::string line; std::getline(q, line);) out << "  " << line << "\n";
    }
    out << "verdict: DIVERGENCE\n";
  } else if (!r.close_error.empty() || !r.image_findings.empty()) {
    if (!r.close_error.empty()) out << "the implementation failed at the end: " << r.close_error << "\n";
    if (!r.image_findings.empty()) out << "zonesim check of the image it left:\n" << r.image_findings;
    out << "verdict: FAILED\n";
  } else {
    out << "verdict: CONFORMING (model and " << (o.dut.external() ? "implementation" : "qcow2 image")
        << " agreed on all " << r.ops_run << " operations)\n";
  }
  if (!r.image_path.empty()) out << "image: " << r.image_path << "\n";
  return out.str();
}

std::string JsonReport(const CampaignOptions& o, const CampaignResult& r, uint64_t seed) {
  JsonWriter j;
  j.BeginObject();
  j.Field("zonesim_version", BuildVersion());
  j.Field("seed", seed).Field("operations", r.ops_run);
  j.Field("profile", to_string(o.config.params.profile));
  j.Field("device", FormatDeviceConfig(o.config));
  WriteCountsJson(j, r.op_counts, r.status_counts);
  j.Field("host_refusals", r.host_refusals);
  j.Field("choices_adopted", r.choices_adopted);
  j.Field("power_losses", r.power_losses).Field("states_adopted", r.states_adopted);
  j.Field("crash_leaked_clusters", r.crash_leaked_clusters);
  j.Key("coverage").BeginObject();
  j.Field("covered", static_cast<uint64_t>(r.coverage_summary.covered));
  j.Field("total", static_cast<uint64_t>(r.coverage_summary.total));
  j.Field("percent", r.coverage_summary.percent);
  j.Key("uncovered").BeginArray();
  for (const std::string& e : r.coverage_summary.uncovered) j.String(e);
  j.EndArray();
  j.Key("unexpected").BeginArray();
  for (const std::string& e : r.coverage_summary.unexpected) j.String(e);
  j.EndArray();
  // Every edge taken with its count, in the model's edge order: what
  // `zonesim campaign merge` unions across shards.
  j.Key("edges").BeginObject();
  for (const auto& [e, n] : r.coverage.counts()) j.Field(to_string(e), n);
  j.EndObject();
  j.EndObject();
  j.Key("triple_coverage").BeginObject();
  j.Field("covered", static_cast<uint64_t>(r.triple_summary.covered));
  j.Field("total", static_cast<uint64_t>(r.triple_summary.total));
  j.Field("percent", r.triple_summary.percent);
  j.Key("uncovered").BeginArray();
  for (const std::string& t : r.triple_summary.uncovered) j.String(t);
  j.EndArray();
  j.Key("unexpected").BeginArray();
  for (const std::string& t : r.triple_summary.unexpected) j.String(t);
  j.EndArray();
  j.Key("triples").BeginObject();
  for (const auto& [t, n] : r.triples.counts()) j.Field(to_string(t), n);
  j.EndObject();
  j.EndObject();
  if (r.divergence) {
    const Divergence& d = *r.divergence;
    j.Key("divergence").BeginObject();
    j.Field("index", d.index).Field("operation", FormatScriptLine(d.op)).Field("what", d.what);
    j.Field("model", d.model.Summary()).Field("device", d.device.Summary());
    j.Field("report", r.divergence_text);
    j.Key("reproducer").BeginArray();
    for (const Operation& op : r.reproducer) j.String(FormatScriptLine(op));
    j.EndArray();
    if (o.dut.external())
      j.Field("qemu_io_reproducer", FormatQemuIoReproducer(o.dut, o.config, o.cluster_size, r.reproducer));
    j.EndObject();
  }
  if (o.dut.external()) {
    j.Field("implementation", ShellJoin(o.dut.qemu_io.command));
    j.Field("close_error", r.close_error).Field("image_findings", r.image_findings);
  }
  const bool failed = !r.close_error.empty() || !r.image_findings.empty();
  j.Field("verdict", r.divergence ? "divergence" : failed ? "failed" : "conforming");
  if (!r.image_path.empty()) j.Field("image", r.image_path);
  j.EndObject();
  return j.str();
}

std::string JunitReport(const CampaignOptions& o, const CampaignResult& r, uint64_t seed) {
  std::string name = "fuzz seed " + std::to_string(seed) + " profile " +
                     std::string(to_string(o.config.params.profile));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites>\n<testsuite name=\"zonesim.fuzz\" tests=\"1\" failures=\"" +
         std::string(r.divergence ? "1" : "0") + "\" errors=\"0\">\n";
  out += "  <testcase classname=\"zonesim.fuzz\" name=\"" + XmlEscape(name) + "\">\n";
  if (r.divergence) {
    out += "    <failure message=\"" + XmlEscape(r.divergence->what) + "\">" +
           XmlEscape(r.divergence_text + "reproducer:\n" + ReproducerScript(r)) + "</failure>\n";
  }
  out += "    <system-out>" + XmlEscape(std::to_string(r.ops_run) + " operations, edge coverage " +
                                      CoverageLine(r.coverage_summary)) +
         "</system-out>\n";
  out += "  </testcase>\n</testsuite>\n</testsuites>\n";
  return out;
}

// "--power-loss-at 5,9 --power-loss-at 12": operation indices (0-based).
bool ParseOperationIndices(const std::vector<std::string>& texts, std::set<uint64_t>* out,
                           std::string* bad) {
  for (const std::string& text : texts) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      if (comma == std::string::npos) comma = text.size();
      const std::string item = text.substr(start, comma - start);
      uint64_t v = 0;
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
      if (item.empty() || ec != std::errc() || end != item.data() + item.size()) {
        *bad = item;
        return false;
      }
      out->insert(v);
      start = comma + 1;
    }
  }
  return true;
}

// zonesim's own image after a power loss: corruption and leaks apart.
ImageProblems OwnImageProblems(const std::string& path) {
  ImageProblems p;
  SplitImageFindings(path, &p.corruption, &p.leaks, &p.leaked_clusters);
  return p;
}

}  // namespace

int RunFuzzCommand(const CommandArgs& args) {
  uint64_t seed = 1, ops = 100000;
  std::string ops_text = "100000";
  std::string profile_name = "linux", config_spec, image, junit, replay_file;
  double power_cycle_rate = 0.002, fault_rate = 0.0005, power_loss_rate = 0;
  std::vector<std::string> power_loss_at;
  uint32_t cluster_size = 65536;
  uint64_t full_compare_every = 0;
  DutCliOptions dut_options;
  po::options_description desc(
      "usage: zonesim fuzz [options]\n\n"
      "Runs a deterministic workload from a seed in lockstep on the reference model and\n"
      "a fresh zoned qcow2 image, comparing every status, append LBA, read, the counters\n"
      "and the zones each operation can change after every operation, and every zone at\n"
      "every power cycle, every --full-compare-every operations and at the end. Stops at the first divergence and shrinks it\n"
      "to a minimal reproducer script. Exit 0 conforming, 1 divergence, 2 usage or\n"
      "input error.\n\noptions");
  desc.add_options()("help,h", "show this help")(
      "seed", po::value<uint64_t>(&seed)->default_value(1), "workload seed")(
      "ops", po::value<std::string>(&ops_text)->default_value("100000"), "number of operations")(
      "profile", po::value<std::string>(&profile_name)->default_value("linux"),
      "zns|zbc|linux: semantics preset (and the default device's shape)")(
      "config", po::value<std::string>(&config_spec),
      "device options over the default device: size=,zone_size=,zone_capacity=,"
      "conventional_zones=,max_open_zones=,max_active_zones=,max_append_bytes=, any model "
      "parameter (e.g. implicit_close=lowest_index)")(
      "power-cycle-rate", po::value<double>(&power_cycle_rate)->default_value(0.002),
      "probability of a power cycle before each operation")(
      "power-loss-rate", po::value<double>(&power_loss_rate)->default_value(0),
      "probability of a power loss (unsynced writes lost, torn or reordered, chosen from the "
      "seed) before each operation")(
      "power-loss-at", po::value<std::vector<std::string>>(&power_loss_at)->composing(),
      "N,M,...: the operations with these indices (0-based) are power losses")(
      "fault-rate", po::value<double>(&fault_rate)->default_value(0.0005),
      "probability of an injected READ ONLY/OFFLINE zone before each operation")(
      "cluster-size", po::value<uint32_t>(&cluster_size)->default_value(65536),
      "qcow2 cluster size of the image")(
      "image", po::value<std::string>(&image), "create the image here (must not exist) and keep it")(
      "keep-image", "keep the temporary image and print its path")(
      "replay", po::value<std::string>(&replay_file),
      "run this zonesim io script in lockstep instead of a generated workload")(
      "no-shrink", "report the divergence without shrinking it")(
      "full-compare-every", po::value<uint64_t>(&full_compare_every),
      "compare every zone after every N-th operation (1: after every operation; default: "
      "one zone in 64 per operation, i.e. every ceil(zones/64) operations)")(
      "json", "print the result as one JSON document")(
      "junit", po::value<std::string>(&junit), "also write a JUnit XML report to this file");
  AddDutOptions(&desc, &dut_options);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zonesim fuzz: %s\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  // Read as text: the option parser would take "-5" as 2^64 - 5 operations.
  const auto [end, ec] = std::from_chars(ops_text.data(), ops_text.data() + ops_text.size(), ops);
  if (ec != std::errc() || end != ops_text.data() + ops_text.size()) {
    std::fprintf(stderr, "zonesim fuzz: --ops '%s' is not a number of operations (0 .. 2^64-1)\n",
                 ops_text.c_str());
    return kExitUsage;
  }
  auto profile = profile_from_string(profile_name);
  if (!profile) {
    std::fprintf(stderr, "zonesim fuzz: --profile '%s' is not one of zns|zbc|linux\n",
                 profile_name.c_str());
    return kExitUsage;
  }
  if (power_cycle_rate < 0 || power_cycle_rate > 1 || fault_rate < 0 || fault_rate > 1 ||
      power_loss_rate < 0 || power_loss_rate > 1) {
    std::fprintf(stderr, "zonesim fuzz: rates must lie in [0, 1]\n");
    return kExitUsage;
  }
  CampaignOptions o;
  if (Status s = ResolveDutOptions(dut_options, &o.dut, &o.errno_vocabulary); !s.ok()) {
    std::fprintf(stderr, "zonesim fuzz: %s\n", s.message().c_str());
    return kExitUsage;
  }
  o.config = DefaultFuzzDevice(*profile);
  if (!config_spec.empty()) {
    Status s = ApplyDeviceOptions({config_spec}, &o.config);
    if (s.ok()) s = o.config.Validate();
    if (!s.ok()) {
      std::fprintf(stderr, "zonesim fuzz: --config: %s\n", s.message().c_str());
      return kExitUsage;
    }
  }
  if (!replay_file.empty()) {
    std::ifstream in(replay_file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "zonesim fuzz: cannot read --replay file '%s'\n", replay_file.c_str());
      return kExitUsage;
    }
    std::stringstream text;
    text << in.rdbuf();
    Status s = ParseScript(text.str(), &o.replay);
    if (s.ok() && o.dut.external()) s = CheckScriptForQemuIo(o.replay);
    if (!s.ok()) {
      std::fprintf(stderr, "zonesim fuzz: %s: %s\n", replay_file.c_str(), s.message().c_str());
      return kExitUsage;
    }
  }
  if (!image.empty() && access(image.c_str(), F_OK) == 0) {
    std::fprintf(stderr, "zonesim fuzz: --image '%s' already exists; choose a new path\n",
                 image.c_str());
    return kExitUsage;
  }
  o.ops = ops;
  o.workload.seed = seed;
  o.workload.power_cycle_rate = power_cycle_rate;
  o.workload.fault_rate = fault_rate;
  o.workload.power_loss_rate = power_loss_rate;
  if (std::string bad; !ParseOperationIndices(power_loss_at, &o.power_loss_at, &bad)) {
    std::fprintf(stderr, "zonesim fuzz: --power-loss-at: '%s' is not an operation index (0, 1, ...)\n",
                 bad.c_str());
    return kExitUsage;
  }
  o.image_path = image;
  o.keep_image = vm.count("keep-image") > 0;
  o.cluster_size = cluster_size;
  o.shrink = vm.count("no-shrink") == 0;
  if (vm.count("full-compare-every") && full_compare_every == 0) {
    std::fprintf(stderr, "zonesim fuzz: --full-compare-every must be at least 1\n");
    return kExitUsage;
  }
  o.full_compare_every = full_compare_every;
  // The image left at the end is checked (its leaks and corruption are
  // findings); zonesim's own image also after every power loss.
  o.image_check = ImageFindings;
  if (!o.dut.external()) o.power_loss_check = OwnImageProblems;
  bool tty = isatty(STDERR_FILENO) != 0;
  uint64_t total = o.replay.empty() ? ops : o.replay.size();
  o.progress_every = tty ? std::max<uint64_t>(total / 200, 1) : std::max<uint64_t>(total / 10, 1);
  o.progress = [tty](uint64_t done, uint64_t n) { PrintProgress(tty, "fuzz", "operations", done, n); };

  CampaignResult r;
  Status s = RunCampaign(o, &r);
  if (!s.ok()) {
    std::fprintf(stderr, "zonesim fuzz: %s\n", s.message().c_str());
    return kExitUsage;
  }
  if (vm.count("json")) std::cout << JsonReport(o, r, seed);
  else std::cout << TextReport(o, r, seed);
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary | std::ios::trunc);
    out << JunitReport(o, r, seed);
    if (!out) {
      std::fprintf(stderr, "zonesim fuzz: cannot write --junit file '%s'\n", junit.c_str());
      return kExitUsage;
    }
  }
  if (r.divergence || !r.close_error.empty() || !r.image_findings.empty()) return kExitDivergence;
  return kExitConforming;
}

}  // namespace zonesim
