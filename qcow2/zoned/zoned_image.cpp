// ZonedImage: the zone rules of the standards (see zoned_image.h) over a
// Qcow2Image. Checks come first and change nothing; then resources (which may
// implicitly close a victim); then the file; the in-memory state changes only
// once the file operation it depends on has succeeded.
#include "qcow2/zoned/zoned_image.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <new>
#include <optional>

#include "common/memory_limit.h"
#include "qcow2/zoned/zone_config.h"

namespace zonesim {

namespace {

// The zone conditions that refuse any write or append, with their status.
std::optional<ZoneStatus> WriteStateError(ZoneCondition c) {
  switch (c) {
    case ZoneCondition::kFull: return ZoneStatus::kZoneIsFull;
    case ZoneCondition::kReadOnly: return ZoneStatus::kZoneIsReadOnly;
    case ZoneCondition::kOffline: return ZoneStatus::kZoneIsOffline;
    default: return std::nullopt;
  }
}

bool in_range(uint64_t offset, uint64_t length, uint64_t size) {
  return length <= size && offset <= size - length;
}

}  // namespace

ZonedImage::~ZonedImage() { (void)Close(); }

Status ZonedImage::Open(Env* env, const std::string& path, const ZoneParams& params,
                        std::unique_ptr<ZonedImage>* out) {
  return OpenImpl(env, path, params, /*read_only=*/false, /*force_share=*/false, out);
}

Status ZonedImage::OpenReadOnly(Env* env, const std::string& path, const ZoneParams& params,
                                std::unique_ptr<ZonedImage>* out, bool force_share) {
  return OpenImpl(env, path, params, /*read_only=*/true, force_share, out);
}

Status ZonedImage::OpenImpl(Env* env, const std::string& path, const ZoneParams& params,
                            bool read_only, bool force_share, std::unique_ptr<ZonedImage>* out) {
  std::unique_ptr<ZonedImage> zi(new ZonedImage());
  zi->path_ = path;
  zi->read_only_ = read_only;
  Status s = Qcow2Image::Open(env, path, read_only, &zi->image_, force_share);
  if (!s.ok()) return s;
  // Every write pointer is persisted by a Flush (or a reset, finish, Close)
  // that flushes the image first: allocating writes need no barrier of their own.
  zi->image_->SetWriteBack(true);
  if (!zi->image_->zoned().has_value() || zi->image_->zoned()->zoned != 1)
    return Status::InvalidArgument(path + ": not a zoned image (no host-managed zoned extension)");
  zi->extension_ = *zi->image_->zoned();
  zi->config_ = ConfigFromExtension(zi->extension_, zi->image_->virtual_size(), params);
  s = zi->config_.Validate();
  if (!s.ok()) return Status::InvalidArgument(path + ": " + s.message());
  if (zi->extension_.nr_zones != zi->config_.nr_zones())
    return Status::Corruption(path + ": nr_zones " + std::to_string(zi->extension_.nr_zones) +
                              " does not match virtual size / zone size = " +
                              std::to_string(zi->config_.nr_zones()));
  // The zone table is one record per zone: an image with more zones than
  // this machine can hold gets an error naming the need, never an abort.
  std::string which;
  const uint64_t headroom = MemoryHeadroom(&which);
  s = CheckMemory(path + ": opening " + std::to_string(zi->config_.nr_zones()) + " zones (" +
                      std::to_string(ZoneTable::kOpenBytesPerZone) + " bytes each)",
                  uint64_t{zi->config_.nr_zones()} * ZoneTable::kOpenBytesPerZone, headroom, which);
  if (!s.ok()) return s;
  try {
    s = zi->Recover();
  } catch (const std::bad_alloc&) {
    s = Status::IoError(path + ": out of memory recovering " + std::to_string(zi->config_.nr_zones()) +
                        " zones");
  }
  if (!s.ok()) return s;
  zi->opened_ = true;
  *out = std::move(zi);
  return Status::Ok();
}

// Open-to-closed recovery (qcow2-zoned.md "The write-pointer entries"; ZNS 1.1
// 2.1.1.3: after a shutdown open zones come back CLOSED, or EMPTY at their start).
Status ZonedImage::Recover() {
  // Conventional entries hold their zone start (validated at open) plus the
  // conventional flag: their records keep the start, as Init leaves them.
  // So do the sequential zones whose entry holds their start: EMPTY. Only the
  // others get a record, from the entries the open read (issue 14).
  const std::vector<WritePointerAtOpen> written = image_->TakeWritePointersAtOpen();
  Status s = table_.Init(config_);
  if (!s.ok()) return Status::IoError(path_ + ": " + s.message());
  for (const WritePointerAtOpen& e : written) {
    const uint32_t z = e.zone;
    const uint64_t start = config_.zone_start(z);
    const uint64_t wp = e.entry;
    if (z < config_.conventional_zones || z >= config_.nr_zones() || wp < start ||
        wp > start + config_.zone_length(z)) {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(wp));
      return Status::Corruption(path_ + ": zone " + std::to_string(z) + " write pointer " + hex +
                                " lies outside the zone [" + std::to_string(start) + ", " +
                                std::to_string(start + config_.zone_length(z)) + "]");
    }
    if (wp == start) continue;  // EMPTY, as Init left it (no record written)
    ZoneRecord& r = table_.at(z);
    r.wp = r.persisted_wp = wp;
    if (wp < start + config_.zone_capacity_of(z)) table_.SetCondition(z, ZoneCondition::kClosed);
    else table_.SetCondition(z, ZoneCondition::kFull);
  }
  const uint32_t closed = table_.counts().closed;
  if (config_.max_active_zones != 0 && closed > config_.max_active_zones)
    warnings_.push_back(std::to_string(closed) + " zones recovered CLOSED, more than max_active_zones " +
                        std::to_string(config_.max_active_zones) +
                        "; writes to EMPTY zones fail until zones are finished or reset");
  return Status::Ok();
}

