// zonesim fuzz: a deterministic lockstep campaign, model vs a zoned qcow2 image
// (sim/lockstep/fuzz_campaign.h); its reports are in sim/cli/fuzz_report.cpp.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/dut_options.h"
#include "sim/cli/fuzz_report.h"
#include "sim/cli/script_file.h"
#include "sim/gate/image_findings.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "sim/lockstep/run_output.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

constexpr int kExitConforming = 0;
constexpr int kExitDivergence = 1;
// kExitUsage (2): a usage or input error, or a campaign that could not run.

// --help prints this, then the options table.
constexpr const char* kUsage =
    "usage: zonesim fuzz [options]\n\n"
    "Runs a deterministic workload from a seed in lockstep on the reference model and\n"
    "a fresh zoned qcow2 image, comparing every status, append LBA, read, the counters\n"
    "and the zones each operation can change after every operation; at every power\n"
    "cycle and every --full-compare-every operations, every zone either side holds in\n"
    "other than its initial state and a rotating window of the others; every zone at\n"
    "the end. Stops at the first divergence and shrinks it to a minimal reproducer\n"
    "script. Exit 0 conforming, 1 divergence, 2 usage or input error.\n\n";

struct FuzzOptions {
  CampaignOptions campaign;  // without the hooks RunFuzz attaches
  bool json = false;
  std::string junit;  // also write a JUnit XML report to this file
};

// The options that are checked or converted after parsing, as typed.
struct FuzzArgs {
  std::string ops = "100000";  // read as text: Boost would take "-5" as 2^64 - 5
  std::string profile = "linux";
  std::string config;
  std::string replay;
  std::vector<std::string> power_loss_at;
  bool no_shrink = false;
  DutCliOptions dut;
};

void AddFuzzOptions(CommandLine* cl, FuzzArgs* a, FuzzOptions* o) {
  namespace po = boost::program_options;
  CampaignOptions& c = o->campaign;
  WorkloadOptions& w = c.workload;
  cl->Add()("seed", po::value<uint64_t>(&w.seed)->default_value(1), "workload seed")(
      "ops", po::value<std::string>(&a->ops)->default_value("100000"), "number of operations")(
      "profile", po::value<std::string>(&a->profile)->default_value("linux"),
      "zns|zbc|linux: semantics preset (and the default device's shape)")(
      "config", po::value<std::string>(&a->config),
      "device options over the default device: size=,zone_size=,zone_capacity=,"
      "conventional_zones=,max_open_zones=,max_active_zones=,max_append_bytes=, any model "
      "parameter (e.g. implicit_close=lowest_index)")(
      "power-cycle-rate", po::value<double>(&w.power_cycle_rate)->default_value(0.002),
      "probability of a power cycle before each operation")(
      "power-loss-rate", po::value<double>(&w.power_loss_rate)->default_value(0),
      "probability of a power loss (unsynced writes lost, torn or reordered, chosen from the "
      "seed) before each operation")(
      "power-loss-at", po::value<std::vector<std::string>>(&a->power_loss_at)->composing(),
      "N,M,...: the operations with these indices (0-based) are power losses")(
      "fault-rate", po::value<double>(&w.fault_rate)->default_value(0.0005),
      "probability of an injected READ ONLY/OFFLINE zone before each operation")(
      "cluster-size", po::value<uint32_t>(&c.cluster_size)->default_value(65536),
      "qcow2 cluster size of the image")(
      "image", po::value<std::string>(&c.image_path), "create the image here (must not exist) and keep it");
  cl->AddFlag("keep-image", &c.keep_image, "keep the temporary image and print its path");
  cl->Add()("replay", po::value<std::string>(&a->replay),
            "run this zonesim io script in lockstep instead of a generated workload");
  cl->AddFlag("no-shrink", &a->no_shrink, "report the divergence without shrinking it");
  cl->Add()("full-compare-every", po::value<uint64_t>(&c.full_compare_every),
            "the complete comparison after every N-th operation (1: after every operation; default: "
            "every ceil(zones/64) operations); it compares every zone either side changed and "
            "4096 others in turn, and every zone at the end");
  cl->AddJson(&o->json);
  cl->Add()("junit", po::value<std::string>(&o->junit), "also write a JUnit XML report to this file");
  AddDutOptions(&cl->options(), &a->dut);
  cl->ListOptionsInHelp("options");
}

Status ParseOperationCount(const std::string& text, uint64_t* ops) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *ops);
  if (ec != std::errc() || end != text.data() + text.size())
    return Status::InvalidArgument("--ops '" + text + "' is not a number of operations (0 .. 2^64-1)");
  return Status::Ok();
}

