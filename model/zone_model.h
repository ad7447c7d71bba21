// ZoneModel: the executable reference semantics of a zoned block device.
//
// A plain value type (copyable; a copy is an independent device) holding the
// configuration and per-zone state, with one function per operation returning a
// ZoneStatus. No I/O, no clocks, no randomness. Every rule cites the standard
// text it comes from (NVMe ZNS 1.1, T10 ZBC-2) or the implementation behaviour
// a profile follows (null_blk, QEMU), see ../shared/spec/zone-semantics.md.
//
// Offsets and lengths are bytes; they must be multiples of the logical block
// size. Data is remembered as Payload extents, so reads can be checked exactly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <set>
#include <utility>
#include <vector>

#include "zoned/device_config.h"
#include "model/edge_coverage.h"
#include "zoned/payload.h"
#include "model/zone_data.h"
#include "model/zone_history.h"
#include "model/zone_index.h"
#include "zoned/zone_status.h"
#include "zoned/zone_report.h"
#include "zoned/zone_types.h"

namespace zonesim {

// How the next operation that needs an implicit close must resolve it, when the
// profile leaves the choice to the device (ImplicitClosePolicy kAny/kAnyVictim).
// Used by the lockstep checker to adopt the choice the device under test made.
// One state a zone may come back in after a power loss (PowerLoss below):
// the zone's history since the last flush cut at `wp` inside `segment`, then
// the power-cycle rules applied (`cond`).
struct RecoveredState {
  uint32_t segment = 0;
  uint64_t wp = 0;  // internal write pointer
  ZoneCondition cond = ZoneCondition::kEmpty;
};

struct ImplicitCloseChoice {
  enum class Kind : uint8_t { kFollowPolicy, kCloseZone, kFail };
  Kind kind = Kind::kFollowPolicy;
  uint32_t zone = 0;  // with kCloseZone
};

class ZoneModel {
 public:
  // The configuration must have passed DeviceConfig::Validate().
  explicit ZoneModel(const DeviceConfig& config);

  const DeviceConfig& config() const { return config_; }

  // Data operations. Read() accepts out == nullptr (checks only, no data).
  ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out) const;
  ZoneStatus Write(uint64_t offset, uint64_t length, const Payload& data);
  // Zone append to the zone starting at zone_start; *assigned gets the byte
  // offset where the data landed.
  ZoneStatus Append(uint64_t zone_start, uint64_t length, const Payload& data, uint64_t* assigned);
  ZoneStatus Flush();

  // Zone management: one zone (zone_start must be a zone start) or Select All
  // (linux profile: Select All only for reset; open/close/finish of the whole
  // device are the per-zone command on every zone, as the block layer issues
  // them).
  ZoneStatus Manage(ZoneAction action, uint64_t zone_start);
  ZoneStatus ManageAll(ZoneAction action);

