// LockstepChecker: runs each Operation on the reference model and on a device
// under test, and compares everything observable: the exact status, the append
// LBA, the data of every read, the open/active counts, and after every
// operation the zones it can have changed (the zones it addressed, the zone an
// implicit close picked; for Select All every zone that is not EMPTY before or
// after). A complete comparison (condition, write pointer, capacity, type)
// runs at every power cycle and every `full_compare_every` operations, so a
// device that changes a zone the operation did not address is still found,
// at the next complete comparison; the cost of one step does not grow with
// the number of zones (issue 14). When both devices account for the zones
// they hold in other than their initial state (Device::ZonesNotInitial),
// the complete comparison compares those zones of both, plus a rotating
// window of kCompareWindow others (so a device that reports an untouched
// zone wrongly is still found); otherwise it compares every zone. Finish()
// compares every zone, whatever the devices account for: once per run, a
// bookkeeping bug in either device cannot hide. Where the model's profile leaves a choice to the device (which
// implicitly open zone to close at the open limit, or failing instead), the
// checker accepts any legal choice, makes the model adopt the device's, and
// records that it did.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zoned/device.h"
#include "sim/devices/model_device.h"
#include "sim/exec/op_outcome.h"
#include "sim/lockstep/status_match.h"
#include "zoned/operation.h"

namespace zonesim {

struct ZoneDifference {
  uint32_t zone = 0;
  ZoneReportEntry model;
  ZoneReportEntry device;
};

struct Divergence {
  uint64_t index = 0;  // 0-based index of the operation in the run
  Operation op;
  OpOutcome model;
  OpOutcome device;
  std::string what;  // "status differs", "read data differs at offset 0x...", ...
  std::vector<ZoneDifference> zones;
  ZoneCounts model_counts;
  ZoneCounts device_counts;
  // The last operations that touched the differing zones (or any, if none differ).
  std::vector<std::pair<uint64_t, Operation>> history;
};

// A choice the device made that the model's profile allowed.
struct AdoptedChoice {
  uint64_t index = 0;
  std::string description;  // "closed zone 5 (model would close zone 3)"
};

// What a structural check of the device's image found (sim/gate sets it up
// for zonesim's own qcow2 device): corruption is a divergence, leaks are a
// finding of the implementation. One "id: message" line each.
struct ImageProblems {
  std::string corruption;
  std::string leaks;
  uint64_t leaked_clusters = 0;
};

// The default interval between complete comparisons: one zone in 64 per
// operation, so the amortised cost of the complete comparison stays a small
// fraction of a step at any zone count (1 up to 64 zones: every operation).
uint64_t DefaultFullCompareInterval(const DeviceConfig& config);

class LockstepChecker {
 public:
  // The model starts fresh from config; the device must be in the matching
  // initial state (a freshly created image). full_compare_every: compare every
  // zone after every N-th operation (1 = after every operation; 0 = the
  // default, DefaultFullCompareInterval).
  LockstepChecker(const DeviceConfig& config, Device* device, size_t history = 16,
                  uint64_t full_compare_every = 0);

  // How statuses are compared (exactly, unless the device speaks errnos only).
  void set_status_match(const StatusMatch& m) { status_match_ = m; }
  // Run after every power loss, once the device is back (a structural check
  // of its image); unset: none.
  void set_power_loss_check(std::function<ImageProblems()> check) {
    power_loss_check_ = std::move(check);
  }

  // Runs op on both. Returns false on divergence (and stops accepting work).
  bool Step(const Operation& op);
  // The complete comparison at the end of a run (a no-op when the last step
  // already made one). Returns false on divergence.
  bool Finish();

  uint64_t full_compare_every() const { return full_compare_every_; }
  uint64_t full_compares() const { return full_compares_; }

  const std::optional<Divergence>& divergence() const { return divergence_; }
  uint64_t steps() const { return steps_; }
  const std::map<OpKind, uint64_t>& op_counts() const { return op_counts_; }
  const std::map<ZoneStatus, uint64_t>& status_counts() const { return status_counts_; }
  uint64_t host_refusals() const { return host_refusals_; }
  uint64_t choices_adopted() const { return choices_adopted_; }
  // Power losses run, and zones whose recovered state lost something the
  // model allowed to be lost (the model adopted the device's state).
  uint64_t power_losses() const { return power_losses_; }
  uint64_t states_adopted() const { return states_adopted_; }
  // Leaks the power-loss check found ("" when none), the first one's lines.
  // Clusters leaked by the last power loss: crash residue (what qemu-img
  // check calls leaked clusters: wasted space, no data at risk), so it is
  // counted, not a finding. Leaks found later than that are findings
  // (fuzz_campaign.cpp).
  uint64_t crash_leaked_clusters() const { return crash_leaked_clusters_; }
  const std::vector<AdoptedChoice>& adopted_samples() const { return adopted_samples_; }
  const ZoneModel& model() const { return model_.model(); }
  // The model's answer to the last Step (replay counts the workload's own
  // zone-rule violations from it): its status, and the host's refusal text
  // when the host refused a zone-management range before the model saw it.
  ZoneStatus last_model_status() const { return last_model_status_; }
  const std::string& last_host_error() const { return last_host_error_; }

