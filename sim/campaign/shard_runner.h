// Running shards: one shard as a child process (`campaign shard`, what every
// Slurm array task does) or all of them locally with N at a time (`campaign
// run`). Both leave the same files, so a merge cannot tell where a shard ran:
//   shards/NNNNNN.json     the shard's stdout (fuzz --json)
//   shards/NNNNNN.stderr   its stderr (progress, errors)
//   shards/NNNNNN.exit     "exit N" or "signal N", written last and atomically:
//                          a shard without it never finished (missing)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/campaign/campaign_plan.h"

namespace zonesim {

// Runs one shard in DIR and records how it ended. *exit_code is the child's
// exit status (128 + N for signal N). A non-ok Status means the shard could
// not even be started (files not writable, fork failed).
Status RunShard(const std::string& dir, const Shard& shard, int* exit_code);

// Runs the given shards with up to `jobs` at once. *failures counts shards
// that did not exit 0 (a divergence is exit 1). `progress(done, total)` after
// each shard.
Status RunShardsLocally(const std::string& dir, const std::vector<Shard>& shards, unsigned jobs,
                        const std::function<void(uint64_t, uint64_t)>& progress,
                        uint64_t* failures);

}  // namespace zonesim