  // REPORT ZONES from the zone containing offset, at most max_zones entries
  // (0 = no limit) that match the filter. *partial (optional) is set when more
  // matching zones exist past the last one returned.
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                    std::vector<ZoneReportEntry>* out, bool* partial = nullptr) const;

  // Power loss and restart, per ZoneParams::power_cycle. A power cycle is a
  // clean shutdown: everything is durable.
  void PowerCycle();

  // Power loss that may lose what was not durable (issue 15;
  // zone_model_power_loss.cpp has the rules and their sources). The model
  // comes back as after PowerCycle() with everything kept (one allowed
  // state) and remembers, until EndPowerLoss() or the next PowerCycle,
  // PowerLoss or Flush, every state the zones changed since the last flush
  // may come back in. The checker asks, per zone of PowerLossZones(), which
  // of those states a device's report entry can be, and adopts the one the
  // device's data shows.
  void PowerLoss();
  // The zones a power loss may have changed (changed since the last flush), ascending.
  std::vector<uint32_t> PowerLossZones() const;
  // The allowed states of sequential zone z that report as `entry`, the
  // newest (most kept) first; empty when the entry is not allowed.
  std::vector<RecoveredState> PowerLossStates(uint32_t z, const ZoneReportEntry& entry) const;
  // Why no allowed state reports as `entry`, naming the rule broken:
  // "flushed data lost (zone N: wp 0x.. below the durable wp 0x..)", ...
  std::string PowerLossRefusal(uint32_t z, const ZoneReportEntry& entry) const;
  // The end of the bytes of zone z a power loss may have changed: the
  // highest write pointer it had since the flush (capped at the zone end).
  uint64_t PowerLossReadEnd(uint32_t z) const;
  // Makes zone z the given state (one PowerLossStates returned). Returns
  // whether that state lost something (differs from keeping everything).
  bool AdoptPowerLossState(uint32_t z, const RecoveredState& state);
  // Conventional zone z: `bytes` is what the device reads in the whole zone.
  // Each block written since the flush may come back as any version it held
  // since the flush (the flushed one or any write's, whole: the logical
  // block is the atomic unit); the model adopts the device's version of each.
  // Returns "" or why a block matches no version; *lost counts the blocks
  // that came back older than the last write.
  std::string AdoptConventionalData(uint32_t z, const uint8_t* bytes, uint64_t* lost);
  // The adopted states are durable now: forget the loss.
  void EndPowerLoss();
  // Device-internal events (fault injection). Conventional zones refuse.
  ZoneStatus Inject(ZoneFault fault, uint64_t zone_start);

  // Inspection.
  ZoneCounts counts() const;
  ZoneReportEntry zone(uint32_t index) const;
  uint32_t nr_zones() const;
  // The internal write pointer (unlike zone().wp, not normalised for FULL,
  // READ ONLY or OFFLINE zones): start + bytes written, or start + len(z)
  // after a finish.
  uint64_t internal_wp(uint32_t index) const;
  // Extents the zone's data is remembered as (empty for unwritten zones).
  const ZoneData& zone_data(uint32_t index) const;

  // Choices left to the device: zones the next implicit close may pick (in the
  // order the configured policy would pick them) and whether failing instead is
  // allowed. The next operation that needs an implicit close follows `choice`.
  //
  // For the deterministic policies (oldest, lowest_index, round_robin,
  // least_recently_written) the candidate list has exactly the one zone the
  // policy picks; for kAny / kAnyVictim it lists every IMPLICIT OPEN zone; for
  // kFail it is empty. Failing is allowed for kAny and kFail only.
  //
  // A choice is honoured only if it is one of those allowed outcomes at the
  // moment the implicit close happens (kCloseZone of a candidate, kFail when
  // ImplicitCloseMayFail()); any other choice is IGNORED and the configured
  // policy decides. The choice lasts for the next state-changing call (Write,
  // Append, Flush, Manage, ManageAll, PowerCycle, Inject) and is then dropped,
  // whether or not that call needed an implicit close.
  std::vector<uint32_t> ImplicitCloseCandidates() const;
  bool ImplicitCloseMayFail() const;
  void SetNextImplicitClose(const ImplicitCloseChoice& choice);
  // Whether the last operation performed an implicit close, and of which zone.
  std::optional<uint32_t> last_implicit_close() const;

  // The zones not in their initial state (a sequential zone EMPTY, which in
  // the model always means at its start; a conventional zone NOT_WP),
  // ascending: the conventional zones with a fault, then the index's
  // non-EMPTY sequential zones. O(conventional zones + zones / 64 + result).
  void ZonesNotInitial(std::vector<uint32_t>* out) const;

  const EdgeCoverage& coverage() const;
  // The sequential zones by condition (EMPTY by complement), kept by
  // Transition: lets callers find zones in a condition without a scan.
  const ZoneIndex& index() const { return index_; }

 private:
  // What a zone is about to do that may need resources (Resource check in
  // the semantics contract).
  enum class ResourceUse : uint8_t { kWrite, kExplicitOpen, kFinish };

  // 24 bytes: the per-zone budget for devices with millions of zones (issue
  // 14: at most 32 bytes per unwritten zone, the condition index included).
  // The stamp shares a word with the condition: 56 bits of operations outlast
  // any run (2^56 at a billion operations a second is two years).
  struct ZoneState {
    uint64_t wp = 0;        // internal write pointer (absolute byte offset)
    ZoneData data;          // what was written; empty when unwritten
    uint64_t stamp : 56 = 0;  // victim order key for the oldest / least_recently_written policies
    ZoneCondition cond : 8 = ZoneCondition::kEmpty;
  };
  static_assert(sizeof(ZoneState) <= 24);

  // zone_model.cpp: the one place a zone's condition changes.
  void Transition(uint32_t z, ZoneCondition to, Trigger trigger);
  // Start of every state-changing call: takes the pending implicit-close
  // choice and forgets the previous call's implicit close.
  void BeginOperation();
  uint64_t start_of(uint32_t z) const { return config_.zone_start(z); }
  uint64_t cap_end(uint32_t z) const { return start_of(z) + config_.zone_capacity_of(z); }
  ZoneReportEntry Describe(uint32_t z) const;
  ZoneReportEntry DescribeState(uint32_t z, ZoneCondition cond, uint64_t wp) const;
  void DescribeInto(uint32_t z, ZoneCondition cond, uint64_t wp, ZoneReportEntry& e) const;

  ZoneStatus InjectFault(ZoneFault fault, uint32_t z);  // zone_model_events.cpp
  // zone_model_power_loss.cpp: the history since the last flush.
  ZoneHistory& Touch(uint32_t z);          // first change since the flush: remember its state
  void EndSegment(uint32_t z);             // before a reset / finish / offline
  void BeginSegment(uint32_t z);           // after it
  void RecordConventionalWrite(uint32_t z, const Extent& e);
  // The condition and write pointer a zone in (cond, wp) has after a power
  // cycle (ZoneParams::power_cycle).
  std::pair<ZoneCondition, uint64_t> AfterPowerCycle(uint32_t z, ZoneCondition cond, uint64_t wp) const;
  std::vector<uint32_t> AllowedSegments(const ZoneHistory& h) const;

  // zone_model_resources.cpp: open/active limits and implicit close.
  ZoneStatus AcquireResources(uint32_t target, ResourceUse use);
  // The open limit enforced (0 = none): max_open_zones, except when it is
  // given without max_active_zones and params.open_limit_alone is false.
  uint32_t OpenLimit() const {
    return config_.max_active_zones == 0 && !config_.params.open_limit_alone ? 0 : config_.max_open_zones;
  }
  std::optional<uint32_t> ChooseVictim() const;
  std::optional<uint32_t> PolicyVictim() const;
  void ImplicitlyClose(uint32_t victim);
  std::pair<uint64_t, uint32_t> VictimKey(uint32_t z) const;
  bool VictimOrderIsIndex() const;
  void RebuildVictimOrder();

  // zone_model_io.cpp: the write path shared by Write and Append.
  ZoneStatus CheckSequentialWrite(uint32_t z, uint64_t offset, uint64_t length,
                                  bool is_append) const;
  void ApplyWrite(uint32_t z, uint64_t offset, uint64_t length, const Payload& data,
                  uint64_t payload_offset, Trigger trigger);

  // zone_model_manage.cpp: one action on one sequential zone.
  ZoneStatus ManageZone(ZoneAction action, uint32_t z);
  void CloseZone(uint32_t z, Trigger trigger);
  void FinishZone(uint32_t z, Trigger trigger);
  void ResetZone(uint32_t z, Trigger trigger);
  ZoneStatus OpenAll();
  ZoneStatus ManageEachZone(ZoneAction action);  // linux: whole-device open/close/finish

  DeviceConfig config_;
  std::vector<ZoneState> zones_;
  ZoneIndex index_;
  uint32_t first_seq_ = 0;  // index of the first sequential zone
  uint32_t implicit_open_ = 0, explicit_open_ = 0, closed_ = 0;  // the counters
  // IMPLICIT OPEN zones in the order the policy picks victims: keyed by zone
  // index (lowest_index, round_robin, any_victim, fail) or by stamp (oldest,
  // any, least_recently_written). O(log open zones) per change.
  std::set<std::pair<uint64_t, uint32_t>> victims_;
  uint64_t clock_ = 0;       // logical time for stamps (operations, never wall-clock)
  uint32_t rr_cursor_ = 0;   // round_robin: where the next victim search starts
  ImplicitCloseChoice next_choice_;    // set by SetNextImplicitClose, for the next call
  ImplicitCloseChoice active_choice_;  // the choice the running call follows
  std::optional<uint32_t> last_implicit_close_;
  EdgeCoverage coverage_;
  // Zones changed since the last completed Flush (O(zones touched)).
  ZoneHistories history_;
  // After PowerLoss: the histories at the loss, until EndPowerLoss.
  std::map<uint32_t, ZoneHistory> loss_;
  // Set while a power cycle, an injected fault or an adoption runs: those
  // changes are not host writes to remember (and adoption records no edge).
  bool not_host_change_ = false;
  bool adopting_ = false;
};

}  // namespace zonesim
