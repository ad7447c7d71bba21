// Zone vocabulary shared by every part of zonesim: conditions, types, the
// zone-management actions and report filters. Numeric values are Linux's
// (include/uapi/linux/blkzoned.h), which are also the ZBC/ZNS encodings
// (ZBC-2 REPORT ZONES byte 1 bits 7:4, ZNS 1.1 Figure 37 "Zone State").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace zonesim {

// A zone's condition (ZNS "zone state", ZBC "zone condition").
enum class ZoneCondition : uint8_t {
  kNotWp = 0x0,         // conventional zone (ZBC NOT WRITE POINTER); ZNS has none
  kEmpty = 0x1,         // ZSE / ZC1
  kImplicitOpen = 0x2,  // ZSIO / ZC2
  kExplicitOpen = 0x3,  // ZSEO / ZC3
  kClosed = 0x4,        // ZSC / ZC4
  kReadOnly = 0xD,      // ZSRO / ZC6
  kFull = 0xE,          // ZSF / ZC5
  kOffline = 0xF,       // ZSO / ZC7
};

inline constexpr ZoneCondition kAllConditions[] = {
    ZoneCondition::kNotWp,  ZoneCondition::kEmpty,    ZoneCondition::kImplicitOpen,
    ZoneCondition::kExplicitOpen, ZoneCondition::kClosed, ZoneCondition::kReadOnly,
    ZoneCondition::kFull,   ZoneCondition::kOffline};

// Zone type (Linux BLK_ZONE_TYPE_*, ZBC zone type field).
enum class ZoneType : uint8_t {
  kConventional = 0x1,
  kSequentialWriteRequired = 0x2,
  kSequentialWritePreferred = 0x3,
};

// Zone Management Send actions (ZNS Figure 39) / ZBC OUT service actions.
enum class ZoneAction : uint8_t {
  kOpen,
  kClose,
  kFinish,
  kReset,
  kOffline,  // ZNS only: Read Only -> Offline
};

// Report Zones reporting options (ZBC-2 CDB byte 14, ZNS Zone Receive).
enum class ReportFilter : uint8_t {
  kAll = 0x00,
  kEmpty = 0x01,
  kImplicitOpen = 0x02,
  kExplicitOpen = 0x03,
  kClosed = 0x04,
  kFull = 0x05,
  kReadOnly = 0x06,
  kOffline = 0x07,
  kNotWp = 0x3F,
};

// Device-internal events a simulator may inject (outside the host's control).
enum class ZoneFault : uint8_t { kReadOnly, kOffline };

bool is_open(ZoneCondition c);    // implicitly or explicitly open
bool is_active(ZoneCondition c);  // open or closed: holds an active resource
// The one condition a reporting option other than kAll selects (ZNS 1.1
// Figure 41 Zone Receive Action Specific field; ZBC-2 REPORTING OPTIONS).
inline ZoneCondition filter_condition(ReportFilter f) {
  switch (f) {
    case ReportFilter::kImplicitOpen: return ZoneCondition::kImplicitOpen;
    case ReportFilter::kExplicitOpen: return ZoneCondition::kExplicitOpen;
    case ReportFilter::kClosed: return ZoneCondition::kClosed;
    case ReportFilter::kFull: return ZoneCondition::kFull;
    case ReportFilter::kReadOnly: return ZoneCondition::kReadOnly;
    case ReportFilter::kOffline: return ZoneCondition::kOffline;
    case ReportFilter::kNotWp: return ZoneCondition::kNotWp;
    case ReportFilter::kAll:
    case ReportFilter::kEmpty: break;
  }
  return ZoneCondition::kEmpty;
}
// Inline: a report asks it once per zone of the device.
inline bool condition_matches(ZoneCondition c, ReportFilter f) {
  switch (f) {
    case ReportFilter::kAll: return true;
    case ReportFilter::kEmpty: return c == ZoneCondition::kEmpty;
    case ReportFilter::kImplicitOpen: return c == ZoneCondition::kImplicitOpen;
    case ReportFilter::kExplicitOpen: return c == ZoneCondition::kExplicitOpen;
    case ReportFilter::kClosed: return c == ZoneCondition::kClosed;
    case ReportFilter::kFull: return c == ZoneCondition::kFull;
    case ReportFilter::kReadOnly: return c == ZoneCondition::kReadOnly;
    case ReportFilter::kOffline: return c == ZoneCondition::kOffline;
    case ReportFilter::kNotWp: return c == ZoneCondition::kNotWp;
  }
  return false;
}

// Short names used in reports, graphs and JSON: "EMPTY", "IMP_OPEN", ...
std::string_view to_string(ZoneCondition c);
std::string_view to_string(ZoneType t);
std::string_view to_string(ZoneAction a);
std::optional<ZoneCondition> condition_from_string(std::string_view s);
std::optional<ReportFilter> report_filter_from_string(std::string_view s);

}  // namespace zonesim
