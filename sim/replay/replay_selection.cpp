#include "sim/replay/replay_selection.h"

namespace zonesim {

namespace {

constexpr size_t kMaxActionKinds = 64;

EventStage StageOf(IoStage s) {
  switch (s) {
    case IoStage::kIssue: return EventStage::kIssue;
    case IoStage::kComplete: return EventStage::kComplete;
    default: return EventStage::kQueue;
  }
}

}  // namespace

std::string FormatDeviceNumber(uint32_t dev) {
  return std::to_string(DeviceMajor(dev)) + "," + std::to_string(DeviceMinor(dev));
}

ReplaySelector::ReplaySelector(TraceFormat format, IoStage stage)
    : format_(format), wanted_(StageOf(stage)) {}

void ReplaySelector::Skip(const TraceEvent& ev) {
  std::string action(ev.action.empty() ? std::string_view("(none)") : ev.action);
  auto it = skipped_actions_.find(action);
  if (it != skipped_actions_.end()) ++it->second;
  else if (skipped_actions_.size() < kMaxActionKinds) skipped_actions_.emplace(std::move(action), 1);
  else ++skipped_actions_["(other)"];
}

bool ReplaySelector::SameDevice(const TraceEvent& ev) {
  // fio names files; blktrace and blkparse name kernel devices; scripts name none.
  const bool by_name = format_ == TraceFormat::kFioIolog;
  if (!have_device_) {
    have_device_ = true;
    device_number_ = ev.device;
    if (by_name) device_ = std::string(ev.target);
    else if (format_ == TraceFormat::kBlktrace || format_ == TraceFormat::kBlkparseText)
      device_ = FormatDeviceNumber(ev.device);
    return true;
  }
  return by_name ? ev.target == device_ : ev.device == device_number_;
}

ReplaySelector::Verdict ReplaySelector::Classify(const TraceEvent& ev) {
  if (!ev.has_op) {
    ++not_io_;
    Skip(ev);
    return Verdict::kNotIo;
  }
  if (ev.stage != wanted_) {
    ++other_stage_;
    Skip(ev);
    return Verdict::kOtherStage;
  }
  if (!SameDevice(ev)) {
    ++other_device_;
    return Verdict::kOtherDevice;
  }
  ++io_;
  return Verdict::kIo;
}

}  // namespace zonesim
