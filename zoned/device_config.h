// DeviceConfig: the geometry of a zoned device plus every behaviour that the
// standards leave to the device, as explicit named parameters
// (../shared/spec/zone-semantics.md section 7). Profiles are presets:
//   zns   - NVMe ZNS 1.1, strictly
//   zbc   - T10 ZBC-2 host-managed, strictly
//   linux - the Linux zoned block device interface (null_blk), which is what the
//           qcow2 zoned emulation promises a guest
// Shared by the model and the qcow2 implementation (types and configuration
// only, never state-machine code).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "zoned/zone_status.h"

namespace zonesim {

enum class Profile : uint8_t { kZns, kZbc, kLinux };

// Close of an explicitly/implicitly open zone whose wp is at its start:
// ZNS keeps it CLOSED (holding its active resource); ZBC and Linux make it EMPTY.
enum class CloseEmptyResult : uint8_t { kClosed, kEmpty };

// Zone-management requests that make no sense for the condition (open of FULL,
// close of EMPTY or FULL): ZNS fails (BFh), ZBC does nothing, null_blk fails (EIO).
enum class PointlessOp : uint8_t { kError, kNoOp };

// What happens when a write/append/open needs an open resource and none is free.
enum class ImplicitClosePolicy : uint8_t {
  kFail,            // never close a zone: Too Many Open Zones
  kAny,             // ZNS: the device MAY close any implicitly open zone, or fail
  kAnyVictim,       // ZBC-2: must close an implicitly open zone if one exists, any one
  kOldestOpened,    // QEMU NVMe: the zone that has been implicitly open longest
  kLowestIndex,     // scsi_debug, tcmu-runner: lowest-numbered implicitly open zone
  kRoundRobin,      // null_blk: cyclic scan starting after the previous victim
  kLeastRecentlyWritten,  // the implicitly open zone written least recently
};

// Data returned for blocks that were never written (or lie beyond the wp).
enum class ReadFill : uint8_t { kZeroes, kOnes };

// The write pointer reported for a FULL zone.
enum class FullWpReport : uint8_t {
  kAsWritten,    // null_blk: start + capacity when written full, start + size after finish
  kCapacityEnd,  // start + capacity
  kZoneEnd,      // start + zone size (Linux NVMe driver normalisation)
  kAllOnes,      // QEMU NVMe: the wp of a FULL zone is invalid (all ones)
};

// What a power cycle does to zone conditions.
enum class PowerCyclePolicy : uint8_t {
  kCloseOpenZones,  // ZNS 2.1.1.3, tcmu-runner, persistent images: open -> CLOSED (EMPTY if wp at start)
  kKeep,            // libzbc fake, QEMU controller reset: conditions kept as they were
  kWipeToEmpty,     // null_blk, scsi_debug: every sequential zone EMPTY, data gone
  kAllFull,         // null_blk zone_full=1: every sequential zone FULL
};

// When a completed zone management command (reset, finish, open, close,
// offline) becomes durable, i.e. survives a power loss (issue 15;
// model/zone_model_power_loss.cpp).
enum class ManageDurability : uint8_t {
  kCompletion,  // durable when it completes (qcow2-zoned.md: "finish and reset flush it themselves")
  kNextFlush,   // only at the next completed Flush: until then it may be lost (either outcome allowed)
};

// Which check wins when a write breaks several rules at once.
enum class ErrorPrecedence : uint8_t {
  kStateFirst,     // QEMU NVMe, null_blk: FULL/RO/OFF -> not at wp -> crosses capacity
  kBoundaryFirst,  // scsi_debug, libzbc fake: crosses boundary -> FULL -> not at wp
};

// Which errno a failed zone I/O reports (the qemu-io "failed:" text). The
// qcow2 zoned format's revisions differ (qcow2-zoned.md "Later revisions").
enum class ErrnoVocabulary : uint8_t {
  kLinuxBlock,  // the Linux block layer's blk_errors (linux_errno(); the default)
  kQcow2V9,     // QEMU's zoned qcow2 driver up to v10: EINVAL for a write off the wp or past the capacity
  kQcow2V11,    // after v10: EIO for those; an append beyond the device fails with ENOSPC
};

// The write pointer a zone gets when it is finished.
enum class FinishWp : uint8_t {
  kZoneEnd,      // start + zone length (ZNS 1.1 3.4.3.1.2, null_finish_zone, every qcow2 revision)
  kCapacityEnd,  // start + capacity
};

struct ZoneParams {
  Profile profile = Profile::kLinux;  // error vocabulary and descriptions
  CloseEmptyResult close_empty_open_zone = CloseEmptyResult::kEmpty;
  PointlessOp open_full_zone = PointlessOp::kError;
  PointlessOp close_empty_or_full_zone = PointlessOp::kError;
  bool finish_requires_open_resource = true;  // finish of EMPTY/CLOSED needs an open resource
  bool finish_empty_requires_active = true;   // finish of EMPTY also needs an active resource
  ImplicitClosePolicy implicit_close = ImplicitClosePolicy::kRoundRobin;
  bool implicit_close_on_explicit_open = true;      // explicit open may close an IO zone too
  bool implicit_close_before_resource_check = false;  // QEMU: victim closed even if the op then fails
  bool swap_closed_when_active_full = false;  // CLOSED->open via implicit close when active is full
  bool open_all_atomic = true;                // Open Select All: all-or-nothing
  bool restricted_reads = false;              // reads at/after wp fail (ZBC URSWRZ = 0)
  bool read_across_zones = true;              // reads may span zones (ZNS RAZB = 1)
  ReadFill read_fill = ReadFill::kZeroes;
  FullWpReport full_wp = FullWpReport::kAsWritten;
  PowerCyclePolicy power_cycle = PowerCyclePolicy::kCloseOpenZones;
  ErrorPrecedence precedence = ErrorPrecedence::kStateFirst;
  bool zone_append_supported = true;
  ErrnoVocabulary errnos = ErrnoVocabulary::kLinuxBlock;
  FinishWp finish_wp = FinishWp::kZoneEnd;
  // max_open_zones with max_active_zones 0: honoured (a limit), or ignored
  // (no open limit) as the qcow2 zoned driver up to v10 did.
  bool open_limit_alone = true;
  // Whether zone management since the last flush may be lost at a power loss.
  ManageDurability manage_durability = ManageDurability::kCompletion;

