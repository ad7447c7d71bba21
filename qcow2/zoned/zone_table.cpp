#include "qcow2/zoned/zone_table.h"

#include <algorithm>
#include <new>
#include <string>

namespace zonesim {

static_assert(sizeof(ZoneRecord) <= 32, "the per-zone budget of an open image");

Status ZoneTable::Init(const DeviceConfig& config) {
  const uint32_t n = config.nr_zones();
  pages_.clear();
  pages_allocated_ = 0;
  try {
    pages_.resize((uint64_t{n} + kPageZones - 1) / kPageZones);
    for (ZoneBitmap* b : {&non_empty_, &full_, &read_only_, &offline_}) b->Resize(n);
  } catch (const std::bad_alloc&) {
    // The open path checks the size first; this is for a check that was too
    // optimistic (memory taken by another process in between).
    pages_.clear();
    pages_.shrink_to_fit();
    return Status::IoError("out of memory allocating the zone table of " + std::to_string(n) + " zones");
  }
  n_ = n;
  zone_size_ = config.zone_size;
  first_sequential_ = config.conventional_zones;
  implicit_open_.Resize(n);
  explicit_open_.Resize(n);
  closed_.Resize(n);
  dirty_.Resize(n);
  cursor_ = first_sequential_;
  write_seq_ = 0;
  return Status::Ok();
}

std::unique_ptr<ZoneRecord[]> ZoneTable::NewPage(uint32_t page) {
  std::unique_ptr<ZoneRecord[]> records(new ZoneRecord[kPageZones]);
  const uint32_t first = page * kPageZones;
  for (uint32_t i = 0; i < kPageZones; ++i)
    records[i] = first + i < n_ ? Initial(first + i) : ZoneRecord{};
  ++pages_allocated_;
  return records;
}

void ZoneTable::ZonesNotInitial(std::vector<uint32_t>* out) const {
  out->clear();
  for (uint32_t p = 0; p < pages_.size(); ++p) {
    const ZoneRecord* page = pages_[p].get();
    if (page == nullptr) continue;
    for (uint32_t i = 0; i < kPageZones && p * kPageZones + i < n_; ++i) {
      const uint32_t z = p * kPageZones + i;
      const ZoneRecord init = Initial(z);
      const ZoneRecord& r = page[i];
      if (r.cond != init.cond || r.wp != init.wp || r.persisted_wp != init.persisted_wp ||
          r.last_write != init.last_write)
        out->push_back(z);
    }
  }
}

ZoneList* ZoneTable::list_for(ZoneCondition c) {
  switch (c) {
    case ZoneCondition::kImplicitOpen: return &implicit_open_;
    case ZoneCondition::kExplicitOpen: return &explicit_open_;
    case ZoneCondition::kClosed: return &closed_;
    default: return nullptr;
  }
}

ZoneBitmap* ZoneTable::set_for(ZoneCondition c) {
  switch (c) {
    case ZoneCondition::kFull: return &full_;
    case ZoneCondition::kReadOnly: return &read_only_;
    case ZoneCondition::kOffline: return &offline_;
    default: return nullptr;
  }
}

void ZoneTable::SetCondition(uint32_t z, ZoneCondition c) {
  if ((*this)[z].cond == c) return;  // no page for a zone that does not change
  ZoneRecord& r = at(z);
  if (ZoneList* from = list_for(r.cond)) from->Remove(z);
  if (ZoneList* to = list_for(c)) to->PushBack(z);
  if (ZoneBitmap* from = set_for(r.cond)) from->erase(z);
  if (ZoneBitmap* to = set_for(c)) to->insert(z);
  if (c == ZoneCondition::kEmpty) non_empty_.erase(z);
  else if (r.cond == ZoneCondition::kEmpty) non_empty_.insert(z);
  r.cond = c;
}

uint32_t ZoneTable::NextInCondition(ZoneCondition c, uint32_t z) const {
  const uint32_t n = size();
  if (z >= n) return n;
  switch (c) {
    case ZoneCondition::kNotWp:
      for (; z < first_sequential_; ++z)
        if ((*this)[z].cond == ZoneCondition::kNotWp) return z;
      return n;
    case ZoneCondition::kEmpty:
      return non_empty_.next_absent(std::max(z, first_sequential_));
    case ZoneCondition::kImplicitOpen:
    case ZoneCondition::kExplicitOpen:
    case ZoneCondition::kClosed: {
      const ZoneList& l = c == ZoneCondition::kImplicitOpen   ? implicit_open_
                          : c == ZoneCondition::kExplicitOpen ? explicit_open_
                                                              : closed_;
      const uint32_t next = l.first_at_or_after(z);
      return next == ZoneList::kNone ? n : next;
    }
    case ZoneCondition::kFull:
    case ZoneCondition::kReadOnly:
    case ZoneCondition::kOffline: {
      const ZoneBitmap& s = c == ZoneCondition::kFull       ? full_
                            : c == ZoneCondition::kReadOnly ? read_only_
                                                            : offline_;
      return s.next(z);
    }
  }
  return n;
}

ZoneCounts ZoneTable::counts() const {
  ZoneCounts c;
  c.implicit_open = implicit_open_.size();
  c.explicit_open = explicit_open_.size();
  c.closed = closed_.size();
#ifdef ZONESIM_MUTANT_FORGET_CLOSED_ACTIVE
  // A deliberately broken build (cmake -DZONESIM_MUTANT=forget_closed_active)
  // that shows the checker catching a classic emulator bug: closed zones not
  // counted against the active limit.
  c.closed = 0;
#endif
  return c;
}

std::optional<uint32_t> ZoneTable::PickVictim(ImplicitClosePolicy policy) const {
  if (implicit_open_.empty()) return std::nullopt;
  const uint32_t none = ZoneList::kNone;
  switch (policy) {
    case ImplicitClosePolicy::kFail:
      return std::nullopt;
    case ImplicitClosePolicy::kAny:           // a concrete run picks like `oldest`
    case ImplicitClosePolicy::kOldestOpened:  // QEMU: head of the implicitly-open list
      return implicit_open_.front();
    case ImplicitClosePolicy::kAnyVictim:    // a concrete run picks like `lowest_index`
    case ImplicitClosePolicy::kLowestIndex: {  // scsi_debug, tcmu-runner
      uint32_t best = none;
      for (uint32_t z = implicit_open_.front(); z != none; z = implicit_open_.next(z))
        if (z < best) best = z;
      return best;
    }
    case ImplicitClosePolicy::kRoundRobin: {
      // null_blk: the first IO zone at index >= cursor, wrapping around.
      uint32_t at_or_after = none, lowest = none;
      for (uint32_t z = implicit_open_.front(); z != none; z = implicit_open_.next(z)) {
        if (z >= cursor_ && z < at_or_after) at_or_after = z;
        if (z < lowest) lowest = z;
      }
      return at_or_after != none ? at_or_after : lowest;
    }
    case ImplicitClosePolicy::kLeastRecentlyWritten: {
      // Oldest last write; ties (history cleared by a power cycle) go to the
      // lowest index so the choice is deterministic.
      uint32_t best = none;
      for (uint32_t z = implicit_open_.front(); z != none; z = implicit_open_.next(z)) {
        const uint64_t lw = (*this)[z].last_write;
        if (best == none || lw < (*this)[best].last_write || (lw == (*this)[best].last_write && z < best))
          best = z;
      }
      return best;
    }
  }
  return std::nullopt;
}

void ZoneTable::NoteVictimClosed(uint32_t victim) {
  cursor_ = victim + 1;
  if (cursor_ >= size()) cursor_ = first_sequential_;
}

void ZoneTable::MarkDirty(uint32_t z) { dirty_.PushBack(z); }

std::vector<uint32_t> ZoneTable::TakeDirty() {
  std::vector<uint32_t> out = dirty_.Members();
  for (uint32_t z : out) dirty_.Remove(z);
  return out;
}

}  // namespace zonesim
