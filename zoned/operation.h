// Operation: one request to a zoned device, the single type that scripts,
// traces, fuzz workloads and replays all produce and every driver consumes.
// Offsets and lengths are bytes. Zone management takes a range: a range equal
// to the whole device means the Select All / ALL-bit form, any other range
// applies the action to each zone in it (as qemu-io's zo/zc/zf/zrs do).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "zoned/crash_spec.h"
#include "zoned/payload.h"
#include "zoned/zone_types.h"

namespace zonesim {

enum class OpKind : uint8_t {
  kRead,
  kWrite,
  kAppend,  // offset = zone start; the device picks where the data lands
  kFlush,
  kDiscard,  // trim/discard from a trace; replay decides what it means on a zoned device
  kOpen,
  kClose,
  kFinish,
  kReset,
  kOffline,  // ZNS Offline Zone
  kReport,   // zrp: report up to `count` zones matching `filter` from offset
  kPowerCycle,
  kInjectReadOnly,
  kInjectOffline,
  kPowerLoss,  // a power cycle that may lose what was not durable: `crash` says what survives
};

struct Operation {
  OpKind kind = OpKind::kRead;
  uint64_t offset = 0;
  uint64_t length = 0;
  Payload payload;            // write/append data; read: pattern to verify against
  bool verify = false;        // read -P: compare the data with payload
  bool print_sector = false;  // zap -p: print the append sector
  // kReport: the most zones to report, counting only the zones that match
  // `filter` (the size of the host's buffer in descriptors: ZNS Number of
  // Dwords, ZBC ALLOCATION LENGTH); the outcome's `partial` says whether more
  // matching zones follow (ZNS Partial Report / ZBC PARTIAL = 1: only the
  // descriptors returned are counted). 0 reports nothing, as qemu-io's zrp.
  uint32_t count = 0;
  // kReport: which zones to report (ZNS Zone Receive Action Specific field,
  // ZBC REPORTING OPTIONS); qemu-io's zrp has no such option (kAll).
  ReportFilter filter = ReportFilter::kAll;
  bool dump = false;          // read -v: print the data read (qemu-io's dump_buffer)
  CrashSpec crash;            // kPowerLoss: which crash state the device is left in

  bool operator==(const Operation&) const = default;
};

// Zone-management ranges that come from traces, which carry no zone geometry:
// - length 0 means "the one zone that starts at offset" (blktrace v8 zone
//   reset/open/close/finish records have bytes = 0: the kernel's bio carries no
//   size for REQ_OP_ZONE_*);
// - length kZoneRangeAll (offset 0) means every zone of the device, whatever its
//   size (blktrace v8 BLK_TC_ZONE_RESET_ALL, REQ_OP_ZONE_RESET_ALL).
// Drivers resolve both against the device's geometry before executing them.
inline constexpr uint64_t kZoneRangeAll = ~uint64_t{0};

// The one table of operation-kind names (zoned/operation.cpp):
// to_string: the stable identifier of JSON reports and summaries ("append");
// qemu_io_name: what qemu-io calls the command in "<name> failed: ..."
// ("zone append").
std::string_view to_string(OpKind k);
std::string_view qemu_io_name(OpKind k);

// Every reporting option, in encoding order (ZNS Figure 35 / ZBC-2 REPORT
// ZONES reporting options 00h-07h, then ZBC's 3Fh NOT WRITE POINTER).
inline constexpr ReportFilter kReportFilters[] = {
    ReportFilter::kAll,    ReportFilter::kEmpty,    ReportFilter::kImplicitOpen,
    ReportFilter::kExplicitOpen, ReportFilter::kClosed, ReportFilter::kFull,
    ReportFilter::kReadOnly, ReportFilter::kOffline, ReportFilter::kNotWp};

// The word a script uses for a reporting option (`zrp -o closed`): the name
// report_filter_from_string (zoned/zone_types.h) reads, "?" for none.
std::string_view report_option_name(ReportFilter f);
// Every option word, '|'-separated, for usage and error texts.
std::string report_option_names();

// The operation with trace-style zone ranges made explicit against the
// geometry: length 0 becomes the length of the zone at offset (a smaller last
// zone's included), kZoneRangeAll becomes [0, size). Anything else unchanged.
struct DeviceConfig;
Operation ResolveZoneRange(const Operation& op, const DeviceConfig& config);

// True for open/close/finish/reset/offline.
inline bool is_zone_management(OpKind k) {
  return k == OpKind::kOpen || k == OpKind::kClose || k == OpKind::kFinish ||
         k == OpKind::kReset || k == OpKind::kOffline;
}

// The zone action of a zone-management kind (is_zone_management(k) must hold).
inline ZoneAction zone_action_of(OpKind k) {
  switch (k) {
    case OpKind::kOpen: return ZoneAction::kOpen;
    case OpKind::kClose: return ZoneAction::kClose;
    case OpKind::kFinish: return ZoneAction::kFinish;
    case OpKind::kReset: return ZoneAction::kReset;
    default: return ZoneAction::kOffline;
  }
}

}  // namespace zonesim
