// ZoneModel data path: Read, Write, Append, Flush. Check order and results are
// the semantics contract's ("Write", "Append", "Read"); the first failing
// check wins and a failed command changes nothing (ZNS 1.1 2.1.1.2.1.1: the
// command is aborted), except for the QEMU-style early implicit close
// (zone_model_resources.cpp).
#include <algorithm>
#include <cstring>

#include "model/zone_model.h"

namespace zonesim {

namespace {

bool has_valid_wp(ZoneCondition c) {
  // Conditions with a valid write pointer: bytes at/after it are unwritten
  // (ZNS 1.1 2.1.1.3: the wp is valid in ZSE, ZSIO, ZSEO, ZSC only).
  return c == ZoneCondition::kEmpty || c == ZoneCondition::kImplicitOpen ||
         c == ZoneCondition::kExplicitOpen || c == ZoneCondition::kClosed;
}

}  // namespace

ZoneStatus ZoneModel::Read(uint64_t offset, uint64_t length, uint8_t* out) const {
  const ZoneParams& p = config_.params;
  // 1-3: argument checks (ZNS: 02h, LBA format alignment, 80h; ZBC IR 21/00).
  if (length == 0) return ZoneStatus::kInvalidField;
  if (offset % config_.block_size != 0 || length % config_.block_size != 0)
    return ZoneStatus::kUnalignedRequest;
  if (offset > config_.size || length > config_.size - offset) return ZoneStatus::kLbaOutOfRange;

  const uint64_t end = offset + length;
  const uint32_t first = config_.zone_index(offset);
  const uint32_t last = config_.zone_index(end - 1);

  // 4: crossing a zone boundary (ZNS 1.1 2.1.1.2.1.2 with RAZB = 0 -> B8h;
  // ZBC URSWRZ = 0 -> IR 21/07). Conventional-to-conventional is always fine;
  // conventional zones are the first ones, so "all touched are conventional"
  // means "the last touched one is".
  if (!p.read_across_zones && first != last && !config_.is_conventional(last))
    return ZoneStatus::kReadBoundaryViolation;

  // 5: any OFFLINE zone (ZNS BBh, ZBC DP 2C/0E, null_blk EIO).
  for (uint32_t z = first; z <= last; ++z)
    if (zones_[z].cond == ZoneCondition::kOffline) return ZoneStatus::kZoneIsOffline;

  // 6: restricted reads (ZBC URSWRZ = 0 -> IR 21/06): no byte at or after the
  // wp of a zone whose wp is valid. FULL and READ ONLY zones read freely.
  if (p.restricted_reads) {
    for (uint32_t z = first; z <= last; ++z) {
      const ZoneState& s = zones_[z];
      if (config_.is_conventional(z) || !has_valid_wp(s.cond)) continue;
      uint64_t touched_end = std::min(end, start_of(z) + config_.zone_length(z));
      if (touched_end > s.wp) return ZoneStatus::kReadUnwritten;
    }
  }

  // 7: data. Unwritten bytes read as the fill (null_blk null_transfer: 0xFF;
  // QEMU / qcow2: zeroes); written bytes are regenerated from their Payload.
  if (out != nullptr) {
    std::memset(out, p.read_fill == ReadFill::kOnes ? 0xFF : 0x00, static_cast<size_t>(length));
    for (uint32_t z = first; z <= last; ++z) {
      uint64_t a = std::max(offset, start_of(z));
      uint64_t b = std::min(end, start_of(z) + config_.zone_length(z));
      zones_[z].data.Read(a, b - a, out + (a - offset));
    }
  }
  return ZoneStatus::kOk;
}

ZoneStatus ZoneModel::CheckSequentialWrite(uint32_t z, uint64_t offset, uint64_t length,
                                           bool is_append) const {
  const ZoneState& s = zones_[z];
  // ZNS 1.1 2.1.1.2.1.1: a write to a zone in ZSF / ZSRO / ZSO fails with
  // Zone Is Full (B9h) / Zone Is Read Only (BAh) / Zone Is Offline (BBh);
  // ZBC IR 24/00, DP 27/08, DP 2C/0E.
  auto state_error = [&]() {
    switch (s.cond) {
      case ZoneCondition::kFull: return ZoneStatus::kZoneIsFull;
      case ZoneCondition::kReadOnly: return ZoneStatus::kZoneIsReadOnly;
      case ZoneCondition::kOffline: return ZoneStatus::kZoneIsOffline;
      default: return ZoneStatus::kOk;
    }
  };
  // Not at the wp: ZNS Zone Invalid Write (BCh), ZBC IR 21/04. An append
  // always lands at the wp, so it has no such error (ZNS 3.4.1).
  auto wp_error = [&]() {
    return !is_append && offset != s.wp ? ZoneStatus::kZoneInvalidWrite : ZoneStatus::kOk;
  };
  // Past the zone capacity: ZNS Zone Boundary Error (B8h), ZBC IR 21/05,
  // null_blk null_zone_write (wp + len > start + capacity -> EIO).
  auto boundary_error = [&]() {
    return offset + length > cap_end(z) ? ZoneStatus::kZoneBoundaryError : ZoneStatus::kOk;
  };

  ZoneStatus checks[3];
  if (config_.params.precedence == ErrorPrecedence::kStateFirst) {
    // QEMU nvme_check_zone_write order: state, then wp, then capacity.
    checks[0] = state_error();
    checks[1] = wp_error();
    checks[2] = boundary_error();
  } else {
    // scsi_debug check_zbc_access_params / libzbc fake: boundary, state, wp.
    checks[0] = boundary_error();
    checks[1] = state_error();
    checks[2] = wp_error();
  }
  for (ZoneStatus st : checks)
    if (st != ZoneStatus::kOk) return st;
  return ZoneStatus::kOk;
}

void ZoneModel::ApplyWrite(uint32_t z, uint64_t offset, uint64_t length, const Payload& data,
                           uint64_t payload_offset, Trigger trigger) {
  Touch(z);
  ZoneState& s = zones_[z];
  s.data.Write(offset, length, data, payload_offset);
  s.wp = offset + length;
  // Reaching the capacity makes the zone FULL and frees its resources (ZNS
  // 1.1 2.1.1.3.2-4: "ZSF ... when the write pointer reaches ZCAP"); an EMPTY
  // or CLOSED zone becomes IMPLICIT OPEN; IO and EO stay as they are.
  ZoneCondition to = s.cond;
  if (s.wp == cap_end(z))
    to = ZoneCondition::kFull;
  else if (s.cond == ZoneCondition::kEmpty || s.cond == ZoneCondition::kClosed)
    to = ZoneCondition::kImplicitOpen;
  Transition(z, to, trigger);
}

ZoneStatus ZoneModel::Write(uint64_t offset, uint64_t length, const Payload& data) {
  BeginOperation();
  if (length == 0) return ZoneStatus::kInvalidField;
  if (offset % config_.block_size != 0 || length % config_.block_size != 0)
    return ZoneStatus::kUnalignedRequest;
  if (offset > config_.size || length > config_.size - offset) return ZoneStatus::kLbaOutOfRange;

  const uint32_t z = config_.zone_index(offset);
  if (config_.is_conventional(z)) {
    // Conventional zones take writes anywhere (ZBC-2 NOT WRITE POINTER), but
    // a write running into a sequential zone is a boundary violation
    // (scsi_debug check_zbc_access_params: IR 21/05).
    const uint32_t last = config_.zone_index(offset + length - 1);
    if (!config_.is_conventional(last)) return ZoneStatus::kZoneBoundaryError;
    for (uint32_t k = z; k <= last; ++k) {
      uint64_t a = std::max(offset, start_of(k));
      uint64_t b = std::min(offset + length, start_of(k) + config_.zone_length(k));
      RecordConventionalWrite(k, Extent{a, b - a, data, a - offset});  // before: it keeps the old data
      zones_[k].data.Write(a, b - a, data, a - offset);
    }
    return ZoneStatus::kOk;
  }

  ZoneStatus st = CheckSequentialWrite(z, offset, length, /*is_append=*/false);
  if (st != ZoneStatus::kOk) return st;
  // Only an EMPTY or CLOSED zone needs resources to become open (ZNS 1.1
  // 2.1.1.4; null_blk null_zone_write -> null_check_zone_resources).
  const ZoneCondition c = zones_[z].cond;
  if (c == ZoneCondition::kEmpty || c == ZoneCondition::kClosed) {
    st = AcquireResources(z, ResourceUse::kWrite);
    if (st != ZoneStatus::kOk) return st;
  }
  ApplyWrite(z, offset, length, data, 0, Trigger::kWrite);
  return ZoneStatus::kOk;
}

ZoneStatus ZoneModel::Append(uint64_t zone_start, uint64_t length, const Payload& data,
                             uint64_t* assigned) {
  BeginOperation();
  // ZBC has no zone append; ZNS 3.4.1 and null_blk (zone_append_max_sectors).
  if (!config_.params.zone_append_supported) return ZoneStatus::kNotSupported;
  if (length == 0) return ZoneStatus::kInvalidField;
  if (zone_start % config_.block_size != 0 || length % config_.block_size != 0)
    return ZoneStatus::kUnalignedRequest;
  if (zone_start >= config_.size) return ZoneStatus::kLbaOutOfRange;
  // The linux profile answers as the block layer does before the driver sees
  // the bio: Linux block/blk-core.c blk_check_zone_append fails with
  // BLK_STS_IOERR (EIO) a zone append that does not start a sequential zone
  // (not a zone start, or a conventional zone: null_blk null_zone_write also
  // gives BLK_STS_IOERR for append to a conventional zone) or that is longer
  // than max_zone_append_sectors. The standards answer Invalid Field (below).
  const bool linux_block_layer = config_.params.profile == Profile::kLinux;
  const ZoneStatus not_a_seq_zone_start =
      linux_block_layer ? ZoneStatus::kZoneInvalidWrite : ZoneStatus::kInvalidField;
  // ZNS 3.4.1: ZSLBA must be the lowest LBA of a zone, else Invalid Field (02h).
  if (zone_start % config_.zone_size != 0) return not_a_seq_zone_start;
  const uint32_t z = config_.zone_index(zone_start);
  if (config_.is_conventional(z)) return not_a_seq_zone_start;
  // ZNS Figure 50 ZASL / QEMU nvme_do_write: larger than the limit -> 02h;
  // the Linux block layer: EIO, as a bio it would have to split.
  if (length > config_.max_append_bytes)
    return linux_block_layer ? ZoneStatus::kZoneBoundaryError : ZoneStatus::kInvalidField;

  const uint64_t wp = zones_[z].wp;
  ZoneStatus st = CheckSequentialWrite(z, wp, length, /*is_append=*/true);
  if (st != ZoneStatus::kOk) return st;
  const ZoneCondition c = zones_[z].cond;
  if (c == ZoneCondition::kEmpty || c == ZoneCondition::kClosed) {
    st = AcquireResources(z, ResourceUse::kWrite);
    if (st != ZoneStatus::kOk) return st;
  }
  // ZNS 3.4.1: the data lands at the wp and the completion returns it (ALBA).
  if (assigned) *assigned = wp;
  ApplyWrite(z, wp, length, data, 0, Trigger::kAppend);
  return ZoneStatus::kOk;
}

ZoneStatus ZoneModel::Flush() {
  BeginOperation();
  // Every command completes synchronously in the model; what a completed
  // Flush makes durable is everything before it (NVMe Base 2.0 §7.1: the
  // volatile write cache is committed), so the history of what a power loss
  // may still lose starts again (zone_model_power_loss.cpp).
  history_.clear();
  loss_.clear();
  return ZoneStatus::kOk;
}

}  // namespace zonesim