  bool operator==(const ZoneParams&) const = default;
};

// Geometry and limits. All sizes in bytes.
struct DeviceConfig {
  uint32_t block_size = 512;           // logical block size: 512 or 4096
  uint64_t size = 768ull << 20;        // device size
  uint64_t zone_size = 64ull << 20;    // zone size; the last zone may be smaller
  uint64_t zone_capacity = 64ull << 20;  // writable bytes per zone, <= zone_size
  uint32_t conventional_zones = 0;     // the first zones of the device
  uint32_t max_open_zones = 0;         // 0 = no limit
  uint32_t max_active_zones = 0;       // 0 = no limit
  uint32_t max_append_bytes = 131072;  // largest zone append
  ZoneParams params;

  bool operator==(const DeviceConfig&) const = default;

  // Derived geometry.
  // Inline: every report asks them once per zone.
  uint32_t nr_zones() const {
    return zone_size == 0 ? 0 : static_cast<uint32_t>((size + zone_size - 1) / zone_size);
  }
  uint32_t sequential_zones() const { return nr_zones() - conventional_zones; }
  uint32_t zone_index(uint64_t offset) const { return static_cast<uint32_t>(offset / zone_size); }
  uint64_t zone_start(uint32_t z) const { return uint64_t{z} * zone_size; }
  // zone_size, or less for the last zone
  uint64_t zone_length(uint32_t z) const {
    const uint64_t start = zone_start(z);
    return size - start < zone_size ? size - start : zone_size;
  }
  // capacity capped by the zone's length
  uint64_t zone_capacity_of(uint32_t z) const {
    const uint64_t len = zone_length(z);
    return zone_capacity < len ? zone_capacity : len;
  }
  bool is_conventional(uint32_t z) const { return z < conventional_zones; }

