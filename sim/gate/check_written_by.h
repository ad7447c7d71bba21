// `zonesim check IMAGE --written-by SCRIPT`: the gate for images produced by
// the implementation under test. The user ran SCRIPT (zonesim io / qemu-io
// zone dialect) on a fresh image of IMAGE's geometry with their own
// implementation (QEMU's zoned qcow2 driver, say) and closed it. zonesim runs
// the same script on the reference model with the image's geometry, powers
// the model off and on (the image was closed, so open zones must come back
// CLOSED: the format's open-to-closed recovery), and compares with the image:
// every zone's condition, write pointer, capacity and type, the open/active
// counters after reopening, and every byte written (conventional zones whole,
// sequential zones up to their write pointer).
//
// The image is never modified: zonesim's reader opens a private copy (opening
// an image recovers its zones, which may rewrite write-pointer entries).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"
#include "zoned/operation.h"

namespace zonesim {

struct WrittenByResult {
  bool passed = false;
  uint64_t ops = 0;                        // operations of the script run on the model
  std::vector<std::string> differences;    // at most kMaxWrittenByDifferences, then a count line
  std::string error;                       // could not compare (image unreadable, script unusable)
};

inline constexpr size_t kMaxWrittenByDifferences = 20;

// Compares the image at `path` (zoned extension `ext`, already checked
// structurally) with the model after `ops`, with the behaviour of `profile`.
void CheckWrittenBy(const std::string& path, const ZonedExtension& ext, uint64_t virtual_size, Profile profile,
                    const std::vector<Operation>& ops, WrittenByResult* result);

}  // namespace zonesim
