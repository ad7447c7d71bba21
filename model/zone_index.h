// ZoneIndex: which sequential zones are in each condition other than EMPTY,
// in zone-index order, with order statistics (the k-th zone in a condition in
// O(log zones)). One RankBitmap per condition: about a byte per zone in all,
// allocated once, and nothing allocated per change (a linux-profile Select All
// moves every zone). EMPTY is the complement of the non-EMPTY set.
//
// It lets every per-operation question about "the zones in condition c" (the
// workload aiming at a condition, Select All, power cycles, the lockstep
// checker choosing what to compare) cost O(log zones) or O(zones in c)
// instead of a scan of every zone (issue 14: devices with 1e5-1e7 zones).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "model/rank_bitmap.h"
#include "zoned/zone_types.h"

namespace zonesim {

class ZoneIndex {
 public:
  // Sequential zones are [first_sequential, nr_zones), all EMPTY.
  void Init(uint32_t first_sequential, uint32_t nr_zones);

  // Zone z changed condition from `from` to `to` (both sequential conditions).
  void Move(uint32_t z, ZoneCondition from, ZoneCondition to);

  // Number of sequential zones in condition c (NOT_WP: 0).
  uint32_t count(ZoneCondition c) const;
  // The k-th (0-based) sequential zone in condition c in index order;
  // k < count(c).
  uint32_t nth(ZoneCondition c, uint32_t k) const;
  // The lowest sequential zone >= z in condition c (NOT_WP: none), or
  // nr_zones when there is none: O(log zones) (EMPTY: O(log^2)).
  uint32_t next(ZoneCondition c, uint32_t z) const;
  // The sequential zones in condition c, ascending (c != EMPTY).
  std::vector<uint32_t> members(ZoneCondition c) const;
  // Every sequential zone that is not EMPTY, ascending.
  std::vector<uint32_t> non_empty() const;

 private:
  static constexpr size_t kSlots = 6;  // IO, EO, C, RO, F, OFF
  static int slot(ZoneCondition c);    // -1 for EMPTY and NOT_WP

  uint32_t first_ = 0;
  uint32_t end_ = 0;
  std::array<RankBitmap, kSlots> by_condition_;
  RankBitmap non_empty_;
};

}  // namespace zonesim
