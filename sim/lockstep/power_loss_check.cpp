// The lockstep checker's power-loss step (issue 15): after the device and the
// model both lost power, every zone changed since the last flush must be in a
// state the model allows (model/zone_model_power_loss.cpp has the rules); the
// device's data of that zone is read back and compared with what that state
// implies, and the model adopts the device's state so both continue from it.
// Then the step's complete comparison of every zone must match exactly, and
// the image passes a structural check when one is set up.
#include <algorithm>
#include <cstdio>

#include "common/hex.h"
#include "sim/lockstep/lockstep.h"

namespace zonesim {

namespace {

// Bytes read per call: bounds the memory of reading back a large zone.
constexpr uint64_t kReadChunk = 1 << 20;

ZoneReportEntry DeviceEntry(Device& dev, uint32_t z) {
  std::vector<ZoneReportEntry> out;
  bool partial = false;
  dev.Report(dev.config().zone_start(z), 1, ReportFilter::kAll, &out, &partial);
  return out.empty() ? ZoneReportEntry{} : out.front();
}

}  // namespace

std::string LockstepChecker::CompareReadBack(uint32_t z, uint64_t from, uint64_t to, uint64_t wp) {
  std::vector<uint8_t> want, got;
  for (uint64_t at = from; at < to;) {
    const uint64_t n = std::min(kReadChunk, to - at);
    want.assign(n, 0);
    got.assign(n, 0);
    const ZoneStatus ms = model_.Read(at, n, want.data());
    const ZoneStatus ds = device_->Read(at, n, got.data());
    const bool below = at < wp;
    if (ms != ds) {
      return std::string(below ? "write pointer past durable data" : "data exposed past what was written") +
             " (zone " + std::to_string(z) + ": reading back " + Hex(at) + "+" + Hex(n) + " gave " +
             std::string(status_id(ds)) + ", the model " + std::string(status_id(ms)) + ")";
    }
    if (ms == ZoneStatus::kOk && want != got) {
      size_t i = 0;
      while (want[i] == got[i]) ++i;
      char bytes[64];
      std::snprintf(bytes, sizeof bytes, " (model 0x%02x, device 0x%02x)", want[i], got[i]);
      if (below)
        return "write pointer past durable data (zone " + std::to_string(z) + ": read back differs at " +
               Hex(at + i) + " below the recovered wp " + Hex(wp) + bytes + ")";
      return "data exposed past what was written (zone " + std::to_string(z) + ": read back differs at " +
             Hex(at + i) + " above the recovered wp " + Hex(wp) + bytes + ")";
    }
    at += n;
  }
  return "";
}

std::string LockstepChecker::CheckRecoveredZone(uint32_t z) {
  ZoneModel& model = model_.model();
  const ZoneReportEntry entry = DeviceEntry(*device_, z);
  std::vector<RecoveredState> states = model.PowerLossStates(z, entry);
  if (states.empty()) return model.PowerLossRefusal(z, entry);
  const uint64_t start = config_.zone_start(z);
  const uint64_t end = model.PowerLossReadEnd(z);
  // Several states may report alike (next_flush: a reset kept or lost); the
  // device's data decides. The first mismatch names the rule broken.
  std::string first_error;
  for (const RecoveredState& st : states) {
    const bool lost = model.AdoptPowerLossState(z, st);
    const uint64_t wp = std::clamp(st.wp, start, std::max(end, start));
    std::string what = CompareReadBack(z, start, wp, wp);
    if (what.empty()) what = CompareReadBack(z, wp, std::max(end, wp), wp);
    if (what.empty()) {
      if (lost) {
        ++states_adopted_;
        if (adopted_samples_.size() < 8)
          adopted_samples_.push_back({steps_ - 1, "power loss: zone " + std::to_string(z) +
                                                      " came back " + FormatZoneEntry(entry)});
      }
      return "";
    }
    if (first_error.empty()) first_error = std::move(what);
  }
  return first_error;
}

std::string LockstepChecker::CheckRecoveredConventionalZone(uint32_t z) {
  ZoneModel& model = model_.model();
  const uint64_t start = config_.zone_start(z), length = config_.zone_length(z);
  std::vector<uint8_t> bytes(length);
  for (uint64_t at = 0; at < length; at += kReadChunk) {
    const uint64_t n = std::min(kReadChunk, length - at);
    const ZoneStatus ds = device_->Read(start + at, n, bytes.data() + at);
    if (ds != ZoneStatus::kOk)
      return "reading back conventional zone " + std::to_string(z) + " after the power loss failed: " +
             std::string(status_id(ds));
  }
  uint64_t lost = 0;
  std::string what = model.AdoptConventionalData(z, bytes.data(), &lost);
  if (!what.empty()) return what;
  if (lost > 0) {
    ++states_adopted_;
    if (adopted_samples_.size() < 8)
      adopted_samples_.push_back({steps_ - 1, "power loss: conventional zone " + std::to_string(z) +
                                                  " came back with " + std::to_string(lost) +
                                                  " block(s) as before their last write"});
  }
  // The blocks not written since the flush must read as they were.
  std::vector<uint8_t> want(length);
  model_.Read(start, length, want.data());
  if (want != bytes) {
    size_t i = 0;
    while (want[i] == bytes[i]) ++i;
    return "flushed data lost (zone " + std::to_string(z) + ": read back differs at " + Hex(start + i) + ")";
  }
  return "";
}

bool LockstepChecker::CheckPowerLoss(const Operation& op, const OpOutcome& m, const OpOutcome& d) {
  ++power_losses_;
  ZoneModel& model = model_.model();
  if (!d.device_error.empty()) {  // Compare reports it
    model.EndPowerLoss();
    return true;
  }
  for (uint32_t z : model.PowerLossZones()) {
    std::string what = config_.is_conventional(z) ? CheckRecoveredConventionalZone(z) : CheckRecoveredZone(z);
    if (!what.empty()) {
      model.EndPowerLoss();
      Diverge(op, m, d, std::move(what));
      return false;
    }
  }
  model.EndPowerLoss();
  if (power_loss_check_) {
    ImageProblems p = power_loss_check_();
    if (!p.corruption.empty()) {
      Diverge(op, m, d, "image.corrupt after the power loss: " + p.corruption);
      return false;
    }
    crash_leaked_clusters_ = p.leaked_clusters;
  }
  return true;
}

}  // namespace zonesim
