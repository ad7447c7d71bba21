#include "sim/lockstep/lockstep.h"

#include <algorithm>
#include <cstdio>

#include "common/hex.h"
#include "zoned/script.h"

namespace zonesim {

namespace {


// Operations that may need an open resource, and so an implicit close.
bool MayImplicitlyClose(OpKind k) {
  return k == OpKind::kWrite || k == OpKind::kAppend || k == OpKind::kOpen || k == OpKind::kFinish;
}

}  // namespace

std::string FormatZoneEntry(const ZoneReportEntry& e) {
  return std::string(to_string(e.cond)) + " wp=" + Hex(e.wp) + " cap=" + Hex(e.capacity) +
         " len=" + Hex(e.length) + " type=" + std::string(to_string(e.type));
}

std::string FormatZoneCounts(const ZoneCounts& c) {
  return "open " + std::to_string(c.open()) + " (implicit " + std::to_string(c.implicit_open) +
         ", explicit " + std::to_string(c.explicit_open) + "), active " + std::to_string(c.active());
}

LockstepChecker::LockstepChecker(const DeviceConfig& config, Device* device, size_t history)
    : config_(config), model_(config), device_(device), history_size_(history) {}

std::vector<ZoneReportEntry> LockstepChecker::FullReport(Device& dev) {
  std::vector<ZoneReportEntry> out;
  bool partial = false;
  dev.Report(0, 0, ReportFilter::kAll, &out, &partial);
  return out;
}

bool LockstepChecker::ImplicitCloseChoicePossible(const Operation& op) const {
  // Only the non-deterministic policies leave a choice; the others are followed exactly.
  ImplicitClosePolicy p = config_.params.implicit_close;
  if (p != ImplicitClosePolicy::kAny && p != ImplicitClosePolicy::kAnyVictim) return false;
  if (!MayImplicitlyClose(op.kind) || config_.max_open_zones == 0) return false;
  return model_.model().counts().open() >= config_.max_open_zones;
}

ImplicitCloseChoice LockstepChecker::InferDeviceChoice(const Operation& op,
                                                       const OpOutcome& device_outcome,
                                                       const std::vector<ZoneReportEntry>& before,
                                                       const std::vector<ZoneReportEntry>& after) {
  ImplicitCloseChoice choice;  // follow the policy unless the device shows otherwise
  const ZoneModel& m = model_.model();
  std::vector<uint32_t> candidates = m.ImplicitCloseCandidates();
  uint32_t target = op.offset < config_.size ? config_.zone_index(op.offset) : UINT32_MAX;
  // A zone the model holds implicitly open that the device now reports CLOSED,
  // other than the target, is the device's victim.
  for (uint32_t z = 0; z < before.size() && z < after.size(); ++z) {
    if (z == target) continue;
    if (before[z].cond == ZoneCondition::kImplicitOpen && after[z].cond == ZoneCondition::kClosed &&
        std::find(candidates.begin(), candidates.end(), z) != candidates.end()) {
      choice.kind = ImplicitCloseChoice::Kind::kCloseZone;
      choice.zone = z;
      if (!candidates.empty() && candidates.front() != z) {
        ++choices_adopted_;
        if (adopted_samples_.size() < 8)
          adopted_samples_.push_back({steps_, "device closed zone " + std::to_string(z) +
                                                  " (the model's policy would close zone " +
                                                  std::to_string(candidates.front()) + ")"});
      }
      return choice;
    }
  }
  if (device_outcome.status == ZoneStatus::kTooManyOpenZones && m.ImplicitCloseMayFail()) {
    choice.kind = ImplicitCloseChoice::Kind::kFail;
    ++choices_adopted_;
    if (adopted_samples_.size() < 8)
      adopted_samples_.push_back(
          {steps_, "device failed with Too Many Open Zones instead of closing a zone"});
  }
  return choice;
}

bool LockstepChecker::Step(const Operation& op) {
  if (divergence_) return false;
  const uint64_t index = steps_;
  history_.emplace_back(index, op);
  if (history_.size() > history_size_) history_.pop_front();
  ++op_counts_[op.kind];

  OpOutcome d, m;
  if (ImplicitCloseChoicePossible(op)) {
    // Run the device first, read off its choice, and let the model adopt it.
    std::vector<ZoneReportEntry> before = FullReport(model_);
    d = ApplyOperation(*device_, op);
    std::vector<ZoneReportEntry> after = FullReport(*device_);
    model_.model().SetNextImplicitClose(InferDeviceChoice(op, d, before, after));
    m = ApplyOperation(model_, op);
  } else {
    m = ApplyOperation(model_, op);
    d = ApplyOperation(*device_, op);
  }
  ++steps_;
  last_model_status_ = m.status;
  last_host_error_ = m.host_error;
  if (!m.host_error.empty()) ++host_refusals_;
  else ++status_counts_[m.status];
  return Compare(op, m, d);
}

std::string DescribeOutcomeDifference(const Operation& op, const OpOutcome& m,
                                      const OpOutcome& d, const StatusMatch& match) {
  if (!d.device_error.empty()) return "the device failed: " + d.device_error;
  if (m.host_error != d.host_error) return "status differs";
  if (std::string s = DescribeStatusDifference(m.status, d.status, match); !s.empty()) return s;
  if (op.kind == OpKind::kAppend && m.assigned != d.assigned) return "append LBA differs";
  if (op.kind == OpKind::kRead && m.data != d.data) {
    size_t i = 0;
    while (i < m.data.size() && i < d.data.size() && m.data[i] == d.data[i]) ++i;
    char buf[160];
    std::snprintf(buf, sizeof buf, "read data differs at offset %s (model 0x%02x, device 0x%02x)",
                  Hex(op.offset + i).c_str(), i < m.data.size() ? m.data[i] : 0,
                  i < d.data.size() ? d.data[i] : 0);
    return buf;
  }
  if (op.kind == OpKind::kReport && (m.report != d.report || m.partial != d.partial))
    return "reported zones differ";
  return "";
}

std::string DescribeStateDifference(Device& model, Device& device) {
  std::vector<ZoneReportEntry> mr, dr;
  bool partial = false;
  model.Report(0, 0, ReportFilter::kAll, &mr, &partial);
  device.Report(0, 0, ReportFilter::kAll, &dr, &partial);
  if (mr != dr) {
    for (uint32_t z = 0; z < std::max(mr.size(), dr.size()); ++z) {
      ZoneReportEntry a = z < mr.size() ? mr[z] : ZoneReportEntry{};
      ZoneReportEntry b = z < dr.size() ? dr[z] : ZoneReportEntry{};
      if (!(a == b))
        return "zone state differs after the operation (zone " + std::to_string(z) + ": model " +
               FormatZoneEntry(a) + ", device " + FormatZoneEntry(b) + ")";
    }
  }
  ZoneCounts mc = model.Counts(), dc = device.Counts();
  if (mc != dc)
    return "open/active counts differ after the operation (model " + FormatZoneCounts(mc) +
           "; device " + FormatZoneCounts(dc) + ")";
  return "";
}

bool LockstepChecker::Compare(const Operation& op, const OpOutcome& m, const OpOutcome& d) {
  std::string what = DescribeOutcomeDifference(op, m, d, status_match_);
  // After every operation: the full zone report and the counters.
  if (what.empty()) what = DescribeStateDifference(model_, *device_);
  if (what.empty()) return true;
  Diverge(op, m, d, std::move(what));
  return false;
}

void LockstepChecker::Diverge(const Operation& op, const OpOutcome& m, const OpOutcome& d,
                              std::string what) {
  Divergence div;
  div.index = steps_ - 1;
  div.op = op;
  div.model = m;
  div.device = d;
  div.what = std::move(what);
  std::vector<ZoneReportEntry> mr = FullReport(model_), dr = FullReport(*device_);
  for (uint32_t z = 0; z < std::max(mr.size(), dr.size()); ++z) {
    ZoneReportEntry a = z < mr.size() ? mr[z] : ZoneReportEntry{};
    ZoneReportEntry b = z < dr.size() ? dr[z] : ZoneReportEntry{};
    if (!(a == b)) div.zones.push_back({z, a, b});
  }
  div.model_counts = model_.Counts();
  div.device_counts = device_->Counts();
  // History: the last operations touching a differing zone (or the target).
  std::vector<uint32_t> zones;
  for (const auto& zd : div.zones) zones.push_back(zd.zone);
  ZoneSpan target = ZonesTouched(op, config_);
  for (const auto& [i, h] : history_) {
    ZoneSpan s = ZonesTouched(h, config_);
    bool relevant = s.all || zones.empty();
    for (uint32_t z : zones) relevant |= (z >= s.first && z <= s.last);
    relevant |= !target.all && s.first <= target.last && target.first <= s.last;
    if (relevant) div.history.emplace_back(i, h);
  }
  divergence_ = std::move(div);
}

std::string LockstepChecker::FormatDivergence(const Divergence& d, const DeviceConfig& config) {
  std::string out;
  out += "DIVERGENCE at operation " + std::to_string(d.index) + ": " + FormatScriptLine(d.op) + "\n";
  out += "  " + d.what + "\n";
  out += "  model:  " + d.model.Summary() + "\n";
  out += "  device: " + d.device.Summary() + "\n";
  if (d.model_counts != d.device_counts) {
    out += "  model counts:  " + FormatZoneCounts(d.model_counts) + "\n";
    out += "  device counts: " + FormatZoneCounts(d.device_counts) + "\n";
  }
  for (const ZoneDifference& z : d.zones) {
    out += "  zone " + std::to_string(z.zone) + " (start " + Hex(config.zone_start(z.zone)) + ")\n";
    out += "    model:  " + FormatZoneEntry(z.model) + "\n";
    out += "    device: " + FormatZoneEntry(z.device) + "\n";
  }
  if (!d.history.empty()) {
    out += "  recent operations on these zones:\n";
    for (const auto& [i, op] : d.history)
      out += "    #" + std::to_string(i) + "  " + FormatScriptLine(op) + "\n";
  }
  return out;
}

}  // namespace zonesim