uint32_t ZonedImage::cluster_size() const { return image_ ? image_->cluster_size() : 0; }

ZoneStatus ZonedImage::MediaError(Status s) {
  last_error_ = std::move(s);
  return ZoneStatus::kMediaError;
}

ZoneStatus ZonedImage::Writable() {
  if (closed_) return MediaError(Status::IoError(path_ + ": image is closed"));
  if (read_only_) return MediaError(Status::IoError(path_ + ": image is opened read-only"));
  return ZoneStatus::kOk;
}

uint64_t ZonedImage::data_end(uint32_t z) const {
  return std::min(table_[z].wp, config_.zone_start(z) + config_.zone_capacity_of(z));
}

// ---------------------------------------------------------------------------
// Read

ZoneStatus ZonedImage::Read(uint64_t offset, uint64_t length, uint8_t* out) {
  if (closed_) return MediaError(Status::IoError(path_ + ": image is closed"));
  if (length == 0) return ZoneStatus::kInvalidField;
  const uint64_t bs = config_.block_size;
  if (offset % bs != 0 || length % bs != 0) return ZoneStatus::kUnalignedRequest;
  if (!in_range(offset, length, config_.size)) return ZoneStatus::kLbaOutOfRange;
  const uint64_t end = offset + length;
  const uint32_t first = config_.zone_index(offset);
  const uint32_t last = config_.zone_index(end - 1);
  // ZNS RAZB = 0 -> B8h, ZBC URSWRZ = 0 -> READ BOUNDARY VIOLATION; reads
  // that stay inside conventional zones may always span them (ZBC).
  if (!config_.params.read_across_zones && first != last && !config_.is_conventional(last))
    return ZoneStatus::kReadBoundaryViolation;
  for (uint32_t z = first; z <= last; ++z)
    if (table_[z].cond == ZoneCondition::kOffline) return ZoneStatus::kZoneIsOffline;
  if (config_.params.restricted_reads) {
    // ZBC URSWRZ = 0: ATTEMPT TO READ INVALID DATA at or after the wp of a
    // zone that still has one (FULL and READ ONLY zones read freely).
    for (uint32_t z = first; z <= last; ++z) {
      ZoneCondition c = table_[z].cond;
      bool has_wp = c == ZoneCondition::kEmpty || is_active(c);
      if (has_wp && std::min(end, config_.zone_start(z) + config_.zone_length(z)) > table_[z].wp)
        return ZoneStatus::kReadUnwritten;
    }
  }
  for (uint32_t z = first; z <= last; ++z) {
    const uint64_t a = std::max(offset, config_.zone_start(z));
    const uint64_t b = std::min(end, config_.zone_start(z) + config_.zone_length(z));
    // Conventional zones hold whatever the file holds; sequential zones
    // return file data only below the write pointer (and capacity), so stale
    // bytes a crash left past a recovered wp are never seen.
    const uint64_t valid_end = config_.is_conventional(z) ? b : std::clamp(data_end(z), a, b);
    if (valid_end > a) {
      Status s = image_->Read(a, valid_end - a, out + (a - offset));
      if (!s.ok()) return MediaError(s);
    }
    if (b > valid_end) std::memset(out + (valid_end - offset), fill_byte(), b - valid_end);
  }
  return ZoneStatus::kOk;
}

// ---------------------------------------------------------------------------
// Write and Append

ZoneStatus ZonedImage::Write(uint64_t offset, uint64_t length, const WriteData& data) {
  if (ZoneStatus w = Writable(); w != ZoneStatus::kOk) return w;
  if (length == 0) return ZoneStatus::kInvalidField;
  const uint64_t bs = config_.block_size;
  if (offset % bs != 0 || length % bs != 0) return ZoneStatus::kUnalignedRequest;
  if (!in_range(offset, length, config_.size)) return ZoneStatus::kLbaOutOfRange;
  const uint32_t z = config_.zone_index(offset);
  if (config_.is_conventional(z)) {
    // Random writes anywhere in the conventional zones; a write running into
    // the first sequential zone is a boundary violation (ZBC IR 21/05).
    if (!config_.is_conventional(config_.zone_index(offset + length - 1)))
      return ZoneStatus::kZoneBoundaryError;
    return WriteAt(z, offset, length, data);
  }
  const ZoneRecord& r = table_[z];
  const bool crosses = offset + length > config_.zone_start(z) + config_.zone_capacity_of(z);
  if (config_.params.precedence == ErrorPrecedence::kStateFirst) {
    // QEMU nvme_check_zone_write / null_blk: state, then wp, then capacity.
    if (auto e = WriteStateError(r.cond)) return *e;
    if (offset != r.wp) return ZoneStatus::kZoneInvalidWrite;
    if (crosses) return ZoneStatus::kZoneBoundaryError;
  } else {
    // scsi_debug / libzbc fake: boundary, then FULL/RO/OFF, then wp.
    if (crosses) return ZoneStatus::kZoneBoundaryError;
    if (auto e = WriteStateError(r.cond)) return *e;
    if (offset != r.wp) return ZoneStatus::kZoneInvalidWrite;
  }
  if (r.cond == ZoneCondition::kEmpty || r.cond == ZoneCondition::kClosed) {
    ZoneStatus s = CheckResources(z, r.cond == ZoneCondition::kEmpty, true, OpenReason::kWrite);
    if (s != ZoneStatus::kOk) return s;
  }
  return WriteAt(z, offset, length, data);
}

