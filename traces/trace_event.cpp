#include "traces/trace_event.h"

namespace zonesim {

std::string_view to_string(EventStage s) {
  switch (s) {
    case EventStage::kQueue: return "queue";
    case EventStage::kIssue: return "issue";
    case EventStage::kComplete: return "complete";
    case EventStage::kOther: return "other";
  }
  return "other";
}

std::string TraceOrigin::ToString() const {
  std::string s(file);
  s += is_line ? ": line " : ": record ";
  s += std::to_string(index);
  return s;
}

uint64_t PayloadSeedFor(const TraceOrigin& origin) {
  // The file's position in the high bits keeps records of different per-CPU
  // files apart; a record index never reaches 2^48.
  return (uint64_t{origin.file_index} << 48) ^ origin.index;
}

}  // namespace zonesim
