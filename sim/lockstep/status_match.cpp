#include "sim/lockstep/status_match.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zonesim {

std::optional<ErrnoVocabulary> errno_vocabulary_from_string(std::string_view s) {
  if (s == "exact" || s == "linux") return ErrnoVocabulary::kExact;
  if (s == "qemu") return ErrnoVocabulary::kQemu;
  if (s == "ignore") return ErrnoVocabulary::kIgnore;
  return std::nullopt;
}

std::string_view to_string(ErrnoVocabulary v) {
  switch (v) {
    case ErrnoVocabulary::kExact: return "exact";
    case ErrnoVocabulary::kQemu: return "qemu";
    case ErrnoVocabulary::kIgnore: return "ignore";
  }
  return "?";
}

std::vector<int> AcceptedErrnos(ZoneStatus model, ErrnoVocabulary v) {
  std::vector<int> errs = {linux_errno(model)};
  if (v == ErrnoVocabulary::kQemu) {
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

std::string DescribeStatusDifference(ZoneStatus model, ZoneStatus device, const StatusMatch& match) {
  if (!match.errno_only) return model == device ? "" : "status differs";
  const bool model_ok = model == ZoneStatus::kOk, device_ok = device == ZoneStatus::kOk;
  if (model_ok != device_ok) return "status differs";
  if (model_ok || match.vocabulary == ErrnoVocabulary::kIgnore) return "";
  std::vector<int> accepted = AcceptedErrnos(model, match.vocabulary);
  const int got = linux_errno(device);
  if (std::find(accepted.begin(), accepted.end(), got) != accepted.end()) return "";
  std::string want;
  for (int e : accepted) want += (want.empty() ? "" : " or ") + std::string(std::strerror(e));
  return "errno differs: the model's " + std::string(status_id(model)) + " means " + want +
         " (--errno " + std::string(to_string(match.vocabulary)) + "), the device answered " +
         std::strerror(got);
}

}  // namespace zonesim
