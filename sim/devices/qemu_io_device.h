// QemuIoDevice: an implementation under test reached through its qemu-io
// front end, one process per power-on (QEMU's qemu-io with a zoned qcow2
// driver, `zonesim io` itself, or anything that speaks the dialect).
//
// The process is `COMMAND... IMAGE`, fed one command per line on stdin; its
// answer to a command is what it prints before the next `qemu-io> ` prompt
// (sim/devices/qemu_io_protocol.h). Only what the implementation exposes is
// compared: no peeking into the image while the process runs.
//
//   write   -> write -P 0xNN OFF LEN     (fill payloads only)
//   append  -> zap -p OFF LEN            (qemu-io's fixed pattern 0xcd only)
//   read    -> read -v OFF LEN           (the dump is parsed back into bytes)
//   report  -> zrp OFF NR                (counts are derived from a full report)
//   zone management -> zo|zc|zf|zrs OFF ZONE_LEN, or OFF=0 LEN=size for all zones
//   flush   -> flush
//   power cycle -> quit, wait for the exit, start again on the same image
//   power loss  -> kill -9 (no quit: nothing the process held in memory is
//                  written), start again on the same image; every write that
//                  reached the file stays, which is one legal crash state
//
// A failure line's strerror text becomes an errno and then the first
// ZoneStatus with that Linux errno (zoned/zone_status.h), so the lockstep
// checker compares success exactly and errnos through a declared mapping
// (sim/lockstep/status_match.h). Everything else that goes wrong with the
// process (it died, stopped answering within the timeout, printed something
// unparseable, an errno no zone status has) is a host failure: the operation
// returns kMediaError and host_error() says what happened, with the last lines
// of its stderr. Once broken, the device stays broken until the next power on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/subprocess.h"
#include "zoned/device.h"
#include "zoned/operation.h"

namespace zonesim {

struct QemuIoOptions {
  std::vector<std::string> command;  // argv before the image path
  int timeout_ms = 20000;            // per command, and for the exit after quit
};

// Whether op can be sent through qemu-io's dialect (fill payloads, appends of
// 0xcd, reports without a reporting option, no zonesim-only commands);
// InvalidArgument saying why not.
Status CheckQemuIoExpressible(const Operation& op);

// op as qemu-io can say it: a seeded write becomes a fill byte derived from
// its seed (never 0, the fill of unwritten blocks), an append qemu-io's 0xcd,
// a filtered report an unfiltered one.
// Used where operations come from a trace, which carries no data.
Operation InQemuIoDialect(const Operation& op);

class QemuIoDevice : public Device {
 public:
  // Starts the process on image (which must exist) and reads its first prompt.
  static Status Open(const QemuIoOptions& options, const std::string& image, const DeviceConfig& config,
                     std::unique_ptr<QemuIoDevice>* out);
  ~QemuIoDevice() override;

  const DeviceConfig& config() const override { return config_; }
  std::string name() const override { return "qemu-io:" + image_; }

  ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out) override;
  ZoneStatus Write(uint64_t offset, uint64_t length, const Payload& data) override;
  ZoneStatus Append(uint64_t zone_start, uint64_t length, const Payload& data, uint64_t* assigned) override;
  ZoneStatus Flush() override;
  ZoneStatus Manage(ZoneAction action, uint64_t zone_start) override;
  ZoneStatus ManageAll(ZoneAction action) override;
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                    std::vector<ZoneReportEntry>* out, bool* partial) override;
  ZoneCounts Counts() override;
  Status PowerCycle() override;
  Status PowerLoss(const CrashSpec& crash) override;
  ZoneStatus Inject(ZoneFault fault, uint64_t zone_start) override;
  Status host_error() const override { return failure_; }
  // Quits the process and waits for it; its exit decides the Status.
  Status Close() override;

  // Every command sent so far in this power-on, one a line (for reproducers).
  const std::vector<std::string>& session() const { return session_; }

 private:
  QemuIoDevice(QemuIoOptions options, std::string image, DeviceConfig config)
      : options_(std::move(options)), image_(std::move(image)), config_(std::move(config)) {}
  Status Start();
  Status Quit();
  // Sends one command and reads its answer; false (and failure_ set) if the
  // process did not answer properly.
  bool Command(const std::string& line, std::string* answer);
  // The status of a command whose answer has a failure line, or kOk.
  ZoneStatus FailureStatus(const std::string& line, const std::string& answer);
  ZoneStatus Broken(std::string why);
  std::string StderrTail() const;

  QemuIoOptions options_;
  std::string image_;
  DeviceConfig config_;
  std::unique_ptr<Subprocess> process_;
  Status failure_;
  std::string last_stderr_;
  std::vector<std::string> session_;
  // The last report of every zone, until the next command that may change
  // state: Counts() right after a full report costs no second round trip.
  std::vector<ZoneReportEntry> full_report_;
  bool full_report_valid_ = false;
};

}  // namespace zonesim
