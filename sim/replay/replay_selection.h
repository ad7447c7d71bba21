// Which records of a trace a replay executes, and why it skips the others.
// A capture logs far more than the I/Os: blktrace logs every request at
// several stages (Q queued, D issued, C completed) plus merges, remaps, plugs
// and notify records; fio logs add/open/close/wait lines. A replay executes
// each request once, at one stage (traces/io_selection.h picks it), and on one
// device: a blkparse dump or a merged capture may hold several devices (a
// dm/LVM stack, a partition and its disk), and a fio log may name several
// files. The replayed device is the one the first I/O at the chosen stage
// names; I/Os on any other are skipped and counted.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "traces/io_selection.h"
#include "traces/trace_event.h"
#include "traces/trace_reader.h"

namespace zonesim {

class ReplaySelector {
 public:
  enum class Verdict : uint8_t { kIo, kNotIo, kOtherStage, kOtherDevice };

  // stage must be resolved (not kAuto).
  ReplaySelector(TraceFormat format, IoStage stage);

  Verdict Classify(const TraceEvent& ev);

  // "259,0" (blktrace, blkparse), the file name (fio), "" (scripts, or no I/O yet).
  const std::string& device() const { return device_; }
  uint64_t io() const { return io_; }
  uint64_t not_io() const { return not_io_; }
  uint64_t other_stage() const { return other_stage_; }
  uint64_t other_device() const { return other_device_; }
  // Skipped records by their action ("M", "P", "add", ...). The vocabulary of
  // every reader is fixed and small; the cap only guards against a surprise.
  const std::map<std::string, uint64_t>& skipped_actions() const { return skipped_actions_; }

 private:
  bool SameDevice(const TraceEvent& ev);
  void Skip(const TraceEvent& ev);

  TraceFormat format_;
  EventStage wanted_;
  bool have_device_ = false;
  uint32_t device_number_ = 0;
  std::string device_;
  uint64_t io_ = 0, not_io_ = 0, other_stage_ = 0, other_device_ = 0;
  std::map<std::string, uint64_t> skipped_actions_;
};

// "259,0" for a kernel dev_t as blktrace records it.
std::string FormatDeviceNumber(uint32_t dev);

}  // namespace zonesim