  // Human-readable divergence report (operation, both outcomes, differing
  // zones, history). Uses script syntax for operations.
  static std::string FormatDivergence(const Divergence& d, const DeviceConfig& config);

 private:
  bool ImplicitCloseChoicePossible(const Operation& op) const;
  ImplicitCloseChoice InferDeviceChoice(const Operation& op, const OpOutcome& device_outcome,
                                        const std::vector<uint32_t>& candidates);
  // The zones op can change on the model (besides an implicit close), taken
  // before it runs, ascending; `all` for a power cycle.
  std::vector<uint32_t> ZonesToCompare(const Operation& op, bool* all) const;
  bool Compare(const Operation& op, const OpOutcome& m, const OpOutcome& d,
               std::vector<uint32_t> zones, bool full);
  // every_zone: compare every zone even when both devices account for the
  // zones they changed (Finish).
  bool FullCompare(const Operation& op, const OpOutcome& m, const OpOutcome& d, bool every_zone = false);
  // After a power loss: every zone changed since the last flush must be in a
  // state the model allows; the model adopts it (sim/lockstep/power_loss_check.cpp).
  bool CheckPowerLoss(const Operation& op, const OpOutcome& m, const OpOutcome& d);
  std::string CheckRecoveredZone(uint32_t z);
  std::string CheckRecoveredConventionalZone(uint32_t z);
  std::string CompareReadBack(uint32_t z, uint64_t from, uint64_t to, uint64_t wp);
  void Diverge(const Operation& op, const OpOutcome& m, const OpOutcome& d, std::string what);

  DeviceConfig config_;
  StatusMatch status_match_;
  ModelDevice model_;
  Device* device_;
  size_t history_size_;
  std::deque<std::pair<uint64_t, Operation>> history_;
  std::optional<Divergence> divergence_;
  uint64_t steps_ = 0;
  std::map<OpKind, uint64_t> op_counts_;
  std::map<ZoneStatus, uint64_t> status_counts_;
  uint64_t host_refusals_ = 0;
  uint64_t choices_adopted_ = 0;
  std::vector<AdoptedChoice> adopted_samples_;
  std::function<ImageProblems()> power_loss_check_;
  uint64_t power_losses_ = 0;
  uint64_t states_adopted_ = 0;
  uint64_t crash_leaked_clusters_ = 0;
  ZoneStatus last_model_status_ = ZoneStatus::kOk;
  std::string last_host_error_;
  uint64_t full_compare_every_ = 1;
  uint64_t full_compares_ = 0;
  uint64_t last_full_at_ = 0;  // steps_ at the last complete comparison
  uint32_t window_ = 0;        // first zone of the next complete comparison's rotating window
  // The last step, for a divergence found by Finish(): its operation and its
  // outcomes (kept from step to step, so their read buffers are reused).
  Operation last_op_;
  OpOutcome step_model_, step_device_;
};

// What differs between two outcomes of the same operation: status, append
// LBA, read data, reported zones ("" when they agree).
std::string DescribeOutcomeDifference(const Operation& op, const OpOutcome& model,
                                      const OpOutcome& device, const StatusMatch& match = {});
// What differs between two devices' full zone reports and counters ("" when
// they agree). Compares in bounded chunks: no full report is materialised.
std::string DescribeStateDifference(Device& model, Device& device);
// What a complete comparison finds when both devices account for their
// changed zones (Device::ZonesNotInitial): the zones either names and the
// window [window, window + kCompareWindow) of the others (wrapping), then
// the counters. nullopt when a device keeps no such account.
constexpr uint32_t kCompareWindow = 4096;
std::optional<std::string> DescribeAccountedDifference(Device& model, Device& device, uint32_t window);
// The same for the given zones only (ascending, no duplicates), then the counters.
std::string DescribeZonesDifference(Device& model, Device& device,
                                   const std::vector<uint32_t>& zones);
// The zones of [first, last] that differ between the two devices (with both
// entries), compared in bounded chunks; at most `limit` of them (0: all).
std::vector<ZoneDifference> DifferingZones(Device& model, Device& device, uint32_t first,
                                           uint32_t last, size_t limit);
// "CLOSED wp=0x... cap=0x... len=0x... type=..." and "open N (implicit I,
// explicit E), active A": how every report of a difference prints them.
std::string FormatZoneEntry(const ZoneReportEntry& e);
std::string FormatZoneCounts(const ZoneCounts& c);

}  // namespace zonesim
