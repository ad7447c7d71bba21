#include "sim/lockstep/lockstep.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "common/hex.h"
#include "zoned/script.h"

namespace zonesim {

namespace {


// Operations that may need an open resource, and so an implicit close.
bool MayImplicitlyClose(OpKind k) {
  return k == OpKind::kWrite || k == OpKind::kAppend || k == OpKind::kOpen || k == OpKind::kFinish;
}

// Zones compared per report call: bounds the memory of a complete comparison
// of a device with millions of zones.
constexpr uint32_t kCompareChunk = 4096;

ZoneReportEntry ReportOne(Device& dev, uint32_t z) {
  std::vector<ZoneReportEntry> out;
  bool partial = false;
  dev.Report(dev.config().zone_start(z), 1, ReportFilter::kAll, &out, &partial);
  return out.empty() ? ZoneReportEntry{} : out.front();
}

std::string ZoneStateMessage(const ZoneDifference& d) {
  return "zone state differs after the operation (zone " + std::to_string(d.zone) + ": model " +
         FormatZoneEntry(d.model) + ", device " + FormatZoneEntry(d.device) + ")";
}

std::string CountsDifference(Device& model, Device& device) {
  ZoneCounts mc = model.Counts(), dc = device.Counts();
  if (mc == dc) return "";
  return "open/active counts differ after the operation (model " + FormatZoneCounts(mc) +
         "; device " + FormatZoneCounts(dc) + ")";
}

}  // namespace

uint64_t DefaultFullCompareInterval(const DeviceConfig& config) {
  return std::max<uint64_t>(1, (uint64_t{config.nr_zones()} + 63) / 64);
}

std::vector<ZoneDifference> DifferingZones(Device& model, Device& device, uint32_t first,
                                           uint32_t last, size_t limit) {
  std::vector<ZoneDifference> out;
  const DeviceConfig& c = model.config();
  if (c.nr_zones() == 0 || first > last) return out;
  std::vector<ZoneReportEntry> mr, dr;
  bool partial = false;
  for (uint64_t a = first; a <= last; a += kCompareChunk) {
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(kCompareChunk, last - a + 1));
    const uint32_t z0 = static_cast<uint32_t>(a);
    mr.clear();
    dr.clear();
    model.Report(c.zone_start(z0), n, ReportFilter::kAll, &mr, &partial);
    device.Report(c.zone_start(z0), n, ReportFilter::kAll, &dr, &partial);
    if (mr == dr) continue;
    for (uint32_t i = 0; i < n; ++i) {
      ZoneReportEntry x = i < mr.size() ? mr[i] : ZoneReportEntry{};
      ZoneReportEntry y = i < dr.size() ? dr[i] : ZoneReportEntry{};
      if (x == y) continue;
      out.push_back({z0 + i, x, y});
      if (limit != 0 && out.size() >= limit) return out;
    }
  }
  return out;
}

std::string FormatZoneEntry(const ZoneReportEntry& e) {
  return std::string(to_string(e.cond)) + " wp=" + Hex(e.wp) + " cap=" + Hex(e.capacity) +
         " len=" + Hex(e.length) + " type=" + std::string(to_string(e.type));
}

std::string FormatZoneCounts(const ZoneCounts& c) {
  return "open " + std::to_string(c.open()) + " (implicit " + std::to_string(c.implicit_open) +
         ", explicit " + std::to_string(c.explicit_open) + "), active " + std::to_string(c.active());
}

LockstepChecker::LockstepChecker(const DeviceConfig& config, Device* device, size_t history,
                                 uint64_t full_compare_every)
    : config_(config),
      model_(config),
      device_(device),
      history_size_(history),
      full_compare_every_(full_compare_every != 0 ? full_compare_every
                                                  : DefaultFullCompareInterval(config)) {}

bool LockstepChecker::ImplicitCloseChoicePossible(const Operation& op) const {
  // Only the non-deterministic policies leave a choice; the others are followed exactly.
  ImplicitClosePolicy p = config_.params.implicit_close;
  if (p != ImplicitClosePolicy::kAny && p != ImplicitClosePolicy::kAnyVictim) return false;
  if (!MayImplicitlyClose(op.kind) || config_.max_open_zones == 0) return false;
  return model_.model().counts().open() >= config_.max_open_zones;
}

