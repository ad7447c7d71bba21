// ZonedImage: zone emulation on top of a qcow2 image with the zoned extension
// (../shared/spec/qcow2-zoned.md), the way the proposed QEMU qcow2 zoned
// driver does it: write pointers persist in the image's write-pointer table,
// everything else (open/closed lists, counters, implicit-close history) lives
// in memory and is rebuilt at open time by open-to-closed recovery.
//
// Semantics follow the standards directly (NVMe ZNS 2.1, T10 ZBC-2, the Linux
// block layer; qcow2/README.md), written independently of the
// reference model in model/: the lockstep checker compares the two.
//
// Crash consistency (details in qcow2/README.md): data reaches the image
// immediately; a sequential zone's new write pointer stays in memory and its
// table entry is written only by Flush (data and metadata flushed first, then
// the entries, then flushed again) and by Close. Reset and finish persist
// their entry at once, around a flush. So after a successful Flush nothing
// acknowledged is lost, and without one a recovered write pointer never points
// past data that is not in the file. Reads never return bytes at or beyond a
// zone's write pointer (they return the read fill), so data that landed after
// the last persisted write pointer is invisible after a crash.
//
// Not thread-safe; one owner at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "zoned/device_config.h"
#include "zoned/zone_report.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/zoned/zone_table.h"

namespace zonesim {

class ZonedImage {
 public:
  ~ZonedImage();  // Close(), errors ignored (call Close() to see them)
  ZonedImage(const ZonedImage&) = delete;
  ZonedImage& operator=(const ZonedImage&) = delete;

  // Opens a zoned image for reading and writing and runs open-to-closed
  // recovery from the write-pointer table: wp == start -> EMPTY,
  // start < wp < start + capacity -> CLOSED (holds an active resource),
  // wp >= start + capacity -> FULL; nothing is open. If more zones come back
  // CLOSED than max_active_zones allows, the open still succeeds (the data
  // stays reachable: the host can finish or reset zones to get below the
  // limit) and warnings() says so; until then writes that need a new active
  // resource fail with kTooManyActiveZones.
  static Status Open(Env* env, const std::string& path, const ZoneParams& params,
                     std::unique_ptr<ZonedImage>* out);
  // Same, but the file is opened read-only and never written: every operation
  // that would change a write pointer or data returns kMediaError
  // (last_error() says why). Reads, reports, counts and Inject work.
  // force_share: QEMU's -U, inspect an image another process may be writing.
  static Status OpenReadOnly(Env* env, const std::string& path, const ZoneParams& params,
                             std::unique_ptr<ZonedImage>* out, bool force_share = false);