  // Checks every geometric rule; the message names the field and the values.
  Status Validate() const;
};

// The canonical form of the open and active limits: a limit at or above the
// number of sequential zones can never be reached, so it is no limit (0).
// qcow2-zoned.md: "A limit equal to the number of sequential zones means 'no
// limit' and is stored as 0"; null_blk null_init_zoned_dev disables
// zone_max_active and zone_max_open ">= zone count" ("has to be < nbr of seq
// zones in order to be enforceable"); the block layer does the same for every
// zoned disk (block/blk-zoned.c disk_update_zone_resources: "assume that the
// zoned device has no zone resource limits"). It matters: a reachable-looking
// active limit still changes behaviour through rules that test "active limit
// reached" (null_blk refuses CLOSED -> open then, swap_closed_when_active_full
// off), and max_open without max_active is ignored when open_limit_alone is
// off. The model, the image (stored and opened) and every parsed
// configuration use this one normalisation, so they agree on it.
DeviceConfig NormalisedLimits(DeviceConfig c);

// The profile presets. "every parameter can be overridden one by one".
ZoneParams profile_params(Profile p);
// The behaviour a revision of the qcow2 zoned format promises, on top of a
// profile: "v5"/"v6", "v9" (also "latest", "v8", "v10"), "v11", "v12"
// (qcow2-zoned.md "Later revisions"; the table in qcow2/README.md). False for
// an unknown name. `revision=` in a device spec applies it after `profile=`.
bool apply_revision_params(std::string_view revision, ZoneParams* params);
// The errno a status maps to under a vocabulary; `append` for zone append.
int zone_errno(ZoneStatus s, ErrnoVocabulary v, bool append);
std::string_view to_string(Profile p);
std::optional<Profile> profile_from_string(std::string_view s);

// Parses "size=768M,zone_size=64M,...,profile=zns,implicit_close=lowest_index".
// Keys: qemu-img's in both spellings (zone.size / zone_size, zone.capacity /
// zone_capacity, zone.conventional_zones / conventional_zones,
// zone.max_open_zones / max_open_zones, zone.max_active_zones /
// max_active_zones, zone.max_append_bytes / max_append_bytes, zone.mode /
// zone_model), block_size, profile, and every ZoneParams field by name.
// `profile=` is applied first wherever it appears, so that individual
// parameters override it. Sizes accept K/M/G/T suffixes (powers of 1024) and 0x hex.
// zone_capacity defaults to zone_size when not given.
Status ParseDeviceConfig(std::string_view spec, DeviceConfig* out);
// Same, starting from *out as the base (used for repeated -o options).
Status ApplyDeviceOptions(const std::vector<std::string>& options, DeviceConfig* out);

// "768M" -> 805306368; "0x1000" -> 4096. Rejects garbage and overflow.
// True when a and b describe the same geometry and limits (sizes, zone
// counts, open/active/append limits), whatever their behaviour parameters
// (limits compared in their normalised form: NormalisedLimits).
bool SameGeometry(const DeviceConfig& a, const DeviceConfig& b);

std::optional<uint64_t> ParseSize(std::string_view s);

// Canonical "key=value,..." spelling (every parameter), for reports and reproducers.
std::string FormatDeviceConfig(const DeviceConfig& c);

// Names of ZoneParams enum values, for options and reports.
std::string_view to_string(ImplicitClosePolicy p);
std::string_view to_string(PowerCyclePolicy p);
std::string_view to_string(ManageDurability d);
std::string_view to_string(FullWpReport p);

}  // namespace zonesim
