// ZoneList: an intrusive doubly linked list of zone indices, the structure
// zoned emulators keep their open/closed zone lists in (QEMU hw/nvme keeps
// QTAILQs exp_open_zones / imp_open_zones / closed_zones). Insertion order is
// kept, so the head of the implicitly-open list is the zone that entered
// IMPLICIT OPEN earliest (QEMU's auto-transition victim). Push/remove are O(1)
// and a zone is in at most one list of a given ZoneList, which the links
// guarantee.
#pragma once

#include <cstdint>
#include <vector>

namespace zonesim {

class ZoneList {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Makes room for zone indices [0, nr_zones) and empties the list.
  void Resize(uint32_t nr_zones);

  void PushBack(uint32_t zone);
  void Remove(uint32_t zone);
  bool Contains(uint32_t zone) const { return zone < in_.size() && in_[zone]; }

  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint32_t front() const { return head_; }                 // kNone when empty
  uint32_t next(uint32_t zone) const { return next_[zone]; }  // kNone at the tail

  // The members in list order (for tests and reports).
  std::vector<uint32_t> Members() const;

 private:
  std::vector<uint32_t> prev_;
  std::vector<uint32_t> next_;
  std::vector<bool> in_;
  uint32_t head_ = kNone;
  uint32_t tail_ = kNone;
  uint32_t size_ = 0;
};

}  // namespace zonesim
