// After an external implementation has written an image (a campaign's end, a
// gate case), zonesim's own checker judges what it left: corruption and leaks
// are findings of the implementation, warnings are not.
#pragma once

#include <cstdint>
#include <string>

#include "sim/lockstep/lockstep.h"

namespace zonesim {

// One line per error or leak finding ("id: message"), "" for a clean image,
// or one line saying why the image could not be checked.
std::string ImageFindings(const std::string& path);

// The same, corruption (errors, or an image that could not be checked) and
// leaks apart, of an image a device may hold open (force-share): what the
// lockstep checker runs after a power loss.
void SplitImageFindings(const std::string& path, std::string* corruption, std::string* leaks,
                        uint64_t* leaked_clusters = nullptr);

// The same as the lockstep checker takes it after a power loss of zonesim's
// own image (CampaignOptions::power_loss_check).
ImageProblems PowerLossImageProblems(const std::string& path);

}  // namespace zonesim
