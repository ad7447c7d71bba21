// Coverage of (condition, operation, outcome) triples: the condition of the
// zone an operation addresses just before it runs, the operation's kind, and
// the status the model answered. Edges (model/edge_coverage.h) say which
// transitions a run took; triples also say which refusals it provoked in
// which condition (a write to a FULL zone, an open of a CLOSED zone at the
// open limit, an append to a conventional zone...), which edges cannot show
// because a refused operation changes nothing.
//
// Only operations addressed to one zone count: read, write, append and the
// single-zone forms of open, close, finish, reset and offline. Select All,
// report, flush, power cycles and injected faults have no one zone (their
// effects are edges); a range the host refuses before the device sees it is
// not a device outcome either.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zoned/device_config.h"
#include "zoned/operation.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zonesim {

struct Triple {
  ZoneCondition cond;
  OpKind op;
  ZoneStatus status;
  auto operator<=>(const Triple&) const = default;
};

std::string to_string(const Triple& t);  // "FULL write zone_is_full"

// The zone a triple is about, or nothing when op is not addressed to one
// zone (see above).
std::optional<uint32_t> TripleZone(const Operation& op, const DeviceConfig& config);

class TripleCoverage {
 public:
  void Record(const Triple& t) { ++counts_[t]; }
  void Merge(const TripleCoverage& other);
  uint64_t Count(const Triple& t) const;
  const std::map<Triple, uint64_t>& counts() const { return counts_; }

 private:
  std::map<Triple, uint64_t> counts_;
};

struct TripleSummary {
  size_t covered = 0;                   // reachable triples with a count > 0
  size_t total = 0;                     // reachable triples
  double percent = 0.0;                 // 100 * covered / total
  std::vector<std::string> uncovered;   // reachable, never recorded, sorted
  std::vector<std::string> unexpected;  // recorded, not in the reachable set, sorted
};

TripleSummary SummarizeTriples(const std::set<Triple>& reachable, const TripleCoverage& coverage);

// "covered 40/44 triples (90.9%)"
std::string TripleCoverageLine(const TripleSummary& s);

}  // namespace zonesim
