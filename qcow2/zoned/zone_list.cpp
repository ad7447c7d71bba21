#include "qcow2/zoned/zone_list.h"

namespace zonesim {

void ZoneList::Resize(uint32_t nr_zones) {
  prev_.assign(nr_zones, kNone);
  next_.assign(nr_zones, kNone);
  in_.assign(nr_zones, false);
  head_ = tail_ = kNone;
  size_ = 0;
}

void ZoneList::PushBack(uint32_t zone) {
  if (Contains(zone)) return;
  prev_[zone] = tail_;
  next_[zone] = kNone;
  if (tail_ == kNone) head_ = zone;
  else next_[tail_] = zone;
  tail_ = zone;
  in_[zone] = true;
  ++size_;
}

void ZoneList::Remove(uint32_t zone) {
  if (!Contains(zone)) return;
  uint32_t p = prev_[zone], n = next_[zone];
  if (p == kNone) head_ = n;
  else next_[p] = n;
  if (n == kNone) tail_ = p;
  else prev_[n] = p;
  prev_[zone] = next_[zone] = kNone;
  in_[zone] = false;
  --size_;
}

std::vector<uint32_t> ZoneList::Members() const {
  std::vector<uint32_t> out;
  out.reserve(size_);
  for (uint32_t z = head_; z != kNone; z = next_[z]) out.push_back(z);
  return out;
}

}  // namespace zonesim
