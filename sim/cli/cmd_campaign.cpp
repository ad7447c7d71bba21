// zonesim campaign: seed-sharded fuzzing beyond one process. `plan` writes
// the shards' command lines and a Slurm job array script, `run` runs the
// shards locally, `shard` runs one (what each array task does), `merge`
// makes one report of whatever shards have finished.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "sim/campaign/campaign_merge.h"
#include "sim/campaign/campaign_plan.h"
#include "sim/campaign/campaign_report.h"
#include "sim/campaign/shard_runner.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "sim/lockstep/run_output.h"
#include "zoned/device_config.h"

namespace zonesim {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;

const char* kUsage =
    "usage: zonesim campaign plan --seeds A..B -o DIR [options] [-- FUZZ-ARGS...]\n"
    "       zonesim campaign run DIR [--jobs N] [--missing]\n"
    "       zonesim campaign shard DIR INDEX\n"
    "       zonesim campaign merge DIR [--json] [--junit FILE]\n\n"
    "A campaign is `zonesim fuzz` over seeds x profiles x device configurations,\n"
    "one shard per combination. `plan` writes DIR/plan.json (every shard's exact\n"
    "command line) and DIR/campaign.sbatch (a Slurm job array, one shard per task);\n"
    "`run` runs the shards here, N at a time; `merge` reports shards done, failed\n"
    "and missing, operations, the union of edge coverage and the divergences\n"
    "de-duplicated by their shrunk reproducer. The merged report is the same\n"
    "wherever and in whatever order the shards ran. Exit 0 conforming, 1 a\n"
    "divergence or a failed or missing shard, 2 usage or input error.\n";

int Usage(const std::string& what) { return CommandError("campaign", what, kExitUsage); }

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// One --config spec per line; blank lines and lines starting with # skipped.
Status ReadConfigs(const std::string& path, std::vector<std::string>* configs) {
  std::ifstream in(path);
  if (!in) return Status::IoError(path + ": cannot open");
  for (std::string line; std::getline(in, line);) {
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    configs->push_back(line.substr(b, line.find_last_not_of(" \t\r") + 1 - b));
  }
  if (configs->empty()) return Status::InvalidArgument(path + ": no configuration in the file");
  return Status::Ok();
}

struct PlanCommandOptions {
  PlanOptions plan;
  std::string dir;  // absolute, no trailing '/'
};

Parsed<PlanCommandOptions> ParsePlanOptions(const CommandArgs& all_args) {
  namespace po = boost::program_options;
  // Everything after "--" goes to every shard's `zonesim fuzz` unchanged.
  CommandArgs args = all_args;
  PlanCommandOptions c;
  PlanOptions& o = c.plan;
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "--") {
      o.fuzz_args.assign(all_args.begin() + static_cast<long>(i) + 1, all_args.end());
      args.assign(all_args.begin(), all_args.begin() + static_cast<long>(i));
      break;
    }
  }
  std::string seeds, profiles, configs_file, dir;
  CommandLine cl("campaign", std::string(kUsage) + "\n");
  cl.Add()("seeds", po::value<std::string>(&seeds)->required(), "A..B (inclusive) or one seed")(
      "profiles", po::value<std::string>(&profiles)->default_value("linux"),
      "comma-separated zns,zbc,linux: one shard per seed and profile")(
      "configs", po::value<std::string>(&configs_file),
      "file of fuzz --config specs, one per line (# comments): one shard per seed, profile "
      "and line; default: the default device")(
      "ops", po::value<uint64_t>(&o.ops)->default_value(100000), "operations per shard")(
      "zonesim", po::value<std::string>(&o.zonesim),
      "the zonesim binary the shards run (default: this one); on a cluster, a path every "
      "node sees")("output,o", po::value<std::string>(&dir)->required(),
                   "campaign directory (new; on a cluster, on a shared file system)");
  cl.ListOptionsInHelp("campaign plan options");
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<PlanCommandOptions>::Stop(*stop);
  Status s = ParseSeedRange(seeds, &o.first_seed, &o.last_seed);
  if (!s.ok()) return cl.Stop<PlanCommandOptions>(s.message());
  o.profiles = SplitCommas(profiles);
  for (const std::string& p : o.profiles)
    if (!profile_from_string(p)) return cl.Stop<PlanCommandOptions>("--profiles: '" + p + "' is not one of zns|zbc|linux");
  if (configs_file.empty()) {
    o.configs = {""};
  } else {
    s = ReadConfigs(configs_file, &o.configs);
    if (!s.ok()) return cl.Stop<PlanCommandOptions>("--configs: " + s.message());
  }
  // A bad configuration fails here once rather than in every shard.
  for (const std::string& c : o.configs) {
    for (const std::string& p : o.profiles) {
      DeviceConfig config = DefaultFuzzDevice(*profile_from_string(p));
      if (c.empty()) continue;
      s = ApplyDeviceOptions({c}, &config);
      if (s.ok()) s = config.Validate();
      if (!s.ok()) return cl.Stop<PlanCommandOptions>("--configs: '" + c + "' (profile " + p + "): " + s.message());
    }
  }
  std::error_code ec;
  if (o.zonesim.empty()) o.zonesim = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  else o.zonesim = std::filesystem::absolute(o.zonesim, ec).string();
  if (ec) return cl.Stop<PlanCommandOptions>("cannot tell the zonesim binary's path: " + ec.message());
  std::string abs_dir = std::filesystem::absolute(dir, ec).lexically_normal().string();
  if (ec) return cl.Stop<PlanCommandOptions>("-o " + dir + ": " + ec.message());
  // Strip a trailing '/' that lexically_normal keeps for "dir/".
  while (abs_dir.size() > 1 && abs_dir.back() == '/') abs_dir.pop_back();
  c.dir = abs_dir;
  return {std::move(c), std::nullopt};
}

