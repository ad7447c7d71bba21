// Edges of the zone state machine and the record of which ones a run exercised.
// An edge is (from condition, trigger, to condition); the state graph
// (model/state_graph.h) lists the edges each profile allows, and the model
// records every edge it takes into an EdgeCoverage.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "zoned/zone_types.h"

namespace zonesim {

// What moved a zone from one condition to another.
enum class Trigger : uint8_t {
  kWrite,          // write at the write pointer (implicit open, or fill to FULL)
  kAppend,         // zone append
  kOpen,           // explicit open of one zone
  kClose,          // close of one zone
  kFinish,         // finish of one zone
  kReset,          // reset of one zone
  kOffline,        // ZNS Offline Zone action (READ ONLY -> OFFLINE)
  kOpenAll,        // the Select All / ALL bit forms
  kCloseAll,
  kFinishAll,
  kResetAll,
  kOfflineAll,
  kImplicitClose,  // the device closed an implicitly open zone to free an open resource
  kPowerCycle,
  kFaultReadOnly,  // device-internal event: zone became READ ONLY
  kFaultOffline,   // device-internal event: zone became OFFLINE
};

inline constexpr Trigger kAllTriggers[] = {
    Trigger::kWrite,      Trigger::kAppend,    Trigger::kOpen,          Trigger::kClose,
    Trigger::kFinish,     Trigger::kReset,     Trigger::kOffline,       Trigger::kOpenAll,
    Trigger::kCloseAll,   Trigger::kFinishAll, Trigger::kResetAll,      Trigger::kOfflineAll,
    Trigger::kImplicitClose, Trigger::kPowerCycle, Trigger::kFaultReadOnly, Trigger::kFaultOffline};

std::string_view to_string(Trigger t);  // "write", "open_all", "implicit_close", ...
std::optional<Trigger> trigger_from_string(std::string_view s);

struct Edge {
  ZoneCondition from;
  Trigger trigger;
  ZoneCondition to;
  auto operator<=>(const Edge&) const = default;
};

std::string to_string(const Edge& e);  // "EMPTY --write--> IMP_OPEN"

// Which edges a run took, and how often. Ordered, so output is deterministic.
class EdgeCoverage {
 public:
  void Record(const Edge& e) { ++counts_[e]; }
  void Merge(const EdgeCoverage& other);
  uint64_t Count(const Edge& e) const;
  const std::map<Edge, uint64_t>& counts() const { return counts_; }
  bool empty() const { return counts_.empty(); }

  // Text form, one edge per line: "EMPTY write IMP_OPEN 12".
  std::string Serialize() const;
  static Status Parse(std::string_view text, EdgeCoverage* out);

 private:
  std::map<Edge, uint64_t> counts_;
};

}  // namespace zonesim
