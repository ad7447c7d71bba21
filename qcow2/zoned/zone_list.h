// ZoneList: an intrusive doubly linked list of zone indices, the structure
// zoned emulators keep their open/closed zone lists in (QEMU hw/nvme keeps
// QTAILQs exp_open_zones / imp_open_zones / closed_zones). Insertion order is
// kept, so the head of the implicitly-open list is the zone that entered
// IMPLICIT OPEN earliest (QEMU's auto-transition victim). A zone is in a given
// ZoneList at most once, which the links guarantee.
//
// The links live in a map keyed by zone, so a list costs memory per member,
// not per zone of the device (issue 14: images with millions of zones, of
// which few are open or closed); push/remove are O(log members).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace zonesim {

class ZoneList {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Makes room for zone indices [0, nr_zones) and empties the list.
  void Resize(uint32_t nr_zones);

  void PushBack(uint32_t zone);
  void Remove(uint32_t zone);
  bool Contains(uint32_t zone) const { return links_.count(zone) != 0; }

  uint32_t size() const { return static_cast<uint32_t>(links_.size()); }
  bool empty() const { return links_.empty(); }
  uint32_t front() const { return head_; }  // kNone when empty
  uint32_t next(uint32_t zone) const;       // kNone at the tail
  // The lowest member >= zone (in zone order, not list order); kNone if none.
  uint32_t first_at_or_after(uint32_t zone) const;

  // The members in list order (for tests and reports).
  std::vector<uint32_t> Members() const;

 private:
  struct Links {
    uint32_t prev = kNone;
    uint32_t next = kNone;
  };
  std::map<uint32_t, Links> links_;  // the members
  uint32_t end_ = 0;                 // zone indices are below this
  uint32_t head_ = kNone;
  uint32_t tail_ = kNone;
};

}  // namespace zonesim
