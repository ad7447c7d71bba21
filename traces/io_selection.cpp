#include "traces/io_selection.h"

namespace zonesim {

std::string_view to_string(IoStage s) {
  switch (s) {
    case IoStage::kAuto: return "auto";
    case IoStage::kQueue: return "queue";
    case IoStage::kIssue: return "issue";
    case IoStage::kComplete: return "complete";
  }
  return "auto";
}

bool IoStageFromString(std::string_view s, IoStage* out) {
  if (s == "auto") *out = IoStage::kAuto;
  else if (s == "queue" || s == "Q") *out = IoStage::kQueue;
  else if (s == "issue" || s == "D") *out = IoStage::kIssue;
  else if (s == "complete" || s == "C") *out = IoStage::kComplete;
  else return false;
  return true;
}

Status DetectIoStage(TraceReader* reader, IoStage* out, uint64_t* events_read) {
  bool have_issue = false, have_complete = false;
  uint64_t n = 0;
  TraceEvent ev;
  for (;;) {
    bool eof = false;
    Status s = reader->Next(&ev, &eof);
    if (!s.ok()) return s;
    if (eof) break;
    ++n;
    if (!ev.has_op) continue;
    if (ev.stage == EventStage::kQueue) {
      *out = IoStage::kQueue;
      if (events_read) *events_read = n;
      return Status::Ok();
    }
    have_issue |= ev.stage == EventStage::kIssue;
    have_complete |= ev.stage == EventStage::kComplete;
  }
  *out = have_issue ? IoStage::kIssue : have_complete ? IoStage::kComplete : IoStage::kQueue;
  if (events_read) *events_read = n;
  return Status::Ok();
}

IoEventFilter::IoEventFilter(std::unique_ptr<TraceReader> inner, IoStage stage)
    : inner_(std::move(inner)), stage_(stage) {
  wanted_ = stage == IoStage::kIssue      ? EventStage::kIssue
            : stage == IoStage::kComplete ? EventStage::kComplete
                                          : EventStage::kQueue;
}

Status IoEventFilter::Next(TraceEvent* ev, bool* eof) {
  for (;;) {
    Status s = inner_->Next(ev, eof);
    if (!s.ok() || *eof) return s;
    if (ev->has_op && ev->stage == wanted_) {
      ++passed_;
      return Status::Ok();
    }
    ++skipped_;
  }
}

Status OpenIoTrace(const std::vector<std::string>& paths, const TraceOpenOptions& options, IoStage stage,
                   std::unique_ptr<IoEventFilter>* out, IoStage* chosen) {
  if (stage == IoStage::kAuto) {
    std::unique_ptr<TraceReader> probe;
    Status s = OpenTrace(paths, options, &probe);
    if (!s.ok()) return s;
    s = DetectIoStage(probe.get(), &stage);
    if (!s.ok()) return s;
  }
  std::unique_ptr<TraceReader> reader;
  Status s = OpenTrace(paths, options, &reader);
  if (!s.ok()) return s;
  *out = std::make_unique<IoEventFilter>(std::move(reader), stage);
  if (chosen) *chosen = stage;
  return Status::Ok();
}

}  // namespace zonesim
