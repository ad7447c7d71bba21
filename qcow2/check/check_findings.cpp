// FindingSink and the small shared pieces of CheckContext.
#include <cstdio>

#include "qcow2/check/check_context.h"

namespace zonesim::check {

const char* OwnerName(Owner o) {
  switch (o) {
    case Owner::kNone: return "nothing";
    case Owner::kHeader: return "the header cluster";
    case Owner::kRefcountTable: return "the refcount table";
    case Owner::kL1: return "the L1 table";
    case Owner::kZonedmeta: return "the write-pointer table (zonedmeta)";
    case Owner::kSnapshotTable: return "the snapshot table";
    case Owner::kSnapshotL1: return "a snapshot's L1 table";
    case Owner::kBitmapDirectory: return "the bitmap directory";
    case Owner::kBitmapTable: return "a bitmap table";
    case Owner::kRefcountBlock: return "a refcount block";
    case Owner::kL2: return "an L2 table";
    case Owner::kData: return "a data cluster";
    case Owner::kCompressed: return "compressed data";
    case Owner::kBitmapData: return "bitmap data";
  }
  return "?";
}

void FindingSink::Add(std::string_view id, std::string message, std::vector<FindingValue> values, uint64_t count) {
  const RuleInfo& rule = Rule(id);
  if (rule.strict_only && !strict_) return;
  CheckCounts& n = report_->counts;
  switch (rule.severity) {
    case Severity::kError: n.errors += count; break;
    case Severity::kLeak: n.leaks += count; break;
    case Severity::kWarning: n.warnings += count; break;
  }
  const std::string key(rule.id == "check.unknown_rule" ? id : rule.id);
  if (listed_[key]++ >= kMaxFindingsPerId) {
    ++report_->omitted[key];
    return;
  }
  Finding f;
  f.id = key;
  f.severity = rule.severity;
  f.rule = std::string(rule.rule);
  f.message = std::move(message);
  f.values = std::move(values);
  f.count = count;
  report_->findings.push_back(std::move(f));
}

void FindingSink::Add(const qcow2::RuleViolation& v) {
  std::vector<FindingValue> values;
  for (const auto& [name, number] : v.values) values.push_back({name, number, ""});
  Add(v.id, v.message, std::move(values));
  if (Rule(v.id).stops_check) {
    report_->checked = false;
    if (report_->reason.empty()) report_->reason = v.message;
  }
}

qcow2::RuleSink FindingSink::Collector() {
  return [this](qcow2::RuleViolation v) {
    Add(v);
    return true;
  };
}

void FindingSink::StopCheck(std::string_view id, std::string message, std::vector<FindingValue> values) {
  report_->checked = false;
  if (report_->reason.empty()) report_->reason = message;
  Add(id, std::move(message), std::move(values));
}

bool CheckContext::Read(uint64_t offset, uint64_t n, uint8_t* out) {
  if (offset > file_size || n > file_size - offset) {
    findings.StopCheck("io.unreadable", "read of " + std::to_string(n) + " bytes at " + Hex(offset) +
                                            " goes past the end of the file (size " + std::to_string(file_size) + ")");
    return false;
  }
  Status s = file->Read(offset, n, out);
  if (!s.ok()) {
    findings.StopCheck("io.unreadable", s.message());
    return false;
  }
  return true;
}

bool CheckContext::Charge(uint64_t n) {
  visits += n;
  if (visits <= kVisitBudget) return true;
  if (!budget_exceeded) {
    budget_exceeded = true;
    findings.StopCheck("check.budget_exceeded", "more than " + std::to_string(kVisitBudget) +
                                                    " L1/L2 entries to walk; the tables reference the same clusters "
                                                    "over and over, the walk stopped");
  }
  walk_complete = false;
  return false;
}

void CheckContext::Conflict(uint64_t cluster, Owner first, Owner second, const std::string& what) {
  if (first == Owner::kZonedmeta) {
    zonedmeta_reuse.push_back({cluster, second, what});
    return;
  }
  const uint64_t off = cluster << cluster_bits;
  findings.Add("qcow2.cluster_overlap",
               "cluster " + Hex(off) + " is " + OwnerName(first) + " and also " + what + " (" + OwnerName(second) + ")",
               {{"cluster_offset", off, ""}, {"first", 0, OwnerName(first)}, {"second", 0, OwnerName(second)}});
}

}  // namespace zonesim::check