ZoneStatus ZonedImage::Append(uint64_t zone_start, uint64_t length, const WriteData& data,
                              uint64_t* assigned) {
  if (ZoneStatus w = Writable(); w != ZoneStatus::kOk) return w;
  if (!config_.params.zone_append_supported) return ZoneStatus::kNotSupported;
  if (length == 0) return ZoneStatus::kInvalidField;
  const uint64_t bs = config_.block_size;
  if (zone_start % bs != 0 || length % bs != 0) return ZoneStatus::kUnalignedRequest;
  if (zone_start >= config_.size) return ZoneStatus::kLbaOutOfRange;
  // ZNS 3.4.1: ZSLBA must start a zone, and ZASL bounds the length (QEMU:
  // Invalid Field, 02h). Linux refuses such a bio before the driver runs
  // (block/blk-core.c blk_check_zone_append: BLK_STS_IOERR unless it starts
  // a sequential zone and fits max_zone_append_sectors; null_blk
  // null_zone_write: EIO for append to a conventional zone), so the linux
  // profile answers EIO: an invalid write, or a boundary error for the length.
  const bool eio = config_.params.profile == Profile::kLinux;
  const ZoneStatus bad_start = eio ? ZoneStatus::kZoneInvalidWrite : ZoneStatus::kInvalidField;
  if (zone_start % config_.zone_size != 0) return bad_start;
  const uint32_t z = config_.zone_index(zone_start);
  if (config_.is_conventional(z)) return bad_start;
  if (length > config_.max_append_bytes)
    return eio ? ZoneStatus::kZoneBoundaryError : ZoneStatus::kInvalidField;
  const ZoneRecord& r = table_[z];
  const uint64_t cap_end = zone_start + config_.zone_capacity_of(z);
  const bool crosses = r.wp > cap_end || length > cap_end - r.wp;
  if (config_.params.precedence == ErrorPrecedence::kStateFirst) {
    if (auto e = WriteStateError(r.cond)) return *e;
    if (crosses) return ZoneStatus::kZoneBoundaryError;
  } else {
    if (crosses) return ZoneStatus::kZoneBoundaryError;
    if (auto e = WriteStateError(r.cond)) return *e;
  }
  if (r.cond == ZoneCondition::kEmpty || r.cond == ZoneCondition::kClosed) {
    ZoneStatus s = CheckResources(z, r.cond == ZoneCondition::kEmpty, true, OpenReason::kWrite);
    if (s != ZoneStatus::kOk) return s;
  }
  const uint64_t at = r.wp;
  ZoneStatus s = WriteAt(z, at, length, data);
  if (s == ZoneStatus::kOk && assigned != nullptr) *assigned = at;  // ZNS ALBA
  return s;
}

ZoneStatus ZonedImage::WriteAt(uint32_t z, uint64_t offset, uint64_t length, const WriteData& data) {
  Status s = image_->Write(offset, length, data);
  // A failed write may have stored part of the data; the write pointer does
  // not move, so reads keep masking it.
  if (!s.ok()) return MediaError(s);
  if (config_.is_conventional(z)) return ZoneStatus::kOk;
  ZoneRecord& r = table_.at(z);
  r.wp += length;
  table_.NoteWrite(z);
  table_.MarkDirty(z);  // the table entry follows at the next Flush
#ifdef ZONESIM_MUTANT_WP_BEFORE_DATA
  // A deliberately broken build (cmake -DZONESIM_MUTANT=wp_before_data): the
  // entry is written with the data, before any flush made the data durable,
  // so a power loss may keep the write pointer and lose what it covers.
  if (ZoneStatus w = WriteEntries({z}); w != ZoneStatus::kOk) return w;
#endif
  if (r.wp == config_.zone_start(z) + config_.zone_capacity_of(z))
    table_.SetCondition(z, ZoneCondition::kFull);  // frees its open and active resources
  else if (r.cond == ZoneCondition::kEmpty || r.cond == ZoneCondition::kClosed)
    table_.SetCondition(z, ZoneCondition::kImplicitOpen);
  return ZoneStatus::kOk;
}

// ---------------------------------------------------------------------------
// Resources (ZNS 1.1 2.1.1.4; QEMU nvme_zrm_auto_transition_zone; null_blk
// null_check_zone_resources / null_check_open / null_check_active)

void ZonedImage::CloseVictim(uint32_t victim) {
  table_.SetCondition(victim, ZoneCondition::kClosed);  // keeps its active resource
  table_.NoteVictimClosed(victim);
}