Status RunPlan(const PlanCommandOptions& o, CampaignPlan* plan) {
  Status s = BuildPlan(o.plan, plan);
  if (s.ok()) s = WritePlan(*plan, o.dir);
  return s;
}

std::string FormatPlan(const PlanCommandOptions& o, const CampaignPlan& plan) {
  return "campaign of " + std::to_string(plan.shards.size()) + " shards planned in " + o.dir + "\n" +
         "  here:  zonesim campaign run " + o.dir + "\n" + "  Slurm: sbatch " + o.dir + "/campaign.sbatch\n" +
         "  then:  zonesim campaign merge " + o.dir + "\n";
}

int RunPlanCommand(const CommandArgs& args) {
  const Parsed<PlanCommandOptions> p = ParsePlanOptions(args);
  if (p.exit) return *p.exit;
  CampaignPlan plan;
  if (Status s = RunPlan(p.options, &plan); !s.ok()) return Usage(s.message());
  std::cout << FormatPlan(p.options, plan);
  return kExitOk;
}

// The subcommands that work on a campaign directory: DIR (and, for shard,
// INDEX) and DIR's plan, loaded.
struct DirOptions {
  std::string dir;
  CampaignPlan plan;
  uint64_t index = 0;  // shard INDEX
  unsigned jobs = 0;   // run --jobs
  bool missing = false;  // run --missing
  bool json = false;     // merge --json
  std::string junit;     // merge --junit
};

// Parses a directory subcommand whose own options are already in `cl`;
// with_index: the subcommand takes INDEX after DIR.
Parsed<DirOptions> ParseDirOptions(CommandLine& cl, const CommandArgs& args, bool with_index, DirOptions* o) {
  std::vector<std::string> operands;
  cl.Operands(&operands);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<DirOptions>::Stop(*stop);
  const size_t wanted = with_index ? 2 : 1;
  if (operands.size() < wanted)
    return cl.Stop<DirOptions>(std::string(operands.empty() ? "missing DIR" : "missing INDEX") +
                               " (try 'zonesim campaign --help')");
  if (operands.size() > wanted) return cl.Stop<DirOptions>("unexpected argument '" + operands[wanted] + "'");
  o->dir = operands[0];
  if (with_index) {
    if (Status s = ParseCountOption("INDEX", operands[1], 0, UINT64_MAX, &o->index); !s.ok())
      return cl.Stop<DirOptions>(s.message());
  }
  if (Status s = LoadPlan(o->dir, &o->plan); !s.ok()) return cl.Stop<DirOptions>(s.message());
  return {std::move(*o), std::nullopt};
}

