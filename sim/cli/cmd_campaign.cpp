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
#include "sim/cli/commands.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "sim/lockstep/run_output.h"
#include "zoned/device_config.h"

namespace po = boost::program_options;

namespace zonesim {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

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

int Usage(const std::string& what) {
  std::fprintf(stderr, "zonesim campaign: %s\n", what.c_str());
  return kExitUsage;
}

// Parses args with desc (and positional names); returns -1 to go on, else
// the exit status (after --help or a usage error).
int ParseOptions(const CommandArgs& args, const po::options_description& desc,
                 const po::positional_options_description& positional, po::variables_map* vm) {
  try {
    po::store(po::command_line_parser(args).options(desc).positional(positional).run(), *vm);
    if (vm->count("help")) {  // before notify(), which insists on required options
      std::cout << kUsage << "\n" << desc << "\n";
      return kExitOk;
    }
    po::notify(*vm);
  } catch (const std::exception& e) {
    return Usage(e.what());
  }
  return -1;
}

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

int RunPlan(const CommandArgs& all_args) {
  // Everything after "--" goes to every shard's `zonesim fuzz` unchanged.
  CommandArgs args = all_args;
  PlanOptions o;
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "--") {
      o.fuzz_args.assign(all_args.begin() + static_cast<long>(i) + 1, all_args.end());
      args.assign(all_args.begin(), all_args.begin() + static_cast<long>(i));
      break;
    }
  }
  std::string seeds, profiles, configs_file, dir;
  po::options_description desc("campaign plan options");
  desc.add_options()("help,h", "show this help")(
      "seeds", po::value<std::string>(&seeds)->required(), "A..B (inclusive) or one seed")(
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
  po::variables_map vm;
  if (int rc = ParseOptions(args, desc, {}, &vm); rc >= 0) return rc;
  Status s = ParseSeedRange(seeds, &o.first_seed, &o.last_seed);
  if (!s.ok()) return Usage(s.message());
  o.profiles = SplitCommas(profiles);
  for (const std::string& p : o.profiles)
    if (!profile_from_string(p)) return Usage("--profiles: '" + p + "' is not one of zns|zbc|linux");
  if (configs_file.empty()) {
    o.configs = {""};
  } else {
    s = ReadConfigs(configs_file, &o.configs);
    if (!s.ok()) return Usage("--configs: " + s.message());
  }
  // A bad configuration fails here once rather than in every shard.
  for (const std::string& c : o.configs) {
    for (const std::string& p : o.profiles) {
      DeviceConfig config = DefaultFuzzDevice(*profile_from_string(p));
      if (c.empty()) continue;
      s = ApplyDeviceOptions({c}, &config);
      if (s.ok()) s = config.Validate();
      if (!s.ok()) return Usage("--configs: '" + c + "' (profile " + p + "): " + s.message());
    }
  }
  std::error_code ec;
  if (o.zonesim.empty()) o.zonesim = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  else o.zonesim = std::filesystem::absolute(o.zonesim, ec).string();
  if (ec) return Usage("cannot tell the zonesim binary's path: " + ec.message());
  const std::string abs_dir = std::filesystem::absolute(dir, ec).lexically_normal().string();
  if (ec) return Usage("-o " + dir + ": " + ec.message());
  CampaignPlan plan;
  s = BuildPlan(o, &plan);
  if (!s.ok()) return Usage(s.message());
  // Strip a trailing '/' that lexically_normal keeps for "dir/".
  std::string out_dir = abs_dir;
  while (out_dir.size() > 1 && out_dir.back() == '/') out_dir.pop_back();
  s = WritePlan(plan, out_dir);
  if (!s.ok()) return Usage(s.message());
  std::cout << "campaign of " << plan.shards.size() << " shards planned in " << out_dir << "\n"
            << "  here:  zonesim campaign run " << out_dir << "\n"
            << "  Slurm: sbatch " << out_dir << "/campaign.sbatch\n"
            << "  then:  zonesim campaign merge " << out_dir << "\n";
  return kExitOk;
}