ZoneStatus ZonedImage::CheckResources(uint32_t z, bool need_active, bool need_open,
                                      OpenReason why) {
  const ZoneParams& p = config_.params;
  const uint32_t max_open = open_limit();
  const uint32_t max_active = config_.max_active_zones;
  const bool target_closed = table_[z].cond == ZoneCondition::kClosed;
  // QEMU closes the head of its implicitly-open list before checking, and
  // does not undo it when the check then fails.
  const bool may_close =
      why != OpenReason::kExplicitOpen || p.implicit_close_on_explicit_open;
  if (p.implicit_close_before_resource_check && may_close && max_open != 0 &&
      table_.counts().open() >= max_open && p.implicit_close != ImplicitClosePolicy::kFail) {
    if (auto v = table_.PickVictim(p.implicit_close)) CloseVictim(*v);
  }
  if (need_active && max_active != 0 && table_.counts().active() >= max_active)
    return ZoneStatus::kTooManyActiveZones;
  if (need_open && max_open != 0 && table_.counts().open() >= max_open) {
    auto victim = table_.PickVictim(p.implicit_close);
    if (!victim || (why == OpenReason::kExplicitOpen && !p.implicit_close_on_explicit_open))
      return ZoneStatus::kTooManyOpenZones;
    // null_blk null_check_open: a CLOSED zone may not take an open slot by
    // closing another zone when the active limit is reached too.
    if (target_closed && !p.swap_closed_when_active_full && max_active != 0 &&
        table_.counts().active() >= max_active)
      return ZoneStatus::kTooManyOpenZones;
    CloseVictim(*victim);
  }
  return ZoneStatus::kOk;
}

// ---------------------------------------------------------------------------
// Zone management

ZoneStatus ZonedImage::Inspect(uint64_t zone_start, uint32_t* z) const {
  if (zone_start >= config_.size) return ZoneStatus::kLbaOutOfRange;
  if (zone_start % config_.zone_size != 0) return ZoneStatus::kInvalidField;
  *z = config_.zone_index(zone_start);
  // ZBC: management of a conventional zone is INVALID FIELD IN CDB (IR 24/00);
  // null_blk: EIO.
  if (config_.is_conventional(*z)) return ZoneStatus::kInvalidZoneStateTransition;
  return ZoneStatus::kOk;
}

ZoneStatus ZonedImage::OpenZone(uint32_t z) {
  switch (table_[z].cond) {
    case ZoneCondition::kEmpty:
    case ZoneCondition::kClosed: {
      const bool empty = table_[z].cond == ZoneCondition::kEmpty;
      ZoneStatus s = CheckResources(z, empty, true, OpenReason::kExplicitOpen);
      if (s != ZoneStatus::kOk) return s;
      table_.SetCondition(z, ZoneCondition::kExplicitOpen);
      return ZoneStatus::kOk;
    }
    case ZoneCondition::kImplicitOpen:  // no new resource
      table_.SetCondition(z, ZoneCondition::kExplicitOpen);
      return ZoneStatus::kOk;
    case ZoneCondition::kExplicitOpen:
      return ZoneStatus::kOk;
    case ZoneCondition::kFull:  // ZNS BFh, ZBC no-op, null_blk EIO
      return config_.params.open_full_zone == PointlessOp::kNoOp
                 ? ZoneStatus::kOk
                 : ZoneStatus::kInvalidZoneStateTransition;
    default:
      return ZoneStatus::kInvalidZoneStateTransition;
  }
}

ZoneStatus ZonedImage::CloseZone(uint32_t z) {
  const ZoneRecord& r = table_[z];
  switch (r.cond) {
    case ZoneCondition::kEmpty:
    case ZoneCondition::kFull:
      return config_.params.close_empty_or_full_zone == PointlessOp::kNoOp
                 ? ZoneStatus::kOk
                 : ZoneStatus::kInvalidZoneStateTransition;
    case ZoneCondition::kImplicitOpen:
    case ZoneCondition::kExplicitOpen: {
      // ZNS keeps an unwritten closed zone CLOSED (it holds its active
      // resource); ZBC and null_blk make it EMPTY.
      const bool to_empty = r.wp == config_.zone_start(z) &&
                            config_.params.close_empty_open_zone == CloseEmptyResult::kEmpty;
      table_.SetCondition(z, to_empty ? ZoneCondition::kEmpty : ZoneCondition::kClosed);
      return ZoneStatus::kOk;
    }
    case ZoneCondition::kClosed:
      return ZoneStatus::kOk;
    default:
      return ZoneStatus::kInvalidZoneStateTransition;
  }
}

ZoneStatus ZonedImage::FinishZone(uint32_t z) {
  bool change = false;
  ZoneStatus s = CheckFinish(z, &change);
  if (s != ZoneStatus::kOk || !change) return s;
  return PersistFull({z}, /*at_capacity=*/false);
}

ZoneStatus ZonedImage::CheckFinish(uint32_t z, bool* change) {
  const ZoneParams& p = config_.params;
  *change = false;
  switch (table_[z].cond) {
    case ZoneCondition::kEmpty:
    case ZoneCondition::kClosed:
      // ZBC-2 / null_blk: finishing a zone that is not open needs an open
      // resource (null_blk also an active one for EMPTY); ZNS needs none.
      if (p.finish_requires_open_resource) {
        const bool need_active =
            table_[z].cond == ZoneCondition::kEmpty && p.finish_empty_requires_active;
        ZoneStatus s = CheckResources(z, need_active, true, OpenReason::kFinish);
        if (s != ZoneStatus::kOk) return s;
      }
      *change = true;
      return ZoneStatus::kOk;
    case ZoneCondition::kImplicitOpen:
    case ZoneCondition::kExplicitOpen:
      *change = true;
      return ZoneStatus::kOk;
    case ZoneCondition::kFull:
      return ZoneStatus::kOk;
    default:
      return ZoneStatus::kInvalidZoneStateTransition;
  }
}