int RunRun(const CommandArgs& args) {
  namespace po = boost::program_options;
  DirOptions d;
  CommandLine cl("campaign", std::string(kUsage) + "\n");
  cl.Add()("jobs,j", po::value<unsigned>(&d.jobs), "shards at a time (default: every core)");
  cl.AddFlag("missing", &d.missing, "run only the shards without an exit record (resume an interrupted run)");
  cl.ListOptionsInHelp("campaign run options");
  const Parsed<DirOptions> p = ParseDirOptions(cl, args, false, &d);
  if (p.exit) return *p.exit;
  const DirOptions& o = p.options;
  const unsigned jobs = o.jobs == 0 ? std::max(1u, std::thread::hardware_concurrency()) : o.jobs;
  std::vector<Shard> shards;
  for (const Shard& s : o.plan.shards)
    if (!o.missing || access((o.dir + "/" + ShardFile(s.index, ".exit")).c_str(), F_OK) != 0) shards.push_back(s);
  const bool tty = isatty(STDERR_FILENO) != 0;
  uint64_t failures = 0;
  Status s = RunShardsLocally(o.dir, shards, jobs,
                              [tty](uint64_t done, uint64_t total) {
                                PrintProgress(tty, "campaign", "shards", done, total);
                              },
                              &failures);
  if (!s.ok()) return Usage(s.message());
  std::fprintf(stderr, "campaign: %zu shards run, %llu did not exit 0; zonesim campaign merge %s\n",
               shards.size(), static_cast<unsigned long long>(failures), o.dir.c_str());
  return failures ? kExitFailed : kExitOk;
}

int RunShardCommand(const CommandArgs& args) {
  CommandLine cl("campaign", std::string(kUsage) + "\n");
  cl.ListOptionsInHelp("campaign shard options");
  DirOptions d;
  const Parsed<DirOptions> p = ParseDirOptions(cl, args, true, &d);
  if (p.exit) return *p.exit;
  const DirOptions& o = p.options;
  if (o.index >= o.plan.shards.size())
    return Usage("shard " + std::to_string(o.index) + " is not in the plan (" +
                 std::to_string(o.plan.shards.size()) + " shards)");
  int code = 0;
  Status s = RunShard(o.dir, o.plan.shards[o.index], &code);
  if (!s.ok()) return Usage(s.message());
  return code;
}

int RunMerge(const CommandArgs& args) {
  namespace po = boost::program_options;
  DirOptions d;
  CommandLine cl("campaign", std::string(kUsage) + "\n");
  cl.AddJson(&d.json);
  cl.Add()("junit", po::value<std::string>(&d.junit), "also write JUnit XML, one test case per shard");
  cl.ListOptionsInHelp("campaign merge options");
  const Parsed<DirOptions> p = ParseDirOptions(cl, args, false, &d);
  if (p.exit) return *p.exit;
  const DirOptions& o = p.options;
  MergedCampaign merged;
  Status s = MergeCampaign(o.dir, o.plan, &merged);
  if (!s.ok()) return Usage(s.message());
  std::cout << (o.json ? MergedJson(merged) : MergedText(merged));
  if (!o.junit.empty()) {
    std::ofstream out(o.junit, std::ios::binary | std::ios::trunc);
    out << MergedJunit(merged);
    if (!out) return Usage("cannot write --junit file '" + o.junit + "'");
  }
  return Verdict(merged) == "conforming" ? kExitOk : kExitFailed;
}

}  // namespace

int RunCampaignCommand(const CommandArgs& args) {
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string& sub = args[0];
  const CommandArgs rest(args.begin() + 1, args.end());
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (sub == "plan") return RunPlanCommand(rest);
  if (sub == "run") return RunRun(rest);
  if (sub == "shard") return RunShardCommand(rest);
  if (sub == "merge") return RunMerge(rest);
  return Usage("unknown subcommand '" + sub + "' (plan, run, shard, merge)");
}

}  // namespace zonesim
