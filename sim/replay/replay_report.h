// The three renderings of a replay's result: the human summary (stdout of
// `zonesim replay`), one JSON document (--json) and a JUnit XML report
// (--junit), each a pure function of the result so that two runs of the same
// replay print the same bytes.
#pragma once

#include <string>

#include "sim/replay/replay.h"

namespace zonesim {

std::string ReplayTextReport(const ReplayOptions& options, const ReplayResult& result);
std::string ReplayJsonReport(const ReplayOptions& options, const ReplayResult& result);
// A failure when the image diverged, and (fail_on_violations) when the
// workload broke zone rules.
std::string ReplayJunitReport(const ReplayOptions& options, const ReplayResult& result,
                              bool fail_on_violations);

// "trace.iolog" or "sda (2 files)"-style name for headings.
std::string TraceListName(const ReplayOptions& options);

}  // namespace zonesim
