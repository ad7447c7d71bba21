// The reports of `zonesim fuzz` (sim/cli/cmd_fuzz.cpp): text, --json and
// --junit, each a string, of a campaign and its result. The campaign's seed
// is o.workload.seed.
#pragma once

#include <string>

#include "sim/lockstep/fuzz_campaign.h"

namespace zonesim {

std::string FormatFuzzText(const CampaignOptions& o, const CampaignResult& r);
std::string FormatFuzzJson(const CampaignOptions& o, const CampaignResult& r);
std::string FormatFuzzJunit(const CampaignOptions& o, const CampaignResult& r);

}  // namespace zonesim
