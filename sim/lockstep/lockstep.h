// LockstepChecker: runs each Operation on the reference model and on a device
// under test, and compares everything observable: the exact status, the append
// LBA, the data of every read, and after every operation the full zone report
// (condition, write pointer, capacity, type of every zone) and the open/active
// counts. Where the model's profile leaves a choice to the device (which
// implicitly open zone to close at the open limit, or failing instead), the
// checker accepts any legal choice, makes the model adopt the device's, and
// records that it did.
#pragma once

#include <cstdint>
#include <deque>
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

class LockstepChecker {
 public:
  // The model starts fresh from config; the device must be in the matching
  // initial state (a freshly created image).
  LockstepChecker(const DeviceConfig& config, Device* device, size_t history = 16);

  // How statuses are compared (exactly, unless the device speaks errnos only).
  void set_status_match(const StatusMatch& m) { status_match_ = m; }

  // Runs op on both. Returns false on divergence (and stops accepting work).
  bool Step(const Operation& op);

  const std::optional<Divergence>& divergence() const { return divergence_; }
  uint64_t steps() const { return steps_; }
  const std::map<OpKind, uint64_t>& op_counts() const { return op_counts_; }
  const std::map<ZoneStatus, uint64_t>& status_counts() const { return status_counts_; }
  uint64_t host_refusals() const { return host_refusals_; }
  uint64_t choices_adopted() const { return choices_adopted_; }
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
                                        const std::vector<ZoneReportEntry>& before,
                                        const std::vector<ZoneReportEntry>& device_after);
  bool Compare(const Operation& op, const OpOutcome& m, const OpOutcome& d);
  void Diverge(const Operation& op, const OpOutcome& m, const OpOutcome& d, std::string what);
  std::vector<ZoneReportEntry> FullReport(Device& dev);

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
  ZoneStatus last_model_status_ = ZoneStatus::kOk;
  std::string last_host_error_;
};

// What differs between two outcomes of the same operation: status, append
// LBA, read data, reported zones ("" when they agree).
std::string DescribeOutcomeDifference(const Operation& op, const OpOutcome& model,
                                      const OpOutcome& device, const StatusMatch& match = {});
// What differs between two devices' full zone reports and counters ("" when
// they agree).
std::string DescribeStateDifference(Device& model, Device& device);
// "CLOSED wp=0x... cap=0x... len=0x... type=..." and "open N (implicit I,
// explicit E), active A": how every report of a difference prints them.
std::string FormatZoneEntry(const ZoneReportEntry& e);
std::string FormatZoneCounts(const ZoneCounts& c);

}  // namespace zonesim
