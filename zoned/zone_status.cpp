#include "zoned/zone_status.h"

#include <cerrno>
#include <cstdio>

#include "zoned/device_config.h"

namespace zonesim {

namespace {

struct StatusRow {
  ZoneStatus status;
  std::string_view id;
  uint16_t zns_code;          // ZNS 1.1 Figure 31 (generic) / Figure 40 (SCT 1h)
  std::string_view zns_name;
  ZbcSense sense;             // ZBC-2 / SPC-5 sense data
  std::string_view zbc_name;
  int err;                    // errno seen through the Linux block layer
  std::string_view blk_status;
};

// One row per status; the single place where encodings live.
constexpr StatusRow kRows[] = {
    {ZoneStatus::kOk, "ok", 0x000, "Successful Completion", {0x0, 0x00, 0x00}, "NO SENSE", 0,
     "BLK_STS_OK"},
    {ZoneStatus::kInvalidField, "invalid_field", 0x002, "Invalid Field in Command",
     {0x5, 0x24, 0x00}, "INVALID FIELD IN CDB", EINVAL, "BLK_STS_INVAL"},
    {ZoneStatus::kUnalignedRequest, "unaligned_request", 0x002, "Invalid Field in Command",
     {0x5, 0x24, 0x00}, "INVALID FIELD IN CDB", EINVAL, "BLK_STS_INVAL"},
    {ZoneStatus::kLbaOutOfRange, "lba_out_of_range", 0x080, "LBA Out of Range", {0x5, 0x21, 0x00},
     "LOGICAL BLOCK ADDRESS OUT OF RANGE", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kNotSupported, "not_supported", 0x001, "Invalid Command Opcode", {0x5, 0x20, 0x00},
     "INVALID COMMAND OPERATION CODE", EOPNOTSUPP, "BLK_STS_NOTSUPP"},
    {ZoneStatus::kZoneBoundaryError, "zone_boundary_error", 0x1B8, "Zone Boundary Error",
     {0x5, 0x21, 0x05}, "WRITE BOUNDARY VIOLATION", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kZoneIsFull, "zone_is_full", 0x1B9, "Zone Is Full", {0x5, 0x24, 0x00},
     "INVALID FIELD IN CDB", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kZoneIsReadOnly, "zone_is_read_only", 0x1BA, "Zone Is Read Only",
     {0x7, 0x27, 0x08}, "ZONE IS READ ONLY", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kZoneIsOffline, "zone_is_offline", 0x1BB, "Zone Is Offline", {0x7, 0x2C, 0x0E},
     "ZONE IS OFFLINE", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kZoneInvalidWrite, "zone_invalid_write", 0x1BC, "Zone Invalid Write",
     {0x5, 0x21, 0x04}, "UNALIGNED WRITE COMMAND", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kTooManyActiveZones, "too_many_active_zones", 0x1BD, "Too Many Active Zones",
     {0x7, 0x55, 0x0E}, "INSUFFICIENT ZONE RESOURCES", EOVERFLOW, "BLK_STS_ZONE_ACTIVE_RESOURCE"},
    {ZoneStatus::kTooManyOpenZones, "too_many_open_zones", 0x1BE, "Too Many Open Zones",
     {0x7, 0x55, 0x0E}, "INSUFFICIENT ZONE RESOURCES", ETOOMANYREFS, "BLK_STS_ZONE_OPEN_RESOURCE"},
    {ZoneStatus::kInvalidZoneStateTransition, "invalid_zone_state_transition", 0x1BF,
     "Invalid Zone State Transition", {0x5, 0x24, 0x00}, "INVALID FIELD IN CDB", EIO,
     "BLK_STS_IOERR"},
    {ZoneStatus::kReadBoundaryViolation, "read_boundary_violation", 0x1B8, "Zone Boundary Error",
     {0x5, 0x21, 0x07}, "READ BOUNDARY VIOLATION", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kReadUnwritten, "read_unwritten", 0x287, "Deallocated or Unwritten Logical Block",
     {0x5, 0x21, 0x06}, "ATTEMPT TO READ INVALID DATA", EIO, "BLK_STS_IOERR"},
    {ZoneStatus::kMediaError, "media_error", 0x280, "Write Fault", {0x3, 0x0C, 0x00}, "WRITE ERROR",
     EIO, "BLK_STS_IOERR"},
};
static_assert(sizeof(kRows) / sizeof(kRows[0]) == kZoneStatusCount);

const StatusRow& row(ZoneStatus s) { return kRows[static_cast<int>(s)]; }

}  // namespace

std::string_view status_id(ZoneStatus s) { return row(s).id; }

std::optional<ZoneStatus> status_from_id(std::string_view id) {
  for (const StatusRow& r : kRows)
    if (r.id == id) return r.status;
  return std::nullopt;
}

uint16_t zns_status_code(ZoneStatus s) { return row(s).zns_code; }
std::string_view zns_status_name(ZoneStatus s) { return row(s).zns_name; }
ZbcSense zbc_sense(ZoneStatus s) { return row(s).sense; }
std::string_view zbc_sense_name(ZoneStatus s) { return row(s).zbc_name; }
int linux_errno(ZoneStatus s) { return row(s).err; }
std::string_view linux_block_status(ZoneStatus s) { return row(s).blk_status; }

std::string_view errno_text(ZoneStatus s) { return strerror_text(row(s).err); }

std::string_view strerror_text(int err) {
  switch (err) {
    case 0: return "Success";
    case EINVAL: return "Invalid argument";
    case EIO: return "Input/output error";
    case EOPNOTSUPP: return "Operation not supported";
    case EOVERFLOW: return "Value too large for defined data type";
    case ETOOMANYREFS: return "Too many references: cannot splice";
    case ENOSPC: return "No space left on device";
  }
  return "Unknown error";
}

std::string describe(ZoneStatus s, Profile p) { return describe(s, p, linux_errno(s)); }

std::string describe(ZoneStatus s, Profile p, int err) {
  std::string out(strerror_text(err));
  char code[64];
  switch (p) {
    case Profile::kZns:
      std::snprintf(code, sizeof code, "NVMe status 0x%03x", zns_status_code(s));
      out += " (" + std::string(zns_status_name(s)) + ", " + code + ")";
      break;
    case Profile::kZbc: {
      ZbcSense k = zbc_sense(s);
      const char* key = k.key == 0x7   ? "DATA PROTECT"
                        : k.key == 0x5 ? "ILLEGAL REQUEST"
                        : k.key == 0x3 ? "MEDIUM ERROR"
                                       : "NO SENSE";
      std::snprintf(code, sizeof code, "sense %s %02Xh/%02Xh", key, k.asc, k.ascq);
      out += " (" + std::string(zbc_sense_name(s)) + ", " + code + ")";
      break;
    }
    case Profile::kLinux:
      out += " (" + std::string(zns_status_name(s)) + ", " + std::string(linux_block_status(s)) + ")";
      break;
  }
  return out;
}

}  // namespace zonesim