ZoneStatus ZonedImage::FinishEachZone() {
  // One finish per zone in index order, as blkdev_zone_mgmt issues them. Each
  // zone's checks see the zones before it already FULL (they freed their
  // resources), so the in-memory state changes zone by zone; the file work
  // (tails cleared, one flush, the entries in runs) is done once for all of
  // them, in the same crash order as PersistFull: on a device with millions
  // of zones that is one flush instead of one per zone.
  ZoneStatus result = ZoneStatus::kOk;
  std::vector<uint32_t> finishing;
  std::vector<uint64_t> tails;
  for (uint32_t z = 0, n = config_.nr_zones(); z < n; ++z) {
    ZoneStatus s = ZoneStatus::kInvalidZoneStateTransition;
    if (!config_.is_conventional(z)) {
      bool change = false;
      s = CheckFinish(z, &change);
      if (s == ZoneStatus::kOk && change) {
        finishing.push_back(z);
        tails.push_back(data_end(z));
        // FULL now, so the next zone's resource check counts it as FULL;
        // PersistFull sets the final write pointer and persists it.
        table_.SetCondition(z, ZoneCondition::kFull);
      }
    }
    if (result == ZoneStatus::kOk) result = s;
  }
  ZoneStatus persisted = PersistFull(finishing, /*at_capacity=*/false, &tails);
  return persisted != ZoneStatus::kOk ? persisted : result;
}

ZoneStatus ZonedImage::Manage(ZoneAction action, uint64_t zone_start) {
  if (ZoneStatus w = Writable(); w != ZoneStatus::kOk) return w;
  if (action == ZoneAction::kOffline && config_.params.profile != Profile::kZns)
    return ZoneStatus::kNotSupported;
  uint32_t z = 0;
  if (ZoneStatus s = Inspect(zone_start, &z); s != ZoneStatus::kOk) return s;
  const ZoneCondition c = table_[z].cond;
  switch (action) {
    case ZoneAction::kOpen: return OpenZone(z);
    case ZoneAction::kClose: return CloseZone(z);
    case ZoneAction::kFinish: {
      ZoneStatus s = FinishZone(z);
#ifdef ZONESIM_MUTANT_FINISH_NEIGHBOUR
      // A deliberately broken build (cmake -DZONESIM_MUTANT=finish_neighbour):
      // finishing a zone also fills the EMPTY zone after it, a zone the
      // operation did not address (the counters do not change). Only the
      // lockstep checker's complete comparison can see it.
      if (s == ZoneStatus::kOk && z + 1 < config_.nr_zones() &&
          table_[z + 1].cond == ZoneCondition::kEmpty)
        s = PersistFull({z + 1}, /*at_capacity=*/false);
#endif
      return s;
    }
    case ZoneAction::kReset:
      if (c == ZoneCondition::kEmpty) return ZoneStatus::kOk;
      if (c == ZoneCondition::kReadOnly || c == ZoneCondition::kOffline)
        return ZoneStatus::kInvalidZoneStateTransition;
      return PersistResets({z});
    case ZoneAction::kOffline:  // ZNS 3.4.3.1.5: only READ ONLY -> OFFLINE
      if (c == ZoneCondition::kOffline) return ZoneStatus::kOk;
      if (c != ZoneCondition::kReadOnly) return ZoneStatus::kInvalidZoneStateTransition;
      table_.SetCondition(z, ZoneCondition::kOffline);
      return ZoneStatus::kOk;
  }
  return ZoneStatus::kInvalidField;
}

