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

#include "zoned/zone_status.h"

namespace zonesim {

enum class ErrnoVocabulary {
  kExact,   // the Linux errno of the model's status (zoned/zone_status.h)
  kQemu,    // QEMU's zoned qcow2 driver: EINVAL as well as EIO for a write off the
            // write pointer or past the capacity, EIO as well as EINVAL for zone
            // management the zone's condition forbids (../shared/spec/qcow2-zoned.md)
  kIgnore,  // success/failure only
};
std::optional<ErrnoVocabulary> errno_vocabulary_from_string(std::string_view s);
std::string_view to_string(ErrnoVocabulary v);

struct StatusMatch {
  bool errno_only = false;  // the device's statuses stand for an errno
  ErrnoVocabulary vocabulary = ErrnoVocabulary::kExact;
};

// The errnos an implementation speaking `v` may answer for the model's status.
std::vector<int> AcceptedErrnos(ZoneStatus model, ErrnoVocabulary v);

// "" when the device's status is acceptable; otherwise "status differs" or,
// when only the errno is off, "errno differs: ..." (its own finding class).
std::string DescribeStatusDifference(ZoneStatus model, ZoneStatus device, const StatusMatch& match);

// True for a difference text DescribeStatusDifference gave for the errno alone.
inline bool IsErrnoDifference(std::string_view what) { return what.rfind("errno differs", 0) == 0; }

}  // namespace zonesim
