// Makes every RapidCheck run reproducible and sized for CI: a fixed seed and
// a fixed number of cases unless the user asks otherwise.
//   ZONESIM_PROPERTY_CASES=N   run N cases per property (long runs)
//   ZONESIM_LONG=1             the long mode of the test command: kLongCases
//                              per property (per profile in the lockstep suite)
//   RC_PARAMS="seed=... ..."   RapidCheck's own knobs, taken as given
#pragma once

#include <cstdlib>
#include <string>

namespace zonesim {

// The long mode's case count (issue 15: 5,000 per profile).
inline constexpr int kLongCases = 5000;

// Call first thing in main(), before any rc::check.
inline void ConfigureRapidCheck(int default_cases) {
  if (std::getenv("RC_PARAMS") != nullptr) return;
  int cases = default_cases;
  if (const char* long_mode = std::getenv("ZONESIM_LONG"); long_mode && std::string(long_mode) == "1")
    cases = kLongCases;
  if (const char* env = std::getenv("ZONESIM_PROPERTY_CASES")) {
    int n = std::atoi(env);
    if (n > 0) cases = n;
  }
  // RapidCheck reads RC_PARAMS once, on first use; its default seed is random.
  std::string params = "seed=20261121 max_success=" + std::to_string(cases);
  setenv("RC_PARAMS", params.c_str(), 1);
}

}  // namespace zonesim
