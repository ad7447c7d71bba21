// OpOutcome: what one Operation did on a Device, in a form two devices'
// results can be compared field by field (the lockstep checker, replay).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "zoned/zone_report.h"
#include "zoned/zone_status.h"
#include "zoned/device.h"
#include "zoned/operation.h"

namespace zonesim {

struct OpOutcome {
  ZoneStatus status = ZoneStatus::kOk;
  // Set when the host refused a zone-management range before the device saw it
  // (misaligned or beyond the end): the text qemu-io would print.
  std::string host_error;
  // Set when the device's host failed (e.g. an image could not be reopened).
  std::string device_error;
  // Set when zonesim itself refused the request before any device saw it
  // (ApplyLimits::max_request_bytes): "length N exceeds the maximum M".
  std::string refusal;
  uint64_t assigned = 0;               // append: where the data landed
  std::vector<uint8_t> data;           // read: the bytes returned
  std::vector<ZoneReportEntry> report;  // report: the zones returned
  bool partial = false;                 // report: more zones matching its filter follow

  bool ok() const {
    return status == ZoneStatus::kOk && host_error.empty() && device_error.empty() && refusal.empty();
  }
  // One line: "ok", "zone_is_full", "ok assigned=0x40000", "host: Invalid argument".
  std::string Summary() const;
};

// Bounds on what one operation may ask for, so an absurd trace or script
// request cannot make zonesim allocate without limit.
struct ApplyLimits {
  // Reads, writes and appends longer than this are refused before any device
  // sees them (OpOutcome::refusal): `zonesim io`'s script limit.
  uint64_t max_request_bytes = ~uint64_t{0};
  // Reads longer than this fail with kInvalidField on both sides of a lockstep
  // run (the checker must hold the data of both devices).
  uint64_t max_read_bytes = 64ull << 20;
  // Reads hand the device no buffer and return no data, only the status.
  // The model alone accepts that (ZoneModel::Read checks without copying):
  // sim/lockstep/triple_reach.cpp probes thousands of reads for their status.
  bool status_only_reads = false;
};

// Runs op on device: the one execution path of zonesim. `zonesim io` prints
// its outcome (sim/exec/io_runner.h), the lockstep checker compares two.
// Zone ranges are taken literally, as qemu-io takes them (a length-0 range is
// EINVAL): resolve trace-style ranges first (zoned/operation.h
// ResolveZoneRange). A zone report of count 0 reports nothing (qemu-io's
// zrp OFFSET 0); otherwise it asks the device for the zones op.filter selects.
OpOutcome ApplyOperation(Device& device, const Operation& op, const ApplyLimits& limits = {});
// The same into *out, reusing the storage of its read buffer and report: a
// checker stepping through hundreds of thousands of reads allocates (and
// page-faults in) no fresh buffer for each.
void ApplyOperationInto(Device& device, const Operation& op, OpOutcome* out, const ApplyLimits& limits = {});

// The zones an operation touches (for divergence histories): [first, last].
struct ZoneSpan {
  uint32_t first = 0;
  uint32_t last = 0;
  bool all = false;  // power cycle, select-all
};
ZoneSpan ZonesTouched(const Operation& op, const DeviceConfig& config);

}  // namespace zonesim
