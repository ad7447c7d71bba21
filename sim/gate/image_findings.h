// After an external implementation has written an image (a campaign's end, a
// gate case), zonesim's own checker judges what it left: corruption and leaks
// are findings of the implementation, warnings are not.
#pragma once

#include <string>

namespace zonesim {

// One line per error or leak finding ("id: message"), "" for a clean image,
// or one line saying why the image could not be checked.
std::string ImageFindings(const std::string& path);

}  // namespace zonesim
