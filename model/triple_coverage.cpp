#include "model/triple_coverage.h"

#include <cstdio>

namespace zonesim {

std::string to_string(const Triple& t) {
  return std::string(to_string(t.cond)) + " " + std::string(to_string(t.op)) + " " +
         std::string(status_id(t.status));
}

std::optional<uint32_t> TripleZone(const Operation& op, const DeviceConfig& config) {
  if (op.offset >= config.size) return std::nullopt;
  const uint32_t z = config.zone_index(op.offset);
  switch (op.kind) {
    case OpKind::kRead:
    case OpKind::kWrite:
    case OpKind::kAppend:
      return z;
    case OpKind::kOpen:
    case OpKind::kClose:
    case OpKind::kFinish:
    case OpKind::kReset:
    case OpKind::kOffline:
      // One zone's range; a longer one is Select All (or refused by the host).
      if (op.length > config.zone_length(z)) return std::nullopt;
      return z;
    default:
      return std::nullopt;
  }
}

void TripleCoverage::Merge(const TripleCoverage& other) {
  for (const auto& [t, n] : other.counts_) counts_[t] += n;
}

uint64_t TripleCoverage::Count(const Triple& t) const {
  auto it = counts_.find(t);
  return it == counts_.end() ? 0 : it->second;
}

TripleSummary SummarizeTriples(const std::set<Triple>& reachable, const TripleCoverage& coverage) {
  TripleSummary s;
  s.total = reachable.size();
  for (const Triple& t : reachable) {
    if (coverage.Count(t) > 0) ++s.covered;
    else s.uncovered.push_back(to_string(t));
  }
  for (const auto& [t, n] : coverage.counts())
    if (n > 0 && !reachable.count(t)) s.unexpected.push_back(to_string(t));
  s.percent = s.total ? 100.0 * static_cast<double>(s.covered) / static_cast<double>(s.total) : 100.0;
  return s;
}

std::string TripleCoverageLine(const TripleSummary& s) {
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f", s.percent);
  return "covered " + std::to_string(s.covered) + "/" + std::to_string(s.total) + " triples (" + pct + "%)";
}

}  // namespace zonesim
