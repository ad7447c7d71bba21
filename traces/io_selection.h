// Which events of a trace stand for its I/Os. blktrace logs a request
// several times (Q when queued, D when issued to the driver, C when
// completed, plus merges, remaps, plugs); a replay wants each request once.
//
// Rule (IoStage::kAuto): use queue events (Q) if the trace has any event at
// the queue stage that carries an Operation; otherwise issue events (D) -- some
// captures have no Q events at all (issue+complete only, e.g. blktrace -a
// issue -a complete) -- otherwise completions (C). Deciding takes a first pass
// that stops at the first queue event, so it costs almost nothing on a normal
// capture and one extra read (constant memory) on a capture without Q events.
// fio iologs and scripts mark every I/O as queue, so the rule picks them all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "traces/trace_open.h"
#include "traces/trace_reader.h"

namespace zonesim {

enum class IoStage : uint8_t { kAuto, kQueue, kIssue, kComplete };

std::string_view to_string(IoStage s);  // "auto", "queue", "issue", "complete"
bool IoStageFromString(std::string_view s, IoStage* out);  // also accepts "Q", "D", "C"

// Reads `reader` (fresh) until the rule above decides; *events_read says how far.
Status DetectIoStage(TraceReader* reader, IoStage* out, uint64_t* events_read = nullptr);

// Passes on only the events with an Operation at one stage.
class IoEventFilter : public TraceReader {
 public:
  IoEventFilter(std::unique_ptr<TraceReader> inner, IoStage stage);

  Status Next(TraceEvent* ev, bool* eof) override;
  TraceFormat format() const override { return inner_->format(); }
  const WarningLog& warnings() const override { return inner_->warnings(); }

  IoStage stage() const { return stage_; }
  uint64_t passed() const { return passed_; }
  uint64_t skipped() const { return skipped_; }  // events read and not passed on

 private:
  std::unique_ptr<TraceReader> inner_;
  IoStage stage_;
  EventStage wanted_;
  uint64_t passed_ = 0;
  uint64_t skipped_ = 0;
};

// OpenTrace, then (for kAuto) a detection pass on a second reader, then the
// filter. *chosen (optional) receives the stage used.
Status OpenIoTrace(const std::vector<std::string>& paths, const TraceOpenOptions& options, IoStage stage,
                   std::unique_ptr<IoEventFilter>* out, IoStage* chosen = nullptr);

}  // namespace zonesim
