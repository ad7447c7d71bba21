// Hex(): "0x1f000", the one spelling every message uses for offsets and raw
// values (qcow2 errors, check findings, lockstep reports, zonesim info).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace zonesim {

inline std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace zonesim
