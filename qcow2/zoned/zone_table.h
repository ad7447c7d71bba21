// ZoneTable: the in-memory zone state of an open zoned image, kept the way
// emulators keep it: one record per zone (condition, write pointer, the write
// pointer last written to the image's table, last-write sequence number) plus
// the implicitly-open list (FIFO by time of entering IMPLICIT OPEN), the
// explicitly-open list and the closed list, whose sizes are the open/active
// counters (ZNS 1.1 2.1.1.4: open = IO + EO, active = IO + EO + C). Every
// condition change goes through SetCondition, which moves the zone between the
// lists, so the counters can never drift from the conditions.
//
// It also picks implicit-close victims for each ImplicitClosePolicy. It knows
// nothing about the image file or the zone rules; qcow2/zoned/zoned_image.cpp does.
//
// Records are kept in pages of kPageZones zones, allocated when a zone of the
// page first changes: a zone of a page never allocated is in its initial
// state (EMPTY, or NOT_WP when conventional, at its start, never written),
// which the table computes instead of storing. An image of millions of zones
// of which a few thousand were ever written therefore opens and recovers
// without writing a record per zone (issue 14).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/status.h"
#include "zoned/device_config.h"
#include "zoned/zone_report.h"
#include "zoned/zone_types.h"
#include "qcow2/zoned/zone_bitmap.h"
#include "qcow2/zoned/zone_list.h"

namespace zonesim {

// 32 bytes, paid only by the zones of a page some zone of which changed; the
// rest cost the page directory's quarter byte and the condition bitmaps'
// half byte (issue 14).
struct ZoneRecord {
  ZoneCondition cond = ZoneCondition::kEmpty;
  uint64_t wp = 0;            // the write pointer in memory (the truth while the image is open)
  uint64_t persisted_wp = 0;  // the value last written to the table (UINT64_MAX: unknown after a failed flush)
  uint64_t last_write = 0;    // sequence number of the last successful write/append; 0 = none
};

class ZoneTable {
 public:
  // Every sequential zone EMPTY, conventional zones NOT_WP, each at its
  // start with its entry holding the start (a fresh image; recovery then
  // sets the zones whose entry says otherwise); lists empty, round-robin
  // cursor at the first sequential zone, sequence at 0. Fails (nothing
  // allocated) when the directory and bitmaps would not fit in memory.
  Status Init(const DeviceConfig& config);

  // Bytes an open image may need per zone: the record (once its page is
  // allocated: every zone, at worst) and (rounded up) the four condition
  // bitmaps' half byte with the page directory's quarter byte. Checked
  // before the table is made (issue 12), so a session that goes on to write
  // every zone does not run out of memory half way.
  static constexpr uint64_t kOpenBytesPerZone = sizeof(ZoneRecord) + 1;
  static constexpr uint32_t kPageZones = 32;

  uint32_t size() const { return n_; }
  // The record of zone z (computed when its page was never allocated).
  ZoneRecord operator[](uint32_t z) const {
    const ZoneRecord* page = pages_[z / kPageZones].get();
    return page != nullptr ? page[z % kPageZones] : Initial(z);
  }
  // The record of zone z, to change: allocates its page on first use.
  ZoneRecord& at(uint32_t z) {
    std::unique_ptr<ZoneRecord[]>& page = pages_[z / kPageZones];
    if (page == nullptr) page = NewPage(z / kPageZones);
    return page[z % kPageZones];
  }
  // The zones whose record differs from the initial one, ascending: a scan
  // of the allocated pages only (the lockstep checker's complete comparison).
  void ZonesNotInitial(std::vector<uint32_t>* out) const;
  // How many pages of records are allocated (tests and memory figures).
  uint32_t pages_allocated() const { return pages_allocated_; }

  // Moves zone z to condition c, keeping the lists (and so the counters)
  // consistent: entering IMPLICIT OPEN appends to the FIFO; leaving any
  // list removes it. Setting the current condition again changes nothing
  // (a write to an IMPLICIT OPEN zone keeps its FIFO position).
  void SetCondition(uint32_t z, ZoneCondition c);

  ZoneCounts counts() const;
  const ZoneList& implicit_open() const { return implicit_open_; }
  const ZoneList& explicit_open() const { return explicit_open_; }
  const ZoneList& closed() const { return closed_; }
  // The sequential zones that are not EMPTY, ascending: what Select All and a
  // power cycle can change, without a scan of every zone.
  std::vector<uint32_t> non_empty() const { return non_empty_.members(); }
  // The lowest zone >= z in condition c, or size() if there is none: a
  // filtered report visits only the zones it returns (EMPTY: skips the
  // non-EMPTY zones one by one; NOT_WP: the conventional zones).
  uint32_t NextInCondition(ZoneCondition c, uint32_t z) const;

  // Records a successful write/append to z (for least_recently_written).
  void NoteWrite(uint32_t z) { at(z).last_write = ++write_seq_; }

  // The implicitly open zone the policy would close, or nullopt when there is
  // none (or the policy is kFail). Does not change anything.
  std::optional<uint32_t> PickVictim(ImplicitClosePolicy policy) const;
  // Called after closing the victim PickVictim returned: advances the
  // round-robin cursor to the zone after it (null_blk null_close_imp_open_zone).
  void NoteVictimClosed(uint32_t victim);
  uint32_t round_robin_cursor() const { return cursor_; }

  // Zones that need their write-pointer entry rewritten (wp != persisted_wp),
  // in the order they first became dirty. MarkDirty is idempotent.
  void MarkDirty(uint32_t z);
  std::vector<uint32_t> TakeDirty();

 private:
  ZoneRecord Initial(uint32_t z) const {
    const uint64_t start = uint64_t{z} * zone_size_;
    return ZoneRecord{z < first_sequential_ ? ZoneCondition::kNotWp : ZoneCondition::kEmpty, start, start, 0};
  }
  std::unique_ptr<ZoneRecord[]> NewPage(uint32_t page);
  ZoneList* list_for(ZoneCondition c);
  // FULL, READ ONLY and OFFLINE zones (the open and closed ones are in the lists).
  ZoneBitmap* set_for(ZoneCondition c);

  uint32_t n_ = 0;
  uint64_t zone_size_ = 0;
  std::vector<std::unique_ptr<ZoneRecord[]>> pages_;  // null: every zone of the page is Initial
  uint32_t pages_allocated_ = 0;
  ZoneList implicit_open_;
  ZoneList explicit_open_;
  ZoneList closed_;
  ZoneList dirty_;
  ZoneBitmap non_empty_;
  ZoneBitmap full_, read_only_, offline_;
  uint32_t first_sequential_ = 0;
  uint32_t cursor_ = 0;
  uint64_t write_seq_ = 0;
};

}  // namespace zonesim