ZoneStatus ZonedImage::ManageAll(ZoneAction action) {
  if (ZoneStatus w = Writable(); w != ZoneStatus::kOk) return w;
  if (action == ZoneAction::kOffline && config_.params.profile != Profile::kZns)
    return ZoneStatus::kNotSupported;
  const uint32_t n = config_.nr_zones();
  if (config_.params.profile == Profile::kLinux && action != ZoneAction::kReset) {
    // A Linux zoned block device has REQ_OP_ZONE_RESET_ALL only: for open,
    // close and finish of the whole device, block/blk-zoned.c
    // blkdev_zone_mgmt submits one chained bio per zone (conventional ones
    // too), every one of them, and the chain reports a failure if any failed
    // (null_blk: EIO for a conventional zone, for close of EMPTY or FULL, for
    // open of FULL). The error of the lowest failing zone is the answer here.
    if (action == ZoneAction::kFinish) return FinishEachZone();
    ZoneStatus result = ZoneStatus::kOk;
    for (uint32_t z = 0; z < n; ++z) {
      ZoneStatus s = ZoneStatus::kInvalidZoneStateTransition;
      if (!config_.is_conventional(z)) s = action == ZoneAction::kOpen ? OpenZone(z) : CloseZone(z);
      if (result == ZoneStatus::kOk) result = s;
    }
    return result;
  }
  // No action changes an EMPTY zone: only the others are visited.
  auto zones_in = [&](std::initializer_list<ZoneCondition> conds) {
    std::vector<uint32_t> out;
    for (uint32_t z : table_.non_empty())
      if (std::find(conds.begin(), conds.end(), table_[z].cond) != conds.end()) out.push_back(z);
    return out;
  };
  switch (action) {
    case ZoneAction::kOpen: {
      // Every CLOSED zone needs an open resource; no implicit close.
      std::vector<uint32_t> closed = table_.closed().Members();
      std::sort(closed.begin(), closed.end());
      const uint32_t max_open = open_limit();
      if (config_.params.open_all_atomic && max_open != 0 &&
          table_.counts().open() + closed.size() > max_open)
        return ZoneStatus::kTooManyOpenZones;  // ZNS / ZBC: all or nothing
      for (uint32_t z : closed) {
        if (max_open != 0 && table_.counts().open() >= max_open)
          return ZoneStatus::kTooManyOpenZones;  // QEMU: earlier zones stay open
        table_.SetCondition(z, ZoneCondition::kExplicitOpen);
      }
      return ZoneStatus::kOk;
    }
    case ZoneAction::kClose:
      for (uint32_t z : zones_in({ZoneCondition::kImplicitOpen, ZoneCondition::kExplicitOpen}))
        (void)CloseZone(z);  // always succeeds for an open zone
      return ZoneStatus::kOk;
    case ZoneAction::kFinish:  // EMPTY zones are not finished; never a resource failure
      return PersistFull(zones_in({ZoneCondition::kImplicitOpen, ZoneCondition::kExplicitOpen,
                                   ZoneCondition::kClosed}),
                         false);
    case ZoneAction::kReset:
      return PersistResets(zones_in({ZoneCondition::kImplicitOpen, ZoneCondition::kExplicitOpen,
                                     ZoneCondition::kClosed, ZoneCondition::kFull}));
    case ZoneAction::kOffline:
      for (uint32_t z : zones_in({ZoneCondition::kReadOnly}))
        table_.SetCondition(z, ZoneCondition::kOffline);
      return ZoneStatus::kOk;
  }
  return ZoneStatus::kInvalidField;
}

// ---------------------------------------------------------------------------
// Persistence. The order of file operations is the crash-consistency design
// of qcow2/README.md; each comment says what a reader finds if power is lost
// right after the step.

ZoneStatus ZonedImage::WriteEntries(const std::vector<uint32_t>& zones) {
  for (uint32_t z : zones) {
    ZoneRecord& r = table_.at(z);
    Status s = image_->WriteWritePointer(z, r.wp);
    if (!s.ok()) {
      table_.MarkDirty(z);
      return MediaError(s);
    }
    r.persisted_wp = r.wp;
  }
  return ZoneStatus::kOk;
}

// After a failed flush the entries just written may or may not be durable.
// Forgetting what they hold makes the next Flush or reset rewrite and flush
// them, so "the entry holds the zone start" keeps implying "durably".
void ZonedImage::ForgetPersisted(const std::vector<uint32_t>& zones) {
  for (uint32_t z : zones) {
    table_.at(z).persisted_wp = kUnknownWp;
    table_.MarkDirty(z);
  }
}

ZoneStatus ZonedImage::FlushDirty() {
  std::vector<uint32_t> dirty;
  for (uint32_t z : table_.TakeDirty())
    if (table_[z].wp != table_[z].persisted_wp) dirty.push_back(z);
  auto keep_dirty = [&]() {
    for (uint32_t z : dirty)
      if (table_[z].wp != table_[z].persisted_wp) table_.MarkDirty(z);
  };
  // 1. Data clusters, L2 tables and refcounts become durable. Power loss
  //    before this completes: the table still holds the old write pointers,
  //    all of whose data was made durable by an earlier flush.
  Status s = image_->Flush();
  if (!s.ok()) {
    keep_dirty();
    return MediaError(s);
  }
  if (dirty.empty()) return ZoneStatus::kOk;
  // 2. The new entries are written. Power loss now: each entry is old or
  //    new, and both point at durable data.
  if (ZoneStatus w = WriteEntries(dirty); w != ZoneStatus::kOk) {
    keep_dirty();
    return w;
  }
  // 3. The entries become durable: everything acknowledged survives.
  s = image_->Flush();
  if (!s.ok()) {
    ForgetPersisted(dirty);
    return MediaError(s);
  }
  return ZoneStatus::kOk;
}

ZoneStatus ZonedImage::Flush() {
  if (closed_) return MediaError(Status::IoError(path_ + ": image is closed"));
  if (read_only_) return ZoneStatus::kOk;
  return FlushDirty();
}

ZoneStatus ZonedImage::PersistResets(const std::vector<uint32_t>& zones) {
  // 1. Entries first: wp = zone start. A zone whose entry already holds its
  //    start (reset before, never flushed since) needs no entry write.
  //    Runs of consecutive zones are written with one write each.
  auto reset = [this](uint32_t z) {
    ZoneRecord& r = table_.at(z);
    r.wp = config_.zone_start(z);
    r.last_write = 0;
    table_.SetCondition(z, ZoneCondition::kEmpty);  // frees open/active resources
  };
  std::vector<uint32_t> need;
  std::vector<uint64_t> starts;
  for (uint32_t z : zones) {
    if (table_[z].persisted_wp == config_.zone_start(z)) continue;
    need.push_back(z);
    starts.push_back(config_.zone_start(z));
  }
  std::vector<uint32_t> wrote;
  wrote.reserve(need.size());
  if (ZoneStatus w = WriteEntryRuns(need, starts, [&](uint32_t z, uint64_t start) {
        table_.at(z).persisted_wp = start;
        wrote.push_back(z);
        reset(z);
      });
      w != ZoneStatus::kOk)
    return w;
  for (uint32_t z : zones) reset(z);
  // 2. Flush, so the EMPTY entries are durable before any cluster is freed:
  //    otherwise a crash could leave an old write pointer over discarded
  //    (zero) clusters. Power loss before this flush: the zone comes back
  //    with its old write pointer and its old data, as if never reset.
  if (!wrote.empty()) {
    Status s = image_->Flush();
    if (!s.ok()) {
      ForgetPersisted(wrote);
      return MediaError(s);
    }
  }
  // 3. Release the zone's clusters (refcount decrement, L2 entries cleared),
  //    so write/reset cycles do not grow the file. Power loss before the
  //    discard is durable: the zone is EMPTY and its old bytes, if still
  //    there, sit past the write pointer where reads never return them.
  for (uint32_t z : zones) {
    Status s = image_->Discard(config_.zone_start(z), config_.zone_length(z));
    if (!s.ok()) return MediaError(s);
  }
  return ZoneStatus::kOk;
}

