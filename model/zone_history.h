// ZoneHistory: what the model remembers of one zone since the last completed
// Flush, so that it knows every state the zone may come back in after a power
// loss (zone_model_power_loss.cpp).
//
// Only zones changed since the flush have a history (the model keeps them in
// an ordered map: O(zones touched), never O(zones), per flush). A history is
// a list of segments: the first starts at the zone's state as of the flush,
// and each reset, finish or offline since then (the events that move the
// write pointer or drop data) ends one segment and starts the next. Inside a
// segment only writes move the write pointer, upward, so any prefix of the
// segment's writes is the segment's end data cut at a write pointer between
// its start and its end.
#pragma once

#include <cstdint>
#include <vector>

#include "model/zone_data.h"
#include "zoned/zone_types.h"

namespace zonesim {

struct ZoneSnapshot {
  uint64_t wp = 0;  // internal write pointer
  ZoneCondition cond = ZoneCondition::kEmpty;
};

struct HistorySegment {
  ZoneSnapshot from;    // at the flush, or right after the reset/finish/offline that began it
  uint64_t end_wp = 0;  // the write pointer when it ended (set when it ends)
  ZoneData end_data;    // the data when it ended (set when it ends)
  uint16_t conds = 0;   // bit per ZoneCondition the zone held during the segment
  bool ended = false;
};

struct ZoneHistory {
  std::vector<HistorySegment> segments;  // never empty
  // Conventional zones: the data as of the flush and every write since, in
  // issue order (each block may come back as any version it held).
  ZoneData flushed_data;
  std::vector<Extent> writes;
};

inline uint16_t condition_bit(ZoneCondition c) {
  return static_cast<uint16_t>(1u << static_cast<unsigned>(c));
}

}  // namespace zonesim