// The commands that work on a campaign directory: adds --help and the
// positional DIR (then `extra`, if any) to desc, parses, loads DIR's plan.
// Returns -1 to go on, else the exit status.
int ParseDirCommand(const CommandArgs& args, po::options_description& desc, const char* extra,
                    po::variables_map* vm, std::string* dir, CampaignPlan* plan) {
  desc.add_options()("help,h", "show this help")("dir", po::value<std::string>(dir)->required(),
                                                 "campaign directory");
  po::positional_options_description pos;
  pos.add("dir", 1);
  if (extra) pos.add(extra, 1);
  if (int rc = ParseOptions(args, desc, pos, vm); rc >= 0) return rc;
  Status s = LoadPlan(*dir, plan);
  if (!s.ok()) return Usage(s.message());
  return -1;
}

int RunRun(const CommandArgs& args) {
  std::string dir;
  unsigned jobs = 0;
  po::options_description desc("campaign run options");
  desc.add_options()("jobs,j", po::value<unsigned>(&jobs), "shards at a time (default: every core)")(
      "missing", "run only the shards without an exit record (resume an interrupted run)");
  po::variables_map vm;
  CampaignPlan plan;
  if (int rc = ParseDirCommand(args, desc, nullptr, &vm, &dir, &plan); rc >= 0) return rc;
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  std::vector<Shard> shards;
  for (const Shard& s : plan.shards)
    if (!vm.count("missing") || access((dir + "/" + ShardFile(s.index, ".exit")).c_str(), F_OK) != 0)
      shards.push_back(s);
  const bool tty = isatty(STDERR_FILENO) != 0;
  uint64_t failures = 0;
  Status s = RunShardsLocally(dir, shards, jobs,
                              [tty](uint64_t done, uint64_t total) {
                                PrintProgress(tty, "campaign", "shards", done, total);
                              },
                              &failures);
  if (!s.ok()) return Usage(s.message());
  std::fprintf(stderr, "campaign: %zu shards run, %llu did not exit 0; zonesim campaign merge %s\n",
               shards.size(), static_cast<unsigned long long>(failures), dir.c_str());
  return failures ? kExitFailed : kExitOk;
}

int RunShardCommand(const CommandArgs& args) {
  std::string dir;
  uint64_t index = 0;
  po::options_description desc("campaign shard options");
  desc.add_options()("index", po::value<uint64_t>(&index)->required(),
                     "the shard (Slurm array index)");
  po::variables_map vm;
  CampaignPlan plan;
  if (int rc = ParseDirCommand(args, desc, "index", &vm, &dir, &plan); rc >= 0) return rc;
  if (index >= plan.shards.size())
    return Usage("shard " + std::to_string(index) + " is not in the plan (" +
                 std::to_string(plan.shards.size()) + " shards)");
  int code = 0;
  Status s = RunShard(dir, plan.shards[index], &code);
  if (!s.ok()) return Usage(s.message());
  return code;
}

int RunMerge(const CommandArgs& args) {
  std::string dir, junit;
  po::options_description desc("campaign merge options");
  desc.add_options()("json", "print the report as one JSON document")(
      "junit", po::value<std::string>(&junit), "also write JUnit XML, one test case per shard");
  po::variables_map vm;
  CampaignPlan plan;
  if (int rc = ParseDirCommand(args, desc, nullptr, &vm, &dir, &plan); rc >= 0) return rc;
  MergedCampaign merged;
  Status s = MergeCampaign(dir, plan, &merged);
  if (!s.ok()) return Usage(s.message());
  std::cout << (vm.count("json") ? MergedJson(merged) : MergedText(merged));
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary | std::ios::trunc);
    out << MergedJunit(merged);
    if (!out) return Usage("cannot write --junit file '" + junit + "'");
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
  if (sub == "plan") return RunPlan(rest);
  if (sub == "run") return RunRun(rest);
  if (sub == "shard") return RunShardCommand(rest);
  if (sub == "merge") return RunMerge(rest);
  return Usage("unknown subcommand '" + sub + "' (plan, run, shard, merge)");
}

}  // namespace zonesim
