// IoRunner: executes Operations on a Device and prints what qemu-io prints for
// the same commands (qemu-io-cmds.c, QEMU 8.1+: zone_report_f, zone_open_f ...
// zone_append_f, read_f, write_f), so a session on the model or a qcow2 image
// reads like a qemu-io session on a zoned block device.
//
// Byte for byte where qemu-io defines the output, with these documented gaps:
//   - read/write print only their first line ("wrote 4096/4096 bytes at offset 0");
//     qemu-io's second line is wall-clock timing, which zonesim never prints.
//   - qemu-io prints nothing when flush fails; zonesim prints "flush failed: ...".
//   - failure reasons are the strerror text qemu-io prints, followed by the
//     standard's name for the condition (zoned/zone_status.h describe()), e.g.
//     "zone open failed: Too many references: cannot splice (Too Many Open Zones,
//     BLK_STS_ZONE_OPEN_RESOURCE)". Requests the host refuses before any device
//     sees them (misaligned zone-management ranges) print the bare strerror text.
//   - zonesim's own commands (zone_offline, discard, powercycle, inject) print
//     nothing on success and "<command> failed: <reason>" on failure.
//   - a report with zonesim's reporting option (`zrp -o closed 0 4`) prints
//     qemu-io's zone lines, then "zone report -o closed: 2 zones, complete"
//     (or ", partial (more match)" when more zones matching it follow).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "zoned/device.h"
#include "zoned/operation.h"

namespace zonesim {

// The outcome of a zone-management range request (zo/zc/zf/zrs/zof).
struct ZoneRangeResult {
  // Non-empty when the host block layer refused the range before it reached the
  // device: QEMU's blk_check_byte_request gives EIO for a range past the end,
  // Linux's blkdev_zone_mgmt (and QEMU file-posix) EINVAL for a misaligned one.
  std::string_view host_error;
  ZoneStatus status = ZoneStatus::kOk;  // the device's answer otherwise
  bool ok() const { return host_error.empty() && status == ZoneStatus::kOk; }
};

// Applies action to the zones covering [offset, offset + length): OFFSET must be
// a zone start and LENGTH a multiple of the zone size unless the range ends at
// the device end; the whole device [0, size) is the Select All / ALL-bit form
// (Device::ManageAll); any other range is one Manage per zone, in order,
// stopping at the first failure. Trace-style ranges (zoned/operation.h: length
// 0 = one zone, kZoneRangeAll) are not special here, as in qemu-io: resolve them
// first (traces/script_writer.h ResolveZoneRange).
ZoneRangeResult ManageZoneRange(Device& device, ZoneAction action, uint64_t offset, uint64_t length);

// qemu-io's sector conversion (tosector: a signed shift), so an all-ones write
// pointer prints as 0xffffffffffffffff.
uint64_t to_sector(uint64_t bytes);

struct OpOutcome;

// Prints what qemu-io prints for op given its outcome (ApplyOperation's, the
// one the lockstep checker compares). Returns false when the command failed: a
// refusal, a device error, or a read -P/-S whose data did not match. The
// errno text of a failed zone operation follows `errnos` (ZoneParams::errnos).
bool PrintQemuIoOutcome(const Operation& op, const OpOutcome& outcome, Profile profile,
                        std::ostream& out, ErrnoVocabulary errnos = ErrnoVocabulary::kLinuxBlock);

// Runs operations as `zonesim io` does: ApplyOperation, then PrintQemuIoOutcome.
class IoRunner {
 public:
  explicit IoRunner(Device* device) : device_(device) {}

  // Runs one operation and writes its output to out. Returns false when the
  // command failed (see PrintQemuIoOutcome).
  bool Execute(const Operation& op, std::ostream& out);

  uint64_t executed() const { return executed_; }
  uint64_t failed() const { return failed_; }
  // As `qemu-io -c ...`: 1 if any command failed, else 0.
  int exit_status() const { return failed_ > 0 ? 1 : 0; }

 private:
  Device* device_;
  uint64_t executed_ = 0;
  uint64_t failed_ = 0;
};

// Runs every operation in order (a failed command does not stop the run, as
// with qemu-io) and returns the exit status.
int RunOperations(Device* device, const std::vector<Operation>& ops, std::ostream& out);


}  // namespace zonesim
