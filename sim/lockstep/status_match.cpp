#include "sim/lockstep/status_match.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zonesim {

std::optional<ErrnoComparison> errno_comparison_from_string(std::string_view s) {
  if (s == "exact" || s == "linux") return ErrnoComparison::kExact;
  if (s == "qemu") return ErrnoComparison::kQemu;
  if (s == "ignore") return ErrnoComparison::kIgnore;
  return std::nullopt;
}

std::string_view to_string(ErrnoComparison v) {
  switch (v) {
    case ErrnoComparison::kExact: return "exact";
    case ErrnoComparison::kQemu: return "qemu";
    case ErrnoComparison::kIgnore: return "ignore";
  }
  return "?";
}

std::vector<int> AcceptedErrnos(ZoneStatus model, const StatusMatch& match, bool append) {
  std::vector<int> errs = {zone_errno(model, match.model_errnos, append)};
  if (match.vocabulary == ErrnoComparison::kQemu) {
    switch (model) {
      case ZoneStatus::kZoneInvalidWrite:
      case ZoneStatus::kZoneBoundaryError:
        errs.push_back(EINVAL);
        break;
      case ZoneStatus::kInvalidZoneStateTransition:
        errs.push_back(EINVAL);
        break;
      default:
        break;
    }
  }
  return errs;
}

std::string DescribeStatusDifference(ZoneStatus model, ZoneStatus device, const StatusMatch& match,
                                     bool append) {
  if (!match.errno_only) return model == device ? "" : "status differs";
  const bool model_ok = model == ZoneStatus::kOk, device_ok = device == ZoneStatus::kOk;
  if (model_ok != device_ok) return "status differs";
  if (model_ok || match.vocabulary == ErrnoComparison::kIgnore) return "";
  std::vector<int> accepted = AcceptedErrnos(model, match, append);
  const int got = linux_errno(device);
  if (std::find(accepted.begin(), accepted.end(), got) != accepted.end()) return "";
  std::string want;
  for (int e : accepted) want += (want.empty() ? "" : " or ") + std::string(std::strerror(e));
  return "errno differs: the model's " + std::string(status_id(model)) + " means " + want +
         " (--errno " + std::string(to_string(match.vocabulary)) + "), the device answered " +
         std::strerror(got);
}

}  // namespace zonesim
