// Merging a campaign's shard results into one report: shards done, failed
// and missing (each named), operations summed, edge coverage unioned per
// device, divergences de-duplicated by their shrunk reproducer. Everything is
// read from DIR in shard-index order and kept in ordered containers, so the
// merge is the same whether the shards ran locally, on Slurm, or in any order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "model/state_graph.h"
#include "sim/campaign/campaign_plan.h"

namespace zonesim {

struct ShardOutcome {
  enum class State { kDone, kFailed, kMissing };
  Shard shard;
  State state = State::kMissing;
  std::string reason;     // failed or missing: why, in one line
  uint64_t operations = 0;
  bool divergence = false;
  std::string what;        // the divergence, one line
  std::string report;      // the divergence report (JUnit failure text)
  std::string coverage;    // "covered 40/52 edges (76.9%)" for this shard
};

// Edge coverage of every shard that ran one device (profile and geometry).
struct CoverageUnion {
  std::map<std::string, uint64_t> edges;  // edge -> count, summed
  CoverageSummary summary;                // of the union
};

struct Finding {
  std::string device;
  std::string what;  // from the first shard that found it
  std::vector<std::string> reproducer;
  std::vector<uint64_t> shards;  // indexes, ascending
  std::vector<uint64_t> seeds;   // the same shards' seeds
};

struct MergedCampaign {
  std::vector<ShardOutcome> outcomes;  // one per shard, by index
  uint64_t done = 0, failed = 0, missing = 0;
  uint64_t operations = 0;
  std::map<std::string, uint64_t> op_counts, status_counts;
  std::map<std::string, CoverageUnion> coverage;  // by fuzz's "device" string
  std::vector<Finding> findings;                  // by first shard index
};

// Reads every shard's files under DIR. Only a plan that cannot be read is an
// error; a shard's bad or absent files make it failed or missing.
Status MergeCampaign(const std::string& dir, const CampaignPlan& plan, MergedCampaign* merged);

// "conforming" (every shard done, no finding), "divergence" (a finding), or
// "incomplete" (failed or missing shards, no finding).
std::string Verdict(const MergedCampaign& m);

}  // namespace zonesim
