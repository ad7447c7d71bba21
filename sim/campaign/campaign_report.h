// The merged campaign as text (the default), one JSON document (--json) and
// JUnit XML with one test case per shard (--junit). All three depend only on
// MergedCampaign, so they are as deterministic as the merge.
#pragma once

#include <string>

#include "sim/campaign/campaign_merge.h"

namespace zonesim {

std::string MergedText(const MergedCampaign& m);
std::string MergedJson(const MergedCampaign& m);
std::string MergedJunit(const MergedCampaign& m);

// "shard 7 (seed 8, profile linux, config 'max_open_zones=2')".
std::string ShardName(const Shard& s);

}  // namespace zonesim
