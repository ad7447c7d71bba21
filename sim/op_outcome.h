// OpOutcome: what one Operation did on a Device, in a form two devices'
// results can be compared field by field (the lockstep checker, replay).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/zone_report.h"
#include "model/zone_status.h"
#include "sim/device.h"
#include "traces/operation.h"

namespace zonesim {

struct OpOutcome {
  ZoneStatus status = ZoneStatus::kOk;
  // Set when the host refused a zone-management range before the device saw it
  // (misaligned or beyond the end): the text qemu-io would print.
  std::string host_error;
  // Set when the device's host failed (e.g. an image could not be reopened).
  std::string device_error;
  uint64_t assigned = 0;               // append: where the data landed
  std::vector<uint8_t> data;           // read: the bytes returned
  std::vector<ZoneReportEntry> report;  // report: the zones returned
  bool partial = false;

  bool ok() const { return status == ZoneStatus::kOk && host_error.empty() && device_error.empty(); }
  // One line: "ok", "zone_is_full", "ok assigned=0x40000", "host: Invalid argument".
  std::string Summary() const;
};

// Resolves the trace conventions of traces/operation.h (zone-management length 0
// = the zone at offset, kZoneRangeAll = whole device) against the geometry.
Operation ResolveZoneRange(const Operation& op, const DeviceConfig& config);

// Runs op on device. Reads of more than max_read_bytes are refused with
// kInvalidField (protects the checker from absurd trace requests).
OpOutcome ApplyOperation(Device& device, const Operation& op,
                         uint64_t max_read_bytes = 64ull << 20);

// The zones an operation touches (for divergence histories): [first, last].
struct ZoneSpan {
  uint32_t first = 0;
  uint32_t last = 0;
  bool all = false;  // power cycle, select-all
};
ZoneSpan ZonesTouched(const Operation& op, const DeviceConfig& config);

}  // namespace zonesim
