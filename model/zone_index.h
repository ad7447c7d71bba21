// ZoneIndex: which sequential zones are in each condition other than EMPTY,
// in zone-index order, with order statistics (the k-th zone in a condition in
// O(log zones)). EMPTY is the complement, so an unwritten zone costs nothing
// here and the index grows only with the zones that were touched.
//
// It lets every per-operation question about "the zones in condition c" (the
// workload aiming at a condition, Select All, power cycles, the lockstep
// checker choosing what to compare) cost O(log zones) or O(zones in c)
// instead of a scan of every zone (issue 14: devices with 1e5-1e7 zones).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

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
  // The sequential zones in condition c, ascending (c != EMPTY).
  std::vector<uint32_t> members(ZoneCondition c) const;
  // Every sequential zone that is not EMPTY, ascending.
  std::vector<uint32_t> non_empty() const;

 private:
  using Set = __gnu_pbds::tree<uint32_t, __gnu_pbds::null_type, std::less<uint32_t>,
                               __gnu_pbds::rb_tree_tag,
                               __gnu_pbds::tree_order_statistics_node_update>;
  static constexpr size_t kSlots = 6;  // IO, EO, C, RO, F, OFF
  static int slot(ZoneCondition c);    // -1 for EMPTY and NOT_WP

  uint32_t first_ = 0;
  uint32_t end_ = 0;
  std::array<Set, kSlots> by_condition_;
  Set non_empty_;
};

}  // namespace zonesim