  const DeviceConfig& config() const { return config_; }
  const ZonedExtension& extension() const { return extension_; }
  uint32_t cluster_size() const;
  bool read_only() const { return read_only_; }
  const std::string& path() const { return path_; }
  // Things recovery noticed that are legal but worth telling the user.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // The file error behind the most recent kMediaError.
  const Status& last_error() const { return last_error_; }

  ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out);
  // data: a buffer of `length` bytes or a Payload, handed to the storage
  // layer as it is (qcow2/storage/write_data.h).
  ZoneStatus Write(uint64_t offset, uint64_t length, const WriteData& data);
  ZoneStatus Append(uint64_t zone_start, uint64_t length, const WriteData& data, uint64_t* assigned);
  // Makes every acknowledged write durable, write pointers included.
  ZoneStatus Flush();
  ZoneStatus Manage(ZoneAction action, uint64_t zone_start);
  ZoneStatus ManageAll(ZoneAction action);
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                    std::vector<ZoneReportEntry>* out, bool* partial) const;
  ZoneCounts Counts() const { return table_.counts(); }
  // READ ONLY / OFFLINE device events: in memory only, the format cannot store them.
  ZoneStatus Inject(ZoneFault fault, uint64_t zone_start);

  // Hooks for the simulator's power-cycle policies other than close_open
  // (sim/devices/qcow2_device.cpp); zones are indices, conventional ones are refused.
  // Resets the given zones (EMPTY ones are skipped) with one flush for all.
  ZoneStatus ResetZones(const std::vector<uint32_t>& zones);
  // Makes the given zones FULL with wp = start + capacity (null_blk
  // zone_full), unwritten space reading as the fill; persisted.
  ZoneStatus ForceFull(const std::vector<uint32_t>& zones);
  // Puts a recovered EMPTY/CLOSED zone back into IMPLICIT OPEN, EXPLICIT OPEN
  // or CLOSED with its write pointer unchanged, without checking limits (the
  // state being restored was legal before the power cycle).
  ZoneStatus RestoreCondition(uint32_t zone, ZoneCondition cond);

  // Persists dirty write pointers, flushes and closes the file. Afterwards
  // every operation returns kMediaError. Idempotent.
  Status Close();

  // For tests: the in-memory zone state and the implicit-close bookkeeping.
  const ZoneTable& table() const { return table_; }

 private:
  ZonedImage() = default;
  static Status OpenImpl(Env* env, const std::string& path, const ZoneParams& params,
                         bool read_only, bool force_share, std::unique_ptr<ZonedImage>* out);
  Status Recover();

  enum class OpenReason { kWrite, kExplicitOpen, kFinish };
  ZoneStatus CheckResources(uint32_t z, bool need_active, bool need_open, OpenReason why);
  // The open limit this image enforces (0 = none). The qcow2 zoned driver up
  // to v10 ignored max_open_zones given without max_active_zones
  // (ZoneParams::open_limit_alone false); later revisions honour it.
  uint32_t open_limit() const {
    if (config_.max_active_zones == 0 && !config_.params.open_limit_alone) return 0;
    return config_.max_open_zones;
  }
  void CloseVictim(uint32_t victim);

  // Stores the data and, for a sequential zone, advances its write pointer.
  ZoneStatus WriteAt(uint32_t z, uint64_t offset, uint64_t length, const WriteData& data);
  ZoneStatus FinishZone(uint32_t z);
  // Finish's checks (resources, possibly an implicit close) without the file
  // work; *change: the zone is to become FULL.
  ZoneStatus CheckFinish(uint32_t z, bool* change);
  // linux whole-device finish: one finish per zone, the file work batched.
  ZoneStatus FinishEachZone();
  ZoneStatus CloseZone(uint32_t z);
  ZoneStatus OpenZone(uint32_t z);
  ZoneStatus Inspect(uint64_t zone_start, uint32_t* z) const;  // Manage's checks 1-3

  // Persistence steps (see the README's crash-order section).
  ZoneStatus PersistResets(const std::vector<uint32_t>& zones);
  // tails (optional, one per zone): where each zone's data ends, when the
  // caller already moved the write pointers in memory.
  ZoneStatus PersistFull(const std::vector<uint32_t>& zones, bool at_capacity,
                         const std::vector<uint64_t>* tails = nullptr);
  // Writes values[i] as the entry of zones[i] (ascending), one write per run
  // of consecutive zones; calls written(zone, value) for each entry written.
  ZoneStatus WriteEntryRuns(const std::vector<uint32_t>& zones, const std::vector<uint64_t>& values,
                            const std::function<void(uint32_t, uint64_t)>& written);
  ZoneStatus FlushDirty();
  ZoneStatus WriteEntries(const std::vector<uint32_t>& zones);
  static constexpr uint64_t kUnknownWp = UINT64_MAX;  // persisted_wp after a failed flush
  void ForgetPersisted(const std::vector<uint32_t>& zones);
  ZoneStatus ClearTail(uint32_t z, uint64_t from);
  ZoneStatus MediaError(Status s);
  ZoneStatus Writable();

  // The end of the bytes of sequential zone z that reads return from the file;
  // everything from here to the zone end reads as the fill.
  uint64_t data_end(uint32_t z) const;
  uint8_t fill_byte() const { return config_.params.read_fill == ReadFill::kOnes ? 0xFF : 0x00; }
  uint64_t reported_wp(uint32_t z) const;

  std::string path_;
  std::unique_ptr<Qcow2Image> image_;
  ZonedExtension extension_;
  DeviceConfig config_;
  ZoneTable table_;
  bool read_only_ = false;
  bool opened_ = false;  // Open completed (only then does Close flush)
  bool closed_ = false;
  std::vector<std::string> warnings_;
  Status last_error_;
};

}  // namespace zonesim