ZoneStatus ZonedImage::ClearTail(uint32_t z, uint64_t from) {
  const uint64_t cap_end = config_.zone_start(z) + config_.zone_capacity_of(z);
  if (from >= cap_end) return ZoneStatus::kOk;
  Status s = fill_byte() == 0
                 ? image_->Discard(from, cap_end - from)  // reads return zeros, clusters freed
                 : image_->Write(from, cap_end - from, Payload::Fill(fill_byte()));
  return s.ok() ? ZoneStatus::kOk : MediaError(s);
}

ZoneStatus ZonedImage::PersistFull(const std::vector<uint32_t>& zones, bool at_capacity,
                                   const std::vector<uint64_t>* tails) {
  if (zones.empty()) return ZoneStatus::kOk;
  // 1. The never-written space between the write pointer and the capacity
  //    is made to read as the fill: a FULL zone returns file data up to its
  //    capacity, and the file may hold stale bytes there after a crash.
  for (size_t i = 0; i < zones.size(); ++i) {
    ZoneStatus s = ClearTail(zones[i], tails != nullptr ? (*tails)[i] : data_end(zones[i]));
    if (s != ZoneStatus::kOk) return s;
  }
  // 2. Flush: the zone's data below the old write pointer and the cleared
  //    tail are durable before an entry claims the zone is full. Power loss
  //    up to here: the zone comes back as it was at the last flush.
  Status st = image_->Flush();
  if (!st.ok()) return MediaError(st);
  // 3. The FULL entries (start + zone length after finish, as null_blk's
  //    null_finish_zone; start + capacity for the zone_full power-on), runs
  //    of consecutive zones with one write each, then 4. a flush:
  //    qcow2-zoned.md "finish and reset flush it themselves", so a completed
  //    finish survives a power loss (ZoneParams::manage_durability).
  const bool to_capacity = at_capacity || config_.params.finish_wp == FinishWp::kCapacityEnd;
  std::vector<uint64_t> values(zones.size());
  for (size_t i = 0; i < zones.size(); ++i) {
    const uint32_t z = zones[i];
    values[i] = config_.zone_start(z) + (to_capacity ? config_.zone_capacity_of(z) : config_.zone_length(z));
  }
  ZoneStatus written = WriteEntryRuns(zones, values, [this](uint32_t z, uint64_t wp) {
    ZoneRecord& r = table_.at(z);
    r.wp = r.persisted_wp = wp;
    table_.SetCondition(z, ZoneCondition::kFull);  // frees open/active resources
  });
  if (written != ZoneStatus::kOk) return written;
  st = image_->Flush();
  if (!st.ok()) return MediaError(st);
  return ZoneStatus::kOk;
}

ZoneStatus ZonedImage::WriteEntryRuns(const std::vector<uint32_t>& zones,
                                      const std::vector<uint64_t>& values,
                                      const std::function<void(uint32_t, uint64_t)>& written) {
  std::vector<uint64_t> run;
  for (size_t i = 0; i < zones.size();) {
    size_t j = i + 1;
    while (j < zones.size() && zones[j] == zones[j - 1] + 1) ++j;
    run.assign(values.begin() + static_cast<std::ptrdiff_t>(i), values.begin() + static_cast<std::ptrdiff_t>(j));
    Status s = image_->WriteWritePointers(zones[i], run);
    if (!s.ok()) return MediaError(s);
    for (size_t k = i; k < j; ++k) written(zones[k], values[k]);
    i = j;
  }
  return ZoneStatus::kOk;
}

// ---------------------------------------------------------------------------
// Report, Inject, simulator hooks, Close

uint64_t ZonedImage::reported_wp(uint32_t z) const {
  const uint64_t start = config_.zone_start(z);
  switch (table_[z].cond) {
    case ZoneCondition::kNotWp: return start;
    case ZoneCondition::kReadOnly:
    case ZoneCondition::kOffline: return UINT64_MAX;  // the wp is invalid (ZNS 2.1.1.3)
    case ZoneCondition::kFull:
      switch (config_.params.full_wp) {
        case FullWpReport::kAsWritten: return table_[z].wp;
        case FullWpReport::kCapacityEnd: return start + config_.zone_capacity_of(z);
        case FullWpReport::kZoneEnd: return start + config_.zone_length(z);
        case FullWpReport::kAllOnes: return UINT64_MAX;
      }
      return table_[z].wp;
    default: return table_[z].wp;
  }
}

