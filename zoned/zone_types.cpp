#include "zoned/zone_types.h"

namespace zonesim {

bool is_open(ZoneCondition c) {
  return c == ZoneCondition::kImplicitOpen || c == ZoneCondition::kExplicitOpen;
}

bool is_active(ZoneCondition c) { return is_open(c) || c == ZoneCondition::kClosed; }

std::string_view to_string(ZoneCondition c) {
  switch (c) {
    case ZoneCondition::kNotWp: return "NOT_WP";
    case ZoneCondition::kEmpty: return "EMPTY";
    case ZoneCondition::kImplicitOpen: return "IMP_OPEN";
    case ZoneCondition::kExplicitOpen: return "EXP_OPEN";
    case ZoneCondition::kClosed: return "CLOSED";
    case ZoneCondition::kReadOnly: return "READONLY";
    case ZoneCondition::kFull: return "FULL";
    case ZoneCondition::kOffline: return "OFFLINE";
  }
  return "?";
}

std::string_view to_string(ZoneType t) {
  switch (t) {
    case ZoneType::kConventional: return "CONVENTIONAL";
    case ZoneType::kSequentialWriteRequired: return "SEQWRITE_REQ";
    case ZoneType::kSequentialWritePreferred: return "SEQWRITE_PREF";
  }
  return "?";
}

std::string_view to_string(ZoneAction a) {
  switch (a) {
    case ZoneAction::kOpen: return "open";
    case ZoneAction::kClose: return "close";
    case ZoneAction::kFinish: return "finish";
    case ZoneAction::kReset: return "reset";
    case ZoneAction::kOffline: return "offline";
  }
  return "?";
}

std::optional<ZoneCondition> condition_from_string(std::string_view s) {
  for (ZoneCondition c : kAllConditions)
    if (to_string(c) == s) return c;
  return std::nullopt;
}

std::optional<ReportFilter> report_filter_from_string(std::string_view s) {
  if (s == "all") return ReportFilter::kAll;
  if (s == "empty") return ReportFilter::kEmpty;
  if (s == "imp_open") return ReportFilter::kImplicitOpen;
  if (s == "exp_open") return ReportFilter::kExplicitOpen;
  if (s == "closed") return ReportFilter::kClosed;
  if (s == "full") return ReportFilter::kFull;
  if (s == "readonly") return ReportFilter::kReadOnly;
  if (s == "offline") return ReportFilter::kOffline;
  if (s == "not_wp") return ReportFilter::kNotWp;
  return std::nullopt;
}

}  // namespace zonesim
