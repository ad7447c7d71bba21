// A campaign plan: seeds x profiles x device configurations, one `zonesim fuzz`
// shard each, with every shard's exact command line. `campaign plan` writes it
// as DIR/plan.json with DIR/campaign.sbatch (a Slurm job array); `campaign run`,
// `campaign shard` and `campaign merge` read it back. The plan names no path
// of DIR, so a copy of plan.json in another directory is the same campaign.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace zonesim {

struct PlanOptions {
  std::string zonesim;                // the binary every shard runs (absolute)
  uint64_t first_seed = 1, last_seed = 1;
  std::vector<std::string> profiles;  // zns|zbc|linux
  std::vector<std::string> configs;   // fuzz --config specs; "" = the default device
  uint64_t ops = 100000;
  std::vector<std::string> fuzz_args;  // passed through to every shard, after ours
};

struct Shard {
  uint64_t index = 0;  // also the Slurm array index
  uint64_t seed = 0;
  std::string profile;
  std::string config;
  std::vector<std::string> argv;  // run with DIR as the working directory
};

struct CampaignPlan {
  PlanOptions options;
  std::vector<Shard> shards;
};

// The most shards one plan may hold (a typo in --seeds should not write a
// plan of billions of shards).
inline constexpr uint64_t kMaxShards = 1000000;

// "A..B" (inclusive) or "A".
Status ParseSeedRange(const std::string& text, uint64_t* first, uint64_t* last);

// Shards in the order config, profile, seed; rejects pass-through arguments
// that the plan sets itself (--seed, --json, ...).
Status BuildPlan(const PlanOptions& options, CampaignPlan* plan);

// A shard's files, relative to DIR: "shards/000007.json" for ".json".
std::string ShardFile(uint64_t index, const std::string& suffix);

std::string PlanJson(const CampaignPlan& plan);
Status ParsePlanJson(const std::string& text, CampaignPlan* plan);
// Reads DIR/plan.json; errors name the file.
Status LoadPlan(const std::string& dir, CampaignPlan* plan);

// The sbatch script: a job array of plan.shards.size() tasks, each running
// `ZONESIM campaign shard DIR $SLURM_ARRAY_TASK_ID` (dir absolute).
std::string SbatchScript(const CampaignPlan& plan, const std::string& dir);

// Writes DIR/plan.json and DIR/campaign.sbatch, creating DIR, DIR/shards and
// DIR/slurm. Refuses a DIR that already holds a plan.
Status WritePlan(const CampaignPlan& plan, const std::string& dir);

}  // namespace zonesim