ZoneStatus ZonedImage::Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                              std::vector<ZoneReportEntry>* out, bool* partial) const {
  out->clear();
  if (partial != nullptr) *partial = false;
  if (closed_) return ZoneStatus::kMediaError;
  if (offset >= config_.size) return ZoneStatus::kLbaOutOfRange;
  const uint32_t n = config_.nr_zones();  // a division: not once per zone
  const uint32_t first = config_.zone_index(offset);
  if (filter == ReportFilter::kAll) out->reserve(max_zones != 0 ? std::min(max_zones, n - first) : n - first);
  // Every zone, or the zones of the one condition the filter selects, taken
  // from the table's per-condition sets: a filtered report costs what it
  // returns, not a scan of every zone (issue 14).
  const ZoneCondition want = filter_condition(filter);
  auto next = [&](uint32_t z) { return filter == ReportFilter::kAll ? z : table_.NextInCondition(want, z); };
  for (uint32_t z = next(first); z < n; z = next(z + 1)) {
    if (max_zones != 0 && out->size() == max_zones) {
      if (partial != nullptr) *partial = true;
      break;
    }
    ZoneReportEntry& e = out->emplace_back();  // filled in place: no 40-byte copy per zone
    e.start = config_.zone_start(z);
    e.length = config_.zone_length(z);
    const bool conv = config_.is_conventional(z);
    e.capacity = conv ? e.length : config_.zone_capacity_of(z);
    e.type = conv ? ZoneType::kConventional : ZoneType::kSequentialWriteRequired;
    e.cond = table_[z].cond;
    e.wp = reported_wp(z);
#ifdef ZONESIM_MUTANT_REPORT_PARTIAL
    // Deliberately broken (qcow2/CMakeLists.txt): a filtered report that fills
    // the host's buffer stops there and calls itself partial without looking
    // for a further match, so a limit ending exactly at the last matching zone
    // is reported partial.
    if (filter != ReportFilter::kAll && max_zones != 0 && out->size() == max_zones) {
      if (partial != nullptr) *partial = true;
      break;
    }
#endif
  }
  return ZoneStatus::kOk;
}

ZoneStatus ZonedImage::Inject(ZoneFault fault, uint64_t zone_start) {
  if (closed_) return MediaError(Status::IoError(path_ + ": image is closed"));
  uint32_t z = 0;
  if (ZoneStatus s = Inspect(zone_start, &z); s != ZoneStatus::kOk) return s;
  const ZoneCondition c = table_[z].cond;
  if (fault == ZoneFault::kReadOnly) {
    if (c == ZoneCondition::kReadOnly) return ZoneStatus::kOk;
    if (c == ZoneCondition::kOffline) return ZoneStatus::kInvalidZoneStateTransition;
    table_.SetCondition(z, ZoneCondition::kReadOnly);  // resources freed, data readable
    return ZoneStatus::kOk;
  }
  if (c == ZoneCondition::kOffline) return ZoneStatus::kOk;
  table_.SetCondition(z, ZoneCondition::kOffline);
  return ZoneStatus::kOk;
}

ZoneStatus ZonedImage::ResetZones(const std::vector<uint32_t>& zones) {
  if (ZoneStatus w = Writable(); w != ZoneStatus::kOk) return w;
  std::vector<uint32_t> todo;
  for (uint32_t z : zones) {
    if (z >= config_.nr_zones()) return ZoneStatus::kLbaOutOfRange;
    const ZoneCondition c = table_[z].cond;
    if (config_.is_conventional(z) || c == ZoneCondition::kReadOnly || c == ZoneCondition::kOffline)
      return ZoneStatus::kInvalidZoneStateTransition;
    if (c != ZoneCondition::kEmpty) todo.push_back(z);
  }
  return PersistResets(todo);
}

ZoneStatus ZonedImage::ForceFull(const std::vector<uint32_t>& zones) {
  if (ZoneStatus w = Writable(); w != ZoneStatus::kOk) return w;
  for (uint32_t z : zones) {
    if (z >= config_.nr_zones()) return ZoneStatus::kLbaOutOfRange;
    const ZoneCondition c = table_[z].cond;
    if (config_.is_conventional(z) || c == ZoneCondition::kReadOnly || c == ZoneCondition::kOffline)
      return ZoneStatus::kInvalidZoneStateTransition;
  }
  return PersistFull(zones, /*at_capacity=*/true);
}

ZoneStatus ZonedImage::RestoreCondition(uint32_t zone, ZoneCondition cond) {
  if (ZoneStatus w = Writable(); w != ZoneStatus::kOk) return w;
  if (zone >= config_.nr_zones()) return ZoneStatus::kLbaOutOfRange;
  const ZoneCondition c = table_[zone].cond;
  if (config_.is_conventional(zone) || (c != ZoneCondition::kEmpty && c != ZoneCondition::kClosed) ||
      !is_active(cond))
    return ZoneStatus::kInvalidZoneStateTransition;
  table_.SetCondition(zone, cond);
  return ZoneStatus::kOk;
}

Status ZonedImage::Close() {
  if (closed_) return Status::Ok();
  Status result;
  if (!read_only_ && image_ && opened_) {  // a failed open never writes
    if (FlushDirty() != ZoneStatus::kOk) result = last_error_;
  }
  image_.reset();
  closed_ = true;
  return result;
}

}  // namespace zonesim
