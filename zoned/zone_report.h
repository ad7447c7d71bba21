// What REPORT ZONES returns for one zone, and the open/active counters: shared
// by the model, the qcow2 implementation and the checker.
#pragma once

#include <cstdint>

#include "zoned/zone_types.h"

namespace zonesim {

// One zone as REPORT ZONES describes it (bytes, not sectors).
struct ZoneReportEntry {
  uint64_t start = 0;
  uint64_t length = 0;
  uint64_t capacity = 0;
  uint64_t wp = 0;  // as reported: see ZoneParams::full_wp; conventional: zone start
  ZoneType type = ZoneType::kSequentialWriteRequired;
  ZoneCondition cond = ZoneCondition::kEmpty;
  bool operator==(const ZoneReportEntry&) const = default;
};

struct ZoneCounts {
  uint32_t implicit_open = 0;
  uint32_t explicit_open = 0;
  uint32_t closed = 0;
  uint32_t open() const { return implicit_open + explicit_open; }
  uint32_t active() const { return open() + closed; }
  bool operator==(const ZoneCounts&) const = default;
};

}  // namespace zonesim
