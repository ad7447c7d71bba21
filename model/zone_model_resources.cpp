// ZoneModel resource management: the open and active limits (ZNS 1.1 2.1.1.4
// "Zone Resources", ZBC-2 4.5.3.4.2 MAXIMUM NUMBER OF OPEN SWR ZONES) and the
// implicit close of an IMPLICIT OPEN zone when the open limit is reached
// (ZNS 1.1 2.1.1.4.1 "may transition ... ZSIO to ZSC"; QEMU
// nvme_zrm_auto_transition_zone; null_blk null_check_open /
// null_close_imp_open_zone; scsi_debug zbc_close_imp_open_zone).
#include "model/zone_model.h"

namespace zonesim {

bool ZoneModel::VictimOrderIsIndex() const {
  switch (config_.params.implicit_close) {
    case ImplicitClosePolicy::kLowestIndex:
    case ImplicitClosePolicy::kRoundRobin:
    case ImplicitClosePolicy::kAnyVictim:  // a concrete run picks like lowest_index
    case ImplicitClosePolicy::kFail:
      return true;
    case ImplicitClosePolicy::kOldestOpened:
    case ImplicitClosePolicy::kAny:  // a concrete run picks like oldest
    case ImplicitClosePolicy::kLeastRecentlyWritten:
      return false;
  }
  return true;
}

std::pair<uint64_t, uint32_t> ZoneModel::VictimKey(uint32_t z) const {
  return {VictimOrderIsIndex() ? uint64_t{z} : zones_[z].stamp, z};
}

void ZoneModel::RebuildVictimOrder() {
  // After a power cycle no history survives (the FIFO/LRU order lived in
  // volatile memory): zones still IMPLICIT OPEN (power_cycle=keep) are
  // re-stamped in zone-index order, as if they had been opened in that order.
  victims_.clear();
  for (uint32_t z : index_.members(ZoneCondition::kImplicitOpen)) {
    zones_[z].stamp = ++clock_;
    victims_.insert(VictimKey(z));
  }
  rr_cursor_ = first_seq_;
}

std::optional<uint32_t> ZoneModel::PolicyVictim() const {
  if (victims_.empty()) return std::nullopt;
  switch (config_.params.implicit_close) {
    case ImplicitClosePolicy::kFail:
      return std::nullopt;
    case ImplicitClosePolicy::kRoundRobin: {
      // null_close_imp_open_zone: scan from the cursor, wrapping around.
      auto it = victims_.lower_bound({rr_cursor_, 0});
      if (it == victims_.end()) it = victims_.begin();
      return it->second;
    }
    default:
      // The head of the order: lowest index, oldest entry into IO, or least
      // recently written, depending on the key (VictimKey).
      return victims_.begin()->second;
  }
}

std::vector<uint32_t> ZoneModel::ImplicitCloseCandidates() const {
  std::vector<uint32_t> out;
  switch (config_.params.implicit_close) {
    case ImplicitClosePolicy::kFail:
      break;
    case ImplicitClosePolicy::kAny:
    case ImplicitClosePolicy::kAnyVictim:
      // The standard leaves the victim to the device: every IO zone may go.
      for (const auto& key : victims_) out.push_back(key.second);
      break;
    default:
      if (auto v = PolicyVictim()) out.push_back(*v);
      break;
  }
  return out;
}

bool ZoneModel::ImplicitCloseMayFail() const {
  // ZNS 1.1 2.1.1.4.1: the controller "may" close a zone, so failing with
  // Too Many Open Zones is also allowed. ZBC-2 (any_victim) and the concrete
  // emulators close a zone whenever one is IMPLICIT OPEN.
  const ImplicitClosePolicy p = config_.params.implicit_close;
  return p == ImplicitClosePolicy::kAny || p == ImplicitClosePolicy::kFail;
}

void ZoneModel::SetNextImplicitClose(const ImplicitCloseChoice& choice) { next_choice_ = choice; }

std::optional<uint32_t> ZoneModel::ChooseVictim() const {
  if (victims_.empty()) return std::nullopt;
  // An override is followed only when it names an allowed outcome; anything
  // else is ignored and the policy decides (documented in zone_model.h).
  switch (active_choice_.kind) {
    case ImplicitCloseChoice::Kind::kFail:
      if (ImplicitCloseMayFail()) return std::nullopt;
      break;
    case ImplicitCloseChoice::Kind::kCloseZone: {
      const ImplicitClosePolicy p = config_.params.implicit_close;
      const uint32_t z = active_choice_.zone;
      const bool any = p == ImplicitClosePolicy::kAny || p == ImplicitClosePolicy::kAnyVictim;
      if (any && z < zones_.size() && zones_[z].cond == ZoneCondition::kImplicitOpen) return z;
      break;
    }
    case ImplicitCloseChoice::Kind::kFollowPolicy:
      break;
  }
  return PolicyVictim();
}

void ZoneModel::ImplicitlyClose(uint32_t victim) {
  // IO -> C keeps the active resource and frees the open one (ZNS 1.1
  // 2.1.1.3.2; null_blk null_close_imp_open_zone).
  Transition(victim, ZoneCondition::kClosed, Trigger::kImplicitClose);
  rr_cursor_ = victim + 1 < zones_.size() ? victim + 1 : first_seq_;
  last_implicit_close_ = victim;
}

ZoneStatus ZoneModel::AcquireResources(uint32_t target, ResourceUse use) {
  const ZoneParams& p = config_.params;
  const uint32_t max_open = OpenLimit();
  const uint32_t max_active = config_.max_active_zones;
  const ZoneCondition cond = zones_[target].cond;
  auto open = [this] { return implicit_open_ + explicit_open_; };
  auto active = [this] { return implicit_open_ + explicit_open_ + closed_; };

  // An explicit open may close another zone only when the profile says so.
  const bool may_close = use != ResourceUse::kExplicitOpen || p.implicit_close_on_explicit_open;
  // EMPTY -> open takes an active resource; CLOSED already holds one. Finish
  // of EMPTY needs one only in null_blk (null_finish_zone -> null_check_active).
  const bool need_active = cond == ZoneCondition::kEmpty &&
                           (use != ResourceUse::kFinish || p.finish_empty_requires_active);

  // 1. QEMU nvme_zrm_auto_transition_zone: at the open limit, close a victim
  //    before checking anything; the close stays even if a check below fails.
  if (p.implicit_close_before_resource_check && may_close && max_open != 0 &&
      open() >= max_open) {
    if (auto v = ChooseVictim()) ImplicitlyClose(*v);
  }

  // 2. Active limit first (QEMU nvme_aor_check, null_blk null_check_active):
  //    ZNS Too Many Active Zones (BDh), null_blk EOVERFLOW.
  if (need_active && max_active != 0 && active() >= max_active)
    return ZoneStatus::kTooManyActiveZones;

  // 3. Open limit: ZNS Too Many Open Zones (BEh), ZBC DP 55/0E, ETOOMANYREFS.
  if (max_open != 0 && open() >= max_open) {
    if (!may_close) return ZoneStatus::kTooManyOpenZones;
    std::optional<uint32_t> victim = ChooseVictim();
    if (!victim) return ZoneStatus::kTooManyOpenZones;
    // null_blk null_check_open: a CLOSED zone is refused when the active limit
    // is also reached, although swapping would keep the active count.
    if (cond == ZoneCondition::kClosed && !p.swap_closed_when_active_full && max_active != 0 &&
        active() >= max_active)
      return ZoneStatus::kTooManyOpenZones;
    ImplicitlyClose(*victim);
  }
  return ZoneStatus::kOk;
}

}  // namespace zonesim