ImplicitCloseChoice LockstepChecker::InferDeviceChoice(const Operation& op,
                                                       const OpOutcome& device_outcome,
                                                       const std::vector<uint32_t>& candidates) {
  ImplicitCloseChoice choice;  // follow the policy unless the device shows otherwise
  const ZoneModel& m = model_.model();  // not yet run: its state is the state before op
  uint32_t target = op.offset < config_.size ? config_.zone_index(op.offset) : UINT32_MAX;
  // A zone the model holds implicitly open that the device now reports CLOSED,
  // other than the target, is the device's victim: the lowest such candidate
  // (only the candidates can be it, so only they are asked for).
  std::vector<uint32_t> by_index = candidates;
  std::sort(by_index.begin(), by_index.end());
  for (uint32_t z : by_index) {
    if (z == target || z >= m.nr_zones()) continue;
    if (m.zone(z).cond == ZoneCondition::kImplicitOpen &&
        ReportOne(*device_, z).cond == ZoneCondition::kClosed) {
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

  bool all = false;
  std::vector<uint32_t> zones = ZonesToCompare(op, &all);
  // Reused from step to step: a read's buffer is not allocated (and, above
  // malloc's mmap threshold, page-faulted in) anew for every operation.
  OpOutcome& m = step_model_;
  OpOutcome& d = step_device_;
  if (ImplicitCloseChoicePossible(op)) {
    // Run the device first, read off its choice, and let the model adopt it.
    std::vector<uint32_t> candidates = model_.model().ImplicitCloseCandidates();
    ApplyOperationInto(*device_, op, &d);
    model_.model().SetNextImplicitClose(InferDeviceChoice(op, d, candidates));
    ApplyOperationInto(model_, op, &m);
  } else {
    ApplyOperationInto(model_, op, &m);
    ApplyOperationInto(*device_, op, &d);
  }
  ++steps_;
  last_model_status_ = m.status;
  last_host_error_ = m.host_error;
  if (!m.host_error.empty()) ++host_refusals_;
  else ++status_counts_[m.status];
  // zones is ascending (ZonesToCompare); what joins it is merged in, not
  // sorted again: after a Select All it holds every zone not EMPTY.
  if (std::optional<uint32_t> victim = model_.model().last_implicit_close())
    zones.insert(std::lower_bound(zones.begin(), zones.end(), *victim), *victim);
  if (!all && op.kind != OpKind::kReport && is_zone_management(op.kind) &&
      ZonesTouched(op, config_).all) {
    // Select All: the zones not EMPTY after it too (an open-all may open
    // zones that were EMPTY under some parameters).
    std::vector<uint32_t> after = model_.model().index().non_empty();
    const auto mid = static_cast<std::ptrdiff_t>(zones.size());
    zones.insert(zones.end(), after.begin(), after.end());
    std::inplace_merge(zones.begin(), zones.begin() + mid, zones.end());
  }
  zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
  if (op.kind == OpKind::kPowerLoss && !CheckPowerLoss(op, m, d)) return false;
  const bool full = all || steps_ - last_full_at_ >= full_compare_every_;
  last_op_ = op;
  return Compare(op, m, d, std::move(zones), full);
}

bool LockstepChecker::Finish() {
  if (divergence_) return false;
  if (steps_ == 0) return true;
  // The last step's outcomes, as a divergence found now reports them: without
  // the data read and the zones reported.
  for (OpOutcome* o : {&step_model_, &step_device_}) {
    o->data.clear();
    o->report.clear();
  }
  return FullCompare(last_op_, step_model_, step_device_, /*every_zone=*/true);
}

std::vector<uint32_t> LockstepChecker::ZonesToCompare(const Operation& op, bool* all) const {
  *all = false;
  switch (op.kind) {
    case OpKind::kPowerCycle:
    case OpKind::kPowerLoss:
      *all = true;
      return {};
    case OpKind::kFlush:   // changes no zone (counters are always compared)
    case OpKind::kReport:  // changes nothing; its entries are compared as its outcome
      return {};
    default:
      break;
  }
  ZoneSpan s = ZonesTouched(op, config_);
  if (s.all) return model_.model().index().non_empty();  // Select All: what is not EMPTY
  std::vector<uint32_t> zones;
  zones.reserve(s.last - s.first + 1);
  for (uint64_t z = s.first; z <= s.last; ++z) zones.push_back(static_cast<uint32_t>(z));
  return zones;
}

std::string DescribeOutcomeDifference(const Operation& op, const OpOutcome& m,
                                      const OpOutcome& d, const StatusMatch& match) {
  if (!d.device_error.empty()) return "the device failed: " + d.device_error;
  if (m.host_error != d.host_error) return "status differs";
  if (std::string s = DescribeStatusDifference(m.status, d.status, match, op.kind == OpKind::kAppend); !s.empty()) return s;
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
  const uint32_t n = model.config().nr_zones();
  std::vector<ZoneDifference> diff = DifferingZones(model, device, 0, n == 0 ? 0 : n - 1, 1);
  if (!diff.empty()) return ZoneStateMessage(diff.front());
  return CountsDifference(model, device);
}

std::optional<std::string> DescribeAccountedDifference(Device& model, Device& device, uint32_t window) {
  std::vector<uint32_t> a, b;
  if (!model.ZonesNotInitial(&a) || !device.ZonesNotInitial(&b)) return std::nullopt;
  const uint32_t n = model.config().nr_zones();
  std::vector<uint32_t> zones;
  zones.reserve(a.size() + b.size() + kCompareWindow);
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(zones));
  // The window: zones that both devices call untouched, which must then
  // report alike; over successive comparisons it sweeps the device.
  if (n > 0) {
    window %= n;
    const uint32_t end = static_cast<uint32_t>(std::min<uint64_t>(n, uint64_t{window} + kCompareWindow));
    // [window, end), wrapping round to [0, wrapped): ascending as built.
    const uint32_t wrapped = std::min<uint32_t>(window, kCompareWindow - (end - window));
    std::vector<uint32_t> swept;
    swept.reserve(wrapped + (end - window));
    for (uint32_t z = 0; z < wrapped; ++z) swept.push_back(z);
    for (uint32_t z = window; z < end; ++z) swept.push_back(z);
    std::vector<uint32_t> all;
    all.reserve(zones.size() + swept.size());
    std::set_union(zones.begin(), zones.end(), swept.begin(), swept.end(), std::back_inserter(all));
    zones.swap(all);
  }
  return DescribeZonesDifference(model, device, zones);
}

std::string DescribeZonesDifference(Device& model, Device& device,
                                    const std::vector<uint32_t>& zones) {
  // Runs of consecutive zones are compared with one report each.
  for (size_t i = 0; i < zones.size();) {
    size_t j = i + 1;
    while (j < zones.size() && zones[j] == zones[j - 1] + 1) ++j;
    std::vector<ZoneDifference> diff = DifferingZones(model, device, zones[i], zones[j - 1], 1);
    if (!diff.empty()) return ZoneStateMessage(diff.front());
    i = j;
  }
  return CountsDifference(model, device);
}

bool LockstepChecker::Compare(const Operation& op, const OpOutcome& m, const OpOutcome& d,
                              std::vector<uint32_t> zones, bool full) {
  std::string what = DescribeOutcomeDifference(op, m, d, status_match_);
  // After every operation: the zones it can have changed and the counters.
  if (what.empty()) what = DescribeZonesDifference(model_, *device_, zones);
  if (!what.empty()) {
    Diverge(op, m, d, std::move(what));
    return false;
  }
  return !full || FullCompare(op, m, d);
}

bool LockstepChecker::FullCompare(const Operation& op, const OpOutcome& m, const OpOutcome& d,
                                  bool every_zone) {
  const uint64_t previous = last_full_at_;
  ++full_compares_;
  last_full_at_ = steps_;
  std::optional<std::string> accounted;
  if (!every_zone) {
    accounted = DescribeAccountedDifference(model_, *device_, window_);
    window_ = static_cast<uint32_t>((uint64_t{window_} + kCompareWindow) % std::max<uint32_t>(1, config_.nr_zones()));
  }
  std::string what = accounted ? *accounted : DescribeStateDifference(model_, *device_);
  if (what.empty()) return true;
  if (op.kind != OpKind::kPowerCycle && op.kind != OpKind::kPowerLoss && full_compare_every_ > 1)
    what += "; found by the complete comparison (every " +
            std::to_string(full_compare_every_) + " operations), the previous one " +
            (previous == 0 ? std::string("was before the first operation")
                           : "was after operation " + std::to_string(previous - 1));
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
  const uint32_t n = config_.nr_zones();
  div.zones = DifferingZones(model_, *device_, 0, n == 0 ? 0 : n - 1, 0);
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
