// Makes every RapidCheck run reproducible and sized for CI: a fixed seed and
// a fixed number of cases unless the user asks otherwise.
//   ZONESIM_PROPERTY_CASES=N   run N cases per property (long runs)
//   RC_PARAMS="seed=... ..."   RapidCheck's own knobs, taken as given
#pragma once

#include <cstdlib>
#include <string>

namespace zonesim {

// Call first thing in main(), before any rc::check.
inline void ConfigureRapidCheck(int default_cases) {
  if (std::getenv("RC_PARAMS") != nullptr) return;
  int cases = default_cases;
  if (const char* env = std::getenv("ZONESIM_PROPERTY_CASES")) {
    int n = std::atoi(env);
    if (n > 0) cases = n;
  }
  // RapidCheck reads RC_PARAMS once, on first use; its default seed is random.
  std::string params = "seed=20261121 max_success=" + std::to_string(cases);
  setenv("RC_PARAMS", params.c_str(), 1);
}

}  // namespace zonesim
