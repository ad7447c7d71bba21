#include "traces/trace_reader.h"

#include <initializer_list>
#include <utility>

namespace zonesim {

std::string_view to_string(TraceFormat f) {
  switch (f) {
    case TraceFormat::kAuto: return "auto";
    case TraceFormat::kBlktrace: return "blktrace";
    case TraceFormat::kBlkparseText: return "blkparse";
    case TraceFormat::kFioIolog: return "fio";
    case TraceFormat::kScript: return "script";
  }
  return "auto";
}

bool TraceFormatFromString(std::string_view s, TraceFormat* out) {
  for (TraceFormat f : {TraceFormat::kAuto, TraceFormat::kBlktrace, TraceFormat::kBlkparseText,
                        TraceFormat::kFioIolog, TraceFormat::kScript}) {
    if (s == to_string(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

void WarningLog::Add(std::string w) {
  if (list_.size() < kMaxKept) {
    list_.push_back(std::move(w));
  } else {
    ++dropped_;
  }
}

}  // namespace zonesim
