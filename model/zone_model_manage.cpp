// ZoneModel zone management: Open / Close / Finish / Reset / Offline of one
// zone (ZNS 1.1 3.4.3.1.1-6, ZBC-2 OPEN/CLOSE/FINISH ZONE, RESET WRITE
// POINTER; null_blk null_open_zone, null_close_zone, null_finish_zone,
// null_reset_zone) and the Select All / ALL-bit forms (ZNS 1.1 3.4.3 Figure 39
// bit 8; QEMU nvme_do_zone_op / nvme_bulk_proc_zone). The per-condition
// results are the semantics contract's table, one `case` per cell.
#include "model/zone_model.h"

namespace zonesim {

namespace {

constexpr ZoneStatus kInvalid = ZoneStatus::kInvalidZoneStateTransition;  // ZNS BFh, ZBC IR 24/00

}  // namespace

void ZoneModel::CloseZone(uint32_t z, Trigger trigger) {
  // ZNS 1.1 3.4.3.1.1: ZSIO/ZSEO -> ZSC, even with the wp at the zone start
  // (the zone keeps its active resource). ZBC-2, null_blk, scsi_debug,
  // tcmu-runner: a zone with nothing written goes back to EMPTY.
  const bool nothing_written = zones_[z].wp == start_of(z);
  const bool to_empty =
      nothing_written && config_.params.close_empty_open_zone == CloseEmptyResult::kEmpty;
  Transition(z, to_empty ? ZoneCondition::kEmpty : ZoneCondition::kClosed, trigger);
}

void ZoneModel::FinishZone(uint32_t z, Trigger trigger) {
  // ZNS 1.1 3.4.3.1.2 and null_finish_zone: wp moves to the zone end (the
  // length, not the capacity); the data past the old wp stays unwritten.
  // FinishWp::kCapacityEnd: devices that stop the wp at the capacity instead.
  EndSegment(z);
  zones_[z].wp = start_of(z) + (config_.params.finish_wp == FinishWp::kZoneEnd ? config_.zone_length(z)
                                                                                : config_.zone_capacity_of(z));
  Transition(z, ZoneCondition::kFull, trigger);
  BeginSegment(z);
}

void ZoneModel::ResetZone(uint32_t z, Trigger trigger) {
  // ZNS 1.1 3.4.3.1.4: wp = ZSLBA, zone to ZSE, its data deallocated.
  EndSegment(z);
  zones_[z].wp = start_of(z);
  zones_[z].data.Clear();
  Transition(z, ZoneCondition::kEmpty, trigger);
  BeginSegment(z);
}

ZoneStatus ZoneModel::Manage(ZoneAction action, uint64_t zone_start) {
  BeginOperation();
  // Offline Zone exists only in ZNS (Zone Send Action 05h).
  if (action == ZoneAction::kOffline && config_.params.profile != Profile::kZns)
    return ZoneStatus::kNotSupported;
  // ZBC-2: ZONE ID beyond the last LBA -> IR 21/00; not a zone start (ZNS
  // 3.4.3 "SLBA ... not the lowest LBA of a zone" -> 02h; ZBC IR 24/00).
  if (zone_start >= config_.size) return ZoneStatus::kLbaOutOfRange;
  if (zone_start % config_.zone_size != 0) return ZoneStatus::kInvalidField;
  const uint32_t z = config_.zone_index(zone_start);
  // Conventional zones have no state machine: ZBC IR 24/00, null_blk EIO.
  if (config_.is_conventional(z)) return kInvalid;
  return ManageZone(action, z);
}

ZoneStatus ZoneModel::ManageZone(ZoneAction action, uint32_t z) {
  const ZoneParams& p = config_.params;
  const ZoneCondition cond = zones_[z].cond;
  using C = ZoneCondition;

  switch (action) {
    case ZoneAction::kOpen:  // ZNS 1.1 3.4.3.1.3, ZBC OPEN ZONE, null_open_zone
      switch (cond) {
        case C::kEmpty:
        case C::kClosed: {
          ZoneStatus st = AcquireResources(z, ResourceUse::kExplicitOpen);
          if (st != ZoneStatus::kOk) return st;
          Transition(z, C::kExplicitOpen, Trigger::kOpen);
          return ZoneStatus::kOk;
        }
        case C::kImplicitOpen:  // already holds both resources
        case C::kExplicitOpen:  // no-op
          Transition(z, C::kExplicitOpen, Trigger::kOpen);
          return ZoneStatus::kOk;
        case C::kFull:  // ZNS BFh, null_blk EIO; ZBC: no-op
          if (p.open_full_zone == PointlessOp::kError) return kInvalid;
          Transition(z, C::kFull, Trigger::kOpen);
          return ZoneStatus::kOk;
        default:  // READ ONLY, OFFLINE
          return kInvalid;
      }

    case ZoneAction::kClose:  // ZNS 1.1 3.4.3.1.1, ZBC CLOSE ZONE, null_close_zone
      switch (cond) {
        case C::kImplicitOpen:
        case C::kExplicitOpen:
          CloseZone(z, Trigger::kClose);
          return ZoneStatus::kOk;
        case C::kClosed:  // no-op
          Transition(z, C::kClosed, Trigger::kClose);
          return ZoneStatus::kOk;
        case C::kEmpty:
        case C::kFull:  // ZNS BFh, null_blk EIO; ZBC: no-op
          if (p.close_empty_or_full_zone == PointlessOp::kError) return kInvalid;
          Transition(z, cond, Trigger::kClose);
          return ZoneStatus::kOk;
        default:
          return kInvalid;
      }

    case ZoneAction::kFinish:  // ZNS 1.1 3.4.3.1.2, ZBC FINISH ZONE, null_finish_zone
      switch (cond) {
        case C::kEmpty:
        case C::kClosed:
          // ZBC-2 (libzbc 01.140-01.142) and null_blk check the open limit
          // (and null_blk the active limit for EMPTY); ZNS needs nothing.
          if (p.finish_requires_open_resource) {
            ZoneStatus st = AcquireResources(z, ResourceUse::kFinish);
            if (st != ZoneStatus::kOk) return st;
          }
          FinishZone(z, Trigger::kFinish);
          return ZoneStatus::kOk;
        case C::kImplicitOpen:
        case C::kExplicitOpen:
          FinishZone(z, Trigger::kFinish);
          return ZoneStatus::kOk;
        case C::kFull:  // no-op
          Transition(z, C::kFull, Trigger::kFinish);
          return ZoneStatus::kOk;
        default:
          return kInvalid;
      }

    case ZoneAction::kReset:  // ZNS 1.1 3.4.3.1.4, ZBC RESET WRITE POINTER, null_reset_zone
      switch (cond) {
        case C::kEmpty:  // no-op
          Transition(z, C::kEmpty, Trigger::kReset);
          return ZoneStatus::kOk;
        case C::kImplicitOpen:
        case C::kExplicitOpen:
        case C::kClosed:
        case C::kFull:
          ResetZone(z, Trigger::kReset);
          return ZoneStatus::kOk;
        default:
          return kInvalid;
      }

    case ZoneAction::kOffline:  // ZNS 1.1 3.4.3.1.5: only ZSRO -> ZSO
      switch (cond) {
        case C::kReadOnly:
          EndSegment(z);
          zones_[z].data.Clear();
          Transition(z, C::kOffline, Trigger::kOffline);
          BeginSegment(z);
          return ZoneStatus::kOk;
        case C::kOffline:  // no-op
          Transition(z, C::kOffline, Trigger::kOffline);
          return ZoneStatus::kOk;
        default:
          return kInvalid;
      }
  }
  return kInvalid;
}

ZoneStatus ZoneModel::OpenAll() {
  // ZNS 1.1 3.4.3.1.3 with Select All: every ZSC zone -> ZSEO. Each needs an
  // open resource; there is no implicit close here.
  const uint32_t max_open = OpenLimit();
  const uint32_t to_open = closed_;
  if (to_open == 0) return ZoneStatus::kOk;
  // ZNS / ZBC (scsi_debug resp_open_zone): all or nothing.
  if (config_.params.open_all_atomic && max_open != 0 &&
      implicit_open_ + explicit_open_ + to_open > max_open)
    return ZoneStatus::kTooManyOpenZones;
  // QEMU nvme_bulk_proc_zone: one by one in index order, stop at the limit.
  for (uint32_t z : index_.members(ZoneCondition::kClosed)) {
    if (zones_[z].cond != ZoneCondition::kClosed) continue;
    if (max_open != 0 && implicit_open_ + explicit_open_ >= max_open)
      return ZoneStatus::kTooManyOpenZones;
    Transition(z, ZoneCondition::kExplicitOpen, Trigger::kOpenAll);
  }
  return ZoneStatus::kOk;
}

ZoneStatus ZoneModel::ManageEachZone(ZoneAction action) {
  // Linux has a whole-device form only for reset (REQ_OP_ZONE_RESET_ALL).
  // block/blk-zoned.c blkdev_zone_mgmt turns open / close / finish of
  // [0, capacity) into one bio per zone, conventional zones included, chained
  // and all submitted: each is the per-zone command (null_blk null_zone_mgmt:
  // null_open_zone / null_close_zone / null_finish_zone, EIO for a
  // conventional zone, EMPTY or FULL on close, FULL on open), and the chain
  // fails if any bio failed. Which error the chain keeps depends on completion
  // order; the model answers the one of the lowest zone.
  ZoneStatus first_error = ZoneStatus::kOk;
  for (uint32_t z = 0; z < zones_.size(); ++z) {
    const ZoneStatus st = config_.is_conventional(z) ? kInvalid : ManageZone(action, z);
    if (first_error == ZoneStatus::kOk) first_error = st;
  }
  return first_error;
}

ZoneStatus ZoneModel::ManageAll(ZoneAction action) {
  BeginOperation();
  if (action == ZoneAction::kOffline && config_.params.profile != Profile::kZns)
    return ZoneStatus::kNotSupported;
  if (action != ZoneAction::kReset && config_.params.profile == Profile::kLinux)
    return ManageEachZone(action);
  if (action == ZoneAction::kOpen) return OpenAll();

  // Select All never touches conventional zones and never fails for
  // resources (ZNS 1.1 3.4.3; libzbc 01.148/01.149). Only zones it changes
  // are touched. No action changes an EMPTY zone, so only the others are visited.
  using C = ZoneCondition;
  for (uint32_t z : index_.non_empty()) {
    const C cond = zones_[z].cond;
    switch (action) {
      case ZoneAction::kClose:  // ZSIO/ZSEO -> ZSC (or EMPTY, see CloseZone)
        if (cond == C::kImplicitOpen || cond == C::kExplicitOpen) CloseZone(z, Trigger::kCloseAll);
        break;
      case ZoneAction::kFinish:  // ZSIO/ZSEO/ZSC -> ZSF; EMPTY zones are NOT finished
        if (is_active(cond)) FinishZone(z, Trigger::kFinishAll);
        break;
      case ZoneAction::kReset:  // ZSIO/ZSEO/ZSC/ZSF -> ZSE (null_blk reset-all skips E/RO/OFF)
        if (is_active(cond) || cond == C::kFull) ResetZone(z, Trigger::kResetAll);
        break;
      case ZoneAction::kOffline:  // ZSRO -> ZSO
        if (cond == C::kReadOnly) {
          EndSegment(z);
          zones_[z].data.Clear();
          Transition(z, C::kOffline, Trigger::kOfflineAll);
          BeginSegment(z);
        }
        break;
      case ZoneAction::kOpen:
        break;
    }
  }
  return ZoneStatus::kOk;
}

}  // namespace zonesim
