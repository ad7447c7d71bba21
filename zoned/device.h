// Device: the operations of a zoned device, the seam between zonesim's drivers
// (the io command, the lockstep checker, trace replay) and the devices they
// drive (the model, a qcow2 image; later a qemu-io process or a Linux zoned
// block device). Keep it small and free of any one device's details.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "zoned/crash_spec.h"
#include "zoned/device_config.h"
#include "zoned/payload.h"
#include "zoned/zone_report.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zonesim {

class Device {
 public:
  virtual ~Device() = default;

  virtual const DeviceConfig& config() const = 0;
  virtual std::string name() const = 0;  // "model", "qcow2:/path/img.qcow2"

  virtual ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out) = 0;
  virtual ZoneStatus Write(uint64_t offset, uint64_t length, const Payload& data) = 0;
  virtual ZoneStatus Append(uint64_t zone_start, uint64_t length, const Payload& data,
                            uint64_t* assigned) = 0;
  virtual ZoneStatus Flush() = 0;
  virtual ZoneStatus Manage(ZoneAction action, uint64_t zone_start) = 0;
  virtual ZoneStatus ManageAll(ZoneAction action) = 0;
  virtual ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                            std::vector<ZoneReportEntry>* out, bool* partial) = 0;
  virtual ZoneCounts Counts() = 0;
  // The zones that may be in other than their initial state (a sequential
  // zone EMPTY at its start, a conventional zone NOT_WP), ascending, from
  // the device's own bookkeeping, without looking at every zone. The
  // lockstep checker's complete comparison compares the zones either device
  // names, plus a rotating window of the others, instead of every zone
  // (issue 14). false: the device keeps no such account (every zone is
  // compared).
  virtual bool ZonesNotInitial(std::vector<uint32_t>* out) {
    (void)out;
    return false;
  }

  // Power loss and restart. An error here is a failure of the device's host
  // (e.g. the image could not be reopened), not a zone status.
  virtual Status PowerCycle() = 0;
  // Power loss (issue 15): a power cycle in which what the device had not made
  // durable may be lost, as `crash` picks (zoned/crash_spec.h). A device that
  // cannot lose anything may keep it all: that is one of the states the model
  // allows after a power loss, so the default is a clean power cycle.
  virtual Status PowerLoss(const CrashSpec& crash) {
    (void)crash;
    return PowerCycle();
  }
  // The crash window: the writes a power loss now could lose, one line each
  // ("write of 4096 bytes at offset 0x30000 (img.qcow2)"), numbered as
  // `powerloss keep I,J` numbers them. `zonesim crash` enumerates the subsets.
  // NotSupported where the device cannot simulate a crash state.
  virtual Status UnsyncedWrites(std::vector<std::string>* out) const {
    (void)out;
    return Status::NotSupported(name() + " cannot name its unsynced writes");
  }
  // Device-internal events; kNotSupported where the device cannot simulate them.
  virtual ZoneStatus Inject(ZoneFault fault, uint64_t zone_start) = 0;

  // Host failures. A device backed by something real (an image file, a
  // process) can fail for reasons no zone status names: ENOSPC from a write,
  // EIO from fdatasync, a process that died. The call then returns
  // kMediaError, and host_error() says what really happened, with the call,
  // the path, offset/length and the errno text ("write of 65536 bytes at
  // offset 1048576 to img.qcow2 failed: No space left on device").
  // ApplyOperation copies it into OpOutcome::device_error, so the user sees
  // the cause instead of "Input/output error". It is only meaningful right
  // after a call returned kMediaError; Ok there means the device simulated
  // the media error itself (the model, an injected fault).
  virtual Status host_error() const { return Status::Ok(); }

  // Persists everything (pending write pointers, data), releases the backing
  // resource and its lock, and says whether that worked: its Status decides
  // the exit status of every command that closes a device, so call it before
  // choosing one. Afterwards only the destructor may be called (a device may
  // answer anything else with kMediaError). Calling it twice returns Ok the
  // second time. A device destroyed without Close
  // closes best-effort and drops the error: that path is for crashes and
  // tests only.
  virtual Status Close() = 0;
};

}  // namespace zonesim
