// Output habits shared by the long-running commands (fuzz, replay): progress
// on stderr, so stdout stays byte-identical between runs, and XML escaping
// for their JUnit reports.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/json_writer.h"
#include "zoned/zone_status.h"
#include "zoned/operation.h"

namespace zonesim {

// A progress bar redrawn in place on a terminal (a newline once done ==
// total); otherwise one plain line "COMMAND: DONE/TOTAL UNIT" per call, so a
// log file gets a few readable lines. The caller decides how often to call.
void PrintProgress(bool tty, std::string_view command, std::string_view unit, uint64_t done,
                   uint64_t total);

// The "op_counts" and "status_counts" objects of the JSON reports.
void WriteCountsJson(JsonWriter& j, const std::map<OpKind, uint64_t>& op_counts,
                     const std::map<ZoneStatus, uint64_t>& status_counts);

// <, >, & and " as entities: safe in XML text and in double-quoted attributes.
std::string XmlEscape(std::string_view s);

}  // namespace zonesim
