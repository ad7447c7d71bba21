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
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "zoned/device_config.h"
#include "zoned/zone_report.h"
#include "zoned/zone_types.h"
#include "qcow2/zoned/zone_bitmap.h"
#include "qcow2/zoned/zone_list.h"

namespace zonesim {

// 32 bytes: with the lists kept per member and a bit per zone in each
// condition bitmap, this is the whole per-zone cost of an open image (issue 14).
struct ZoneRecord {
  ZoneCondition cond = ZoneCondition::kEmpty;
  uint64_t wp = 0;            // the write pointer in memory (the truth while the image is open)
  uint64_t persisted_wp = 0;  // the value last written to the table (UINT64_MAX: unknown after a failed flush)
  uint64_t last_write = 0;    // sequence number of the last successful write/append; 0 = none
};

class ZoneTable {
 public:
  // Every sequential zone EMPTY, conventional zones NOT_WP; lists empty,
  // round-robin cursor at the first sequential zone, sequence at 0. Each
  // zone's write pointer (in memory and persisted) is its start, or
  // write_pointers[z] when given (recovery sets the conditions after: this
  // class knows no zone rules). Fails (nothing allocated) when the records
  // would not fit in memory.
  Status Init(const DeviceConfig& config, const uint64_t* write_pointers = nullptr);

  // Bytes an open image needs per zone: the record, the write-pointer entry
  // read while recovering, and (rounded up) the four condition bitmaps'
  // half byte (issue 12: checked before allocating).
  static constexpr uint64_t kOpenBytesPerZone = sizeof(ZoneRecord) + sizeof(uint64_t) + 1;

  uint32_t size() const { return static_cast<uint32_t>(zones_.size()); }
  const ZoneRecord& operator[](uint32_t z) const { return zones_[z]; }
  ZoneRecord& at(uint32_t z) { return zones_[z]; }

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
  void NoteWrite(uint32_t z) { zones_[z].last_write = ++write_seq_; }

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
  ZoneList* list_for(ZoneCondition c);
  // FULL, READ ONLY and OFFLINE zones (the open and closed ones are in the lists).
  ZoneBitmap* set_for(ZoneCondition c);

  std::vector<ZoneRecord> zones_;
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
