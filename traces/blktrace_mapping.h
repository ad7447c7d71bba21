// blktrace records and blkparse action names -> TraceEvent fields, and back
// (the writer builds action words for Operations).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "traces/blktrace_format.h"
#include "traces/request_mapping.h"
#include "traces/trace_event.h"

namespace zonesim::blktrace {

// blkparse's name for the action ("Q", "D", "C", "M", "A", "UT", "ZP", ...; "m"
// for message notify records; "NP"/"NT" for process/timestamp notify records,
// which blkparse consumes without printing); "?" for an unknown code.
std::string_view ActionName(const Record& rec);

// The action code for a blkparse action name; false if unknown. Notify names
// ("m", "NP", "NT") give *notify = true and the notify code.
bool ActionCodeFromName(std::string_view name, uint16_t* code, bool* notify);

EventStage StageOf(uint16_t code);

// True for action codes whose records describe a request (sector, size,
// direction): everything except plug/unplug, driver data and zone plugging.
bool CodeDescribesRequest(uint16_t code);

// The request facts of a record (category bits -> RequestShape).
RequestShape ShapeOf(const Record& rec);

// EventFlag bits from the categories (sync, FUA, meta, readahead, passthrough, cgroup).
uint32_t FlagsOf(const Record& rec);

// Fills ev from rec: stage, action, flags, timestamp, cpu, pid, device,
// sequence, error and the Operation. ev->origin must already be set.
// Notify records get no Operation.
void MapRecord(const Record& rec, TraceEvent* ev);

// The action word the kernel would log for `op` at action `code` (kActQueue,
// kActIssue, kActComplete, ...) with EventFlag bits `flags`. Version 7 cannot
// express zone management or zone append (InvalidArgument); version 8 can.
Status ActionFor(const Operation& op, uint16_t code, uint32_t flags, uint8_t version,
                 uint64_t* action);

}  // namespace zonesim::blktrace
