#include "zoned/operation.h"

#include <array>

#include "zoned/device_config.h"

namespace zonesim {

namespace {

struct OpKindNames {
  OpKind kind;
  std::string_view id;       // JSON and summaries
  std::string_view qemu_io;  // "<name> failed: ..." as qemu-io prints it
};

// In OpKind order: the index is the enum value (checked below).
constexpr std::array<OpKindNames, 15> kNames = {{
    {OpKind::kRead, "read", "read"},
    {OpKind::kWrite, "write", "write"},
    {OpKind::kAppend, "append", "zone append"},
    {OpKind::kFlush, "flush", "flush"},
    {OpKind::kDiscard, "discard", "discard"},
    {OpKind::kOpen, "open", "zone open"},
    {OpKind::kClose, "close", "zone close"},
    {OpKind::kFinish, "finish", "zone finish"},
    {OpKind::kReset, "reset", "zone reset"},
    {OpKind::kOffline, "offline", "zone offline"},
    {OpKind::kReport, "report", "zone report"},
    {OpKind::kPowerCycle, "powercycle", "powercycle"},
    {OpKind::kInjectReadOnly, "inject_readonly", "inject"},
    {OpKind::kInjectOffline, "inject_offline", "inject"},
    {OpKind::kPowerLoss, "powerloss", "powerloss"},
}};

constexpr bool TableInEnumOrder() {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (static_cast<size_t>(kNames[i].kind) != i) return false;
  return true;
}
static_assert(TableInEnumOrder(), "kNames must list every OpKind in enum order");
static_assert(static_cast<size_t>(OpKind::kPowerLoss) + 1 == kNames.size(),
              "a new OpKind needs its names here");

const OpKindNames* Find(OpKind k) {
  size_t i = static_cast<size_t>(k);
  return i < kNames.size() ? &kNames[i] : nullptr;
}

}  // namespace

std::string_view to_string(OpKind k) {
  const OpKindNames* n = Find(k);
  return n ? n->id : "?";
}

std::string_view qemu_io_name(OpKind k) {
  const OpKindNames* n = Find(k);
  return n ? n->qemu_io : "command";
}

namespace {

// The words report_filter_from_string reads; which filter each one names is
// decided there, so the two directions cannot disagree.
constexpr std::string_view kReportOptionWords[] = {"all",    "empty", "imp_open", "exp_open", "closed",
                                                   "full",   "readonly", "offline", "not_wp"};

}  // namespace

std::string_view report_option_name(ReportFilter f) {
  for (std::string_view w : kReportOptionWords)
    if (report_filter_from_string(w) == f) return w;
  return "?";
}

std::string report_option_names() {
  std::string out;
  for (ReportFilter f : kReportFilters) {
    if (!out.empty()) out += '|';
    out += report_option_name(f);
  }
  return out;
}

Operation ResolveZoneRange(const Operation& op, const DeviceConfig& config) {
  if (!is_zone_management(op.kind)) return op;
  Operation r = op;
  if (op.length == kZoneRangeAll) {
    r.offset = 0;
    r.length = config.size;
  } else if (op.length == 0 && op.offset < config.size) {
    r.length = config.zone_length(config.zone_index(op.offset));
  }
  return r;
}

}  // namespace zonesim
