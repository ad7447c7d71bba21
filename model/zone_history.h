// ZoneHistory: what the model remembers of one zone since the last completed
// Flush, so that it knows every state the zone may come back in after a power
// loss (zone_model_power_loss.cpp).
//
// Only zones changed since the flush have a history (ZoneHistories below:
// O(zones touched), never O(zones), per flush). A history is
// a list of segments: the first starts at the zone's state as of the flush,
// and each reset, finish or offline since then (the events that move the
// write pointer or drop data) ends one segment and starts the next. Inside a
// segment only writes move the write pointer, upward, so any prefix of the
// segment's writes is the segment's end data cut at a write pointer between
// its start and its end.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
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

// The histories of the zones changed since the last flush, by zone. A
// linux-profile whole-device finish changes every zone at once, so this is
// a slot per zone (4 bytes) into a dense array of histories whose storage is
// reused after each flush, instead of a tree node allocated per zone per
// flush (issue 14). Ordered views (ByZone) sort the changed zones.
class ZoneHistories {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kKept = 4096;  // histories whose storage a clear keeps

  void Resize(uint32_t nr_zones) {
    clear();
    slot_.assign(nr_zones, kNone);
  }
  uint32_t size() const { return used_; }
  ZoneHistory* find(uint32_t z) { return slot_[z] == kNone ? nullptr : &items_[slot_[z]].second; }
  // The history of z and whether it was created now (empty: the caller fills it).
  std::pair<ZoneHistory*, bool> try_emplace(uint32_t z) {
    if (slot_[z] != kNone) return {&items_[slot_[z]].second, false};
    if (used_ == items_.size()) items_.emplace_back();
    items_[used_].first = z;
    slot_[z] = used_;
    return {&items_[used_++].second, true};
  }
  ZoneHistory& operator[](uint32_t z) { return *try_emplace(z).first; }
  void erase(uint32_t z) {
    const uint32_t i = slot_[z];
    if (i == kNone) return;
    slot_[z] = kNone;
    if (i != used_ - 1) {  // the last one takes its place
      std::swap(items_[i], items_[used_ - 1]);
      slot_[items_[i].first] = i;
    }
    Reset(items_[--used_].second);
  }
  void clear() {
    for (uint32_t i = 0; i < used_; ++i) {
      slot_[items_[i].first] = kNone;
      Reset(items_[i].second);
    }
    used_ = 0;
    // Storage kept for reuse is bounded: after a whole-device command on a
    // million zones the histories' memory goes back at the flush.
    if (items_.size() > kKept) {
      items_.resize(kKept);
      items_.shrink_to_fit();
    }
  }
  // Moves every history out, by ascending zone, and clears.
  std::map<uint32_t, ZoneHistory> TakeByZone() {
    std::map<uint32_t, ZoneHistory> out;
    for (uint32_t i = 0; i < used_; ++i) out.emplace(items_[i].first, std::move(items_[i].second));
    clear();
    return out;
  }

 private:
  // Empties a history but keeps its vectors' storage for the next zone.
  static void Reset(ZoneHistory& h) {
    h.segments.clear();
    h.flushed_data = ZoneData();
    h.writes.clear();
  }

  std::vector<uint32_t> slot_;                              // per zone: index into items_, or kNone
  std::vector<std::pair<uint32_t, ZoneHistory>> items_;     // [0, used_) in use; the rest kept for reuse
  uint32_t used_ = 0;
};

inline uint16_t condition_bit(ZoneCondition c) {
  return static_cast<uint16_t>(1u << static_cast<unsigned>(c));
}

}  // namespace zonesim
