#include "qcow2/zoned/zone_list.h"

namespace zonesim {

void ZoneList::Resize(uint32_t nr_zones) {
  links_.clear();
  end_ = nr_zones;
  head_ = tail_ = kNone;
}

uint32_t ZoneList::next(uint32_t zone) const {
  auto it = links_.find(zone);
  return it == links_.end() ? kNone : it->second.next;
}

uint32_t ZoneList::first_at_or_after(uint32_t zone) const {
  auto it = links_.lower_bound(zone);
  return it == links_.end() ? kNone : it->first;
}

void ZoneList::PushBack(uint32_t zone) {
  if (zone >= end_ || Contains(zone)) return;
  links_[zone] = Links{tail_, kNone};
  if (tail_ == kNone) head_ = zone;
  else links_[tail_].next = zone;
  tail_ = zone;
}

void ZoneList::Remove(uint32_t zone) {
  auto it = links_.find(zone);
  if (it == links_.end()) return;
  const Links l = it->second;
  links_.erase(it);
  if (l.prev == kNone) head_ = l.next;
  else links_[l.prev].next = l.next;
  if (l.next == kNone) tail_ = l.prev;
  else links_[l.next].prev = l.prev;
}

std::vector<uint32_t> ZoneList::Members() const {
  std::vector<uint32_t> out;
  out.reserve(links_.size());
  for (uint32_t z = head_; z != kNone; z = next(z)) out.push_back(z);
  return out;
}

}  // namespace zonesim
