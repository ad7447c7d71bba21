// ZoneStatus: the outcome of one zone operation, as an abstract condition that
// maps to each standard's encoding:
//   - NVMe ZNS 1.1 status (Status Code Type << 8 | Status Code, e.g. 0x1BE),
//   - T10 ZBC-2 sense key / ASC / ASCQ,
//   - the Linux errno a block-device user sees (block/blk-core.c blk_errors).
// Two statuses may share an encoding in one standard (ZBC reports both a write
// to a FULL zone and a bad zone id as INVALID FIELD IN CDB); the model still
// keeps them apart so the checker can compare exact outcomes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zonesim {

enum class Profile : uint8_t;  // zoned/device_config.h

enum class ZoneStatus : uint8_t {
  kOk,
  kInvalidField,                // bad argument: zone id not a zone start, append too large, ...
  kUnalignedRequest,            // offset/length not a multiple of the logical block size
  kLbaOutOfRange,               // beyond the device end
  kNotSupported,                // command absent from the standard (zone append on ZBC)
  kZoneBoundaryError,           // write crosses the zone capacity / zone end
  kZoneIsFull,                  // write/append to a FULL zone
  kZoneIsReadOnly,              // write/append to a READ ONLY zone
  kZoneIsOffline,               // any I/O to an OFFLINE zone
  kZoneInvalidWrite,            // write not at the write pointer
  kTooManyActiveZones,          // no active resource
  kTooManyOpenZones,            // no open resource
  kInvalidZoneStateTransition,  // zone management not allowed in this condition
  kReadBoundaryViolation,       // read crossing a zone boundary (ZNS RAZB=0, ZBC URSWRZ=0)
  kReadUnwritten,               // read at/after the write pointer when reads are restricted
  kMediaError,                  // the backing store failed (file I/O error, injected fault)
};

inline constexpr int kZoneStatusCount = 16;

struct ZbcSense {
  uint8_t key;   // 0x3 MEDIUM ERROR, 0x5 ILLEGAL REQUEST, 0x7 DATA PROTECT
  uint8_t asc;
  uint8_t ascq;
};

// Stable identifier for JSON and scripts: "ok", "too_many_open_zones", ...
std::string_view status_id(ZoneStatus s);
std::optional<ZoneStatus> status_from_id(std::string_view id);

// NVMe: (SCT << 8) | SC, without the DNR bit. Generic-status values have SCT 0.
uint16_t zns_status_code(ZoneStatus s);
std::string_view zns_status_name(ZoneStatus s);  // "Too Many Open Zones"
ZbcSense zbc_sense(ZoneStatus s);
std::string_view zbc_sense_name(ZoneStatus s);   // "INSUFFICIENT ZONE RESOURCES"
int linux_errno(ZoneStatus s);                   // EIO, ETOOMANYREFS, ...
std::string_view linux_block_status(ZoneStatus s);  // "BLK_STS_ZONE_OPEN_RESOURCE"
// glibc's strerror text for linux_errno(s), fixed here so output never depends
// on the locale.
std::string_view errno_text(ZoneStatus s);
std::string_view strerror_text(int err);  // the same, for any errno the vocabularies use

// The reason printed after "<command> failed: ": strerror text as qemu-io
// prints it, then the standard's name and code for the profile in use, e.g.
// "Too many references: cannot splice (Too Many Open Zones, NVMe status 0x1be)".
std::string describe(ZoneStatus s, Profile p);
// The same with the errno a vocabulary chose (zoned/device_config.h zone_errno).
std::string describe(ZoneStatus s, Profile p, int err);

}  // namespace zonesim
