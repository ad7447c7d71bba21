// How the lockstep checker compares the status of an operation on the model
// with the device's. zonesim's own devices answer with the exact ZoneStatus,
// compared exactly. An external implementation answers through qemu-io with
// an errno only (sim/devices/qemu_io_device.h): success or failure must still
// match exactly, and the errno is compared through a declared vocabulary, so
// that an implementation's documented choice of errno is not a finding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zoned/device_config.h"
#include "zoned/zone_status.h"

namespace zonesim {

enum class ErrnoComparison {
  kExact,   // the Linux errno of the model's status (zoned/zone_status.h)
  kQemu,    // QEMU's zoned qcow2 driver: EINVAL as well as EIO for a write off the
            // write pointer or past the capacity, EIO as well as EINVAL for zone
            // management the zone's condition forbids (../shared/spec/qcow2-zoned.md)
  kIgnore,  // success/failure only
};
std::optional<ErrnoComparison> errno_comparison_from_string(std::string_view s);
std::string_view to_string(ErrnoComparison v);

struct StatusMatch {
  bool errno_only = false;  // the device's statuses stand for an errno
  ErrnoComparison vocabulary = ErrnoComparison::kExact;
  // The errnos the model's configuration gives (ZoneParams::errnos: Linux's,
  // or a qcow2 revision's): "exact" means these.
  ErrnoVocabulary model_errnos = ErrnoVocabulary::kLinuxBlock;
};

// The errnos an implementation compared with `match` may answer for the
// model's status of an operation (`append`: a zone append).
std::vector<int> AcceptedErrnos(ZoneStatus model, const StatusMatch& match, bool append);

// "" when the device's status is acceptable; otherwise "status differs" or,
// when only the errno is off, "errno differs: ..." (its own finding class).
std::string DescribeStatusDifference(ZoneStatus model, ZoneStatus device, const StatusMatch& match,
                                     bool append = false);

// True for a difference text DescribeStatusDifference gave for the errno alone.
inline bool IsErrnoDifference(std::string_view what) { return what.rfind("errno differs", 0) == 0; }

}  // namespace zonesim
