#include "model/zone_index.h"

namespace zonesim {

void ZoneIndex::Init(uint32_t first_sequential, uint32_t nr_zones) {
  first_ = first_sequential < nr_zones ? first_sequential : nr_zones;
  end_ = nr_zones;
  for (RankBitmap& s : by_condition_) s.Init(nr_zones);
  non_empty_.Init(nr_zones);
}

int ZoneIndex::slot(ZoneCondition c) {
  switch (c) {
    case ZoneCondition::kImplicitOpen: return 0;
    case ZoneCondition::kExplicitOpen: return 1;
    case ZoneCondition::kClosed: return 2;
    case ZoneCondition::kReadOnly: return 3;
    case ZoneCondition::kFull: return 4;
    case ZoneCondition::kOffline: return 5;
    case ZoneCondition::kEmpty:
    case ZoneCondition::kNotWp: return -1;
  }
  return -1;
}

void ZoneIndex::Move(uint32_t z, ZoneCondition from, ZoneCondition to) {
  if (from == to) return;
  if (int s = slot(from); s >= 0) by_condition_[s].erase(z);
  if (int s = slot(to); s >= 0) by_condition_[s].insert(z);
  if (to == ZoneCondition::kEmpty) non_empty_.erase(z);
  else if (from == ZoneCondition::kEmpty) non_empty_.insert(z);
}

uint32_t ZoneIndex::count(ZoneCondition c) const {
  if (c == ZoneCondition::kEmpty) return end_ - first_ - static_cast<uint32_t>(non_empty_.size());
  int s = slot(c);
  return s < 0 ? 0 : static_cast<uint32_t>(by_condition_[s].size());
}

uint32_t ZoneIndex::nth(ZoneCondition c, uint32_t k) const {
  if (c != ZoneCondition::kEmpty) return by_condition_[slot(c)].select(k);
  // The smallest x with k + 1 EMPTY zones in [first_, x]: the number of EMPTY
  // zones up to x grows with x, so bisect on it.
  uint32_t lo = first_ + k, hi = end_ - 1;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    uint64_t empty_upto = uint64_t{mid} - first_ + 1 - non_empty_.rank(mid + 1);
    if (empty_upto >= uint64_t{k} + 1) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

uint32_t ZoneIndex::next(ZoneCondition c, uint32_t z) const {
  if (z < first_) z = first_;
  if (z >= end_) return end_;
  if (c == ZoneCondition::kEmpty) {
    if (!non_empty_.contains(z)) return z;
    // k EMPTY zones lie before z: the next one is the (k+1)-th.
    const uint32_t k = z - first_ - non_empty_.rank(z);
    return k < count(ZoneCondition::kEmpty) ? nth(ZoneCondition::kEmpty, k) : end_;
  }
  const int s = slot(c);
  if (s < 0) return end_;
  const uint32_t next = by_condition_[s].next(z);
  return next == RankBitmap::kNone ? end_ : next;
}

std::vector<uint32_t> ZoneIndex::members(ZoneCondition c) const {
  int s = slot(c);
  if (s < 0) return {};
  return by_condition_[s].members();
}

std::vector<uint32_t> ZoneIndex::non_empty() const {
  return non_empty_.members();
}

}  // namespace zonesim