// "--power-loss-at 5,9 --power-loss-at 12": operation indices (0-based).
Status ParseOperationIndices(const std::vector<std::string>& texts, std::set<uint64_t>* out) {
  for (const std::string& text : texts) {
    for (size_t start = 0; start <= text.size();) {
      const size_t comma = std::min(text.find(',', start), text.size());
      const std::string item = text.substr(start, comma - start);
      uint64_t v = 0;
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
      if (item.empty() || ec != std::errc() || end != item.data() + item.size())
        return Status::InvalidArgument("--power-loss-at: '" + item + "' is not an operation index (0, 1, ...)");
      out->insert(v);
      start = comma + 1;
    }
  }
  return Status::Ok();
}

// --replay FILE: a zonesim io script, each operation with a qemu-io form when
// an external implementation runs it.
Status ReadReplayScript(const std::string& path, bool external, std::vector<Operation>* ops) {
  Status s = ReadScriptFile(path, "--replay file", ops);
  if (!s.ok() || !external) return s;
  s = CheckScriptForQemuIo(*ops);
  return s.ok() ? s : Status::InvalidArgument(path + ": " + s.message());
}

bool OutsideUnitRange(double rate) { return rate < 0 || rate > 1; }

// The checks after parsing, in the order the command has always made them.
Status CheckFuzzArgs(const FuzzArgs& a, bool full_compare_given, FuzzOptions* o) {
  CampaignOptions& c = o->campaign;
  const WorkloadOptions& w = c.workload;
  Profile profile{};
  Status s = ParseOperationCount(a.ops, &c.ops);
  if (s.ok()) s = ParseProfileOption(a.profile, &profile);
  if (s.ok() && (OutsideUnitRange(w.power_cycle_rate) || OutsideUnitRange(w.fault_rate) ||
                 OutsideUnitRange(w.power_loss_rate)))
    s = Status::InvalidArgument("rates must lie in [0, 1]");
  if (s.ok()) s = ResolveDutOptions(a.dut, &c.dut, &c.errno_vocabulary);
  if (!s.ok()) return s;
  c.config = DefaultFuzzDevice(profile);
  if (!a.config.empty()) s = ApplyConfigOption(a.config, &c.config);
  if (s.ok() && !a.replay.empty()) s = ReadReplayScript(a.replay, c.dut.external(), &c.replay);
  if (s.ok() && !c.image_path.empty() && access(c.image_path.c_str(), F_OK) == 0)
    s = Status::InvalidArgument("--image '" + c.image_path + "' already exists; choose a new path");
  if (s.ok()) s = ParseOperationIndices(a.power_loss_at, &c.power_loss_at);
  if (s.ok() && full_compare_given && c.full_compare_every == 0)
    s = Status::InvalidArgument("--full-compare-every must be at least 1");
  c.shrink = !a.no_shrink;
  return s;
}

Parsed<FuzzOptions> ParseFuzzOptions(const CommandArgs& args) {
  FuzzOptions o;
  FuzzArgs a;
  CommandLine cl("fuzz", kUsage);
  AddFuzzOptions(&cl, &a, &o);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<FuzzOptions>::Stop(*stop);
  if (Status s = CheckFuzzArgs(a, cl.Given("full-compare-every"), &o); !s.ok())
    return cl.Stop<FuzzOptions>(s.message());
  return {std::move(o), std::nullopt};
}

// The campaign with the command line's hooks: the image it leaves checked
// (its leaks and corruption are findings), zonesim's own image also after
// every power loss, and progress on stderr.
Status RunFuzz(const FuzzOptions& o, CampaignResult* r) {
  CampaignOptions c = o.campaign;
  c.image_check = ImageFindings;
  if (!c.dut.external()) c.power_loss_check = PowerLossImageProblems;
  const bool tty = isatty(STDERR_FILENO) != 0;
  const uint64_t total = c.replay.empty() ? c.ops : c.replay.size();
  c.progress_every = tty ? std::max<uint64_t>(total / 200, 1) : std::max<uint64_t>(total / 10, 1);
  c.progress = [tty](uint64_t done, uint64_t n) { PrintProgress(tty, "fuzz", "operations", done, n); };
  return RunCampaign(c, r);
}

}  // namespace

int RunFuzzCommand(const CommandArgs& args) {
  const Parsed<FuzzOptions> p = ParseFuzzOptions(args);
  if (p.exit) return *p.exit;
  const FuzzOptions& o = p.options;
  CampaignResult r;
  if (Status s = RunFuzz(o, &r); !s.ok()) return CommandError("fuzz", s.message(), kExitUsage);
  std::cout << (o.json ? FormatFuzzJson(o.campaign, r) : FormatFuzzText(o.campaign, r));
  if (!o.junit.empty()) {
    if (Status s = WriteOptionFile("--junit", o.junit, FormatFuzzJunit(o.campaign, r)); !s.ok())
      return CommandError("fuzz", s.message(), kExitUsage);
  }
  const bool failed = r.divergence || !r.close_error.empty() || !r.image_findings.empty();
  return failed ? kExitDivergence : kExitConforming;
}

}  // namespace zonesim
