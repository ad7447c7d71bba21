// ZoneModel device events outside the host's commands: power cycle (ZNS 1.1
// 2.1.1.3 initial state after an NVM Subsystem Reset or shutdown) and fault
// injection (ZNS 1.1 2.1.1.3.6-7: zones become READ ONLY or OFFLINE "by
// mechanisms outside the scope"; null_blk zone_readonly / zone_offline).
#include <vector>

#include "model/zone_model.h"

namespace zonesim {

void ZoneModel::PowerCycle() {
  BeginOperation();
  // A clean shutdown makes everything durable; what it changes is not a host write.
  history_.clear();
  loss_.clear();
  not_host_change_ = true;
  using C = ZoneCondition;
  // Only all_full changes an EMPTY zone; the other policies visit the zones
  // that are not EMPTY (O(touched zones), not O(zones)).
  std::vector<uint32_t> zones;
  if (config_.params.power_cycle == PowerCyclePolicy::kAllFull) {
    zones.reserve(zones_.size() - first_seq_);
    for (uint32_t z = first_seq_; z < zones_.size(); ++z) zones.push_back(z);
  } else {
    zones = index_.non_empty();
  }
  for (uint32_t z : zones) {
    ZoneState& s = zones_[z];
    const bool has_data = s.wp != start_of(z);
    switch (config_.params.power_cycle) {
      case PowerCyclePolicy::kCloseOpenZones:
        // ZNS 1.1 2.1.1.3 / QEMU nvme_zoned_ns_shutdown (nvme_clear_zone) /
        // tcmu-runner zbc_init_meta: IO, EO and C come back CLOSED if
        // something was written, EMPTY otherwise. F, RO, OFF unchanged.
        if (s.cond == C::kImplicitOpen || s.cond == C::kExplicitOpen)
          Transition(z, has_data ? C::kClosed : C::kEmpty, Trigger::kPowerCycle);
        else if (s.cond == C::kClosed && !has_data)
          Transition(z, C::kEmpty, Trigger::kPowerCycle);
        break;
      case PowerCyclePolicy::kKeep:
        // QEMU controller reset, libzbc fake backend: nothing changes.
        break;
      case PowerCyclePolicy::kWipeToEmpty:
        // null_blk null_add_dev / scsi_debug: zones rebuilt EMPTY, data gone.
        // READ ONLY and OFFLINE persist (a device fault survives power loss).
        if (s.cond == C::kReadOnly || s.cond == C::kOffline) break;
        s.wp = start_of(z);
        s.data.Clear();
        if (s.cond != C::kEmpty) Transition(z, C::kEmpty, Trigger::kPowerCycle);
        break;
      case PowerCyclePolicy::kAllFull:
        // null_blk zone_full=1: every zone FULL with wp = start + capacity.
        if (s.cond == C::kReadOnly || s.cond == C::kOffline) break;
        s.wp = cap_end(z);
        if (s.cond != C::kFull) Transition(z, C::kFull, Trigger::kPowerCycle);
        break;
    }
  }
  // The victim history (FIFO / LRU order, round-robin cursor) is volatile.
  RebuildVictimOrder();
  not_host_change_ = false;
}

ZoneStatus ZoneModel::Inject(ZoneFault fault, uint64_t zone_start) {
  BeginOperation();
  if (zone_start >= config_.size) return ZoneStatus::kLbaOutOfRange;
  if (zone_start % config_.zone_size != 0) return ZoneStatus::kInvalidField;
  const uint32_t z = config_.zone_index(zone_start);
  // null_blk zone_cond_store: conventional zones cannot be made RO/OFF.
  if (config_.is_conventional(z)) return ZoneStatus::kInvalidZoneStateTransition;

  // A device fault survives a power loss and is no host write: the zone's
  // state at the fault counts as durable (the zone leaves the history).
  history_.erase(z);
  not_host_change_ = true;
  ZoneStatus st = InjectFault(fault, z);
  not_host_change_ = false;
  return st;
}

ZoneStatus ZoneModel::InjectFault(ZoneFault fault, uint32_t z) {
  ZoneState& s = zones_[z];
  switch (fault) {
    case ZoneFault::kReadOnly:
      // ZNS 1.1 2.1.1.3.6: nothing leaves ZSO, so OFFLINE cannot become RO.
      if (s.cond == ZoneCondition::kOffline) return ZoneStatus::kInvalidZoneStateTransition;
      // Resources are freed (Transition); the data stays readable.
      Transition(z, ZoneCondition::kReadOnly, Trigger::kFaultReadOnly);
      return ZoneStatus::kOk;
    case ZoneFault::kOffline:
      // ZNS 1.1 2.1.1.3.7: an offline zone's data is gone; reads fail.
      s.data.Clear();
      Transition(z, ZoneCondition::kOffline, Trigger::kFaultOffline);
      return ZoneStatus::kOk;
  }
  return ZoneStatus::kInvalidField;
}

}  // namespace zonesim
