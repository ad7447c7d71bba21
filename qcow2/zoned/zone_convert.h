// Turning a plain qcow2 image (for example one made by qemu-img) into a
// zoned one with its data kept: `zonesim create IMAGE --from SRC`.
//
// Write-pointer rule: a sequential zone whose first `capacity` bytes hold any
// non-zero byte becomes FULL (wp = start + capacity, as if the guest had
// written it full, so everything in it stays readable); every other
// sequential zone is EMPTY. A zone of all zeros reads the same either way.
// Data between a zone's capacity and its end would become unreadable, so the
// conversion refuses it (the message names the zone and the offset).
// Conventional zones keep their data and need no write pointer.
#pragma once

#include <cstdint>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim {

struct ConvertSummary {
  uint32_t full_zones = 0;   // sequential zones holding data
  uint32_t empty_zones = 0;  // sequential zones of zeros
};

// Checks that `src` can carry `config` (not zoned already, virtual size equal
// to config.size, no data past a zone's capacity) without creating anything.
Status CheckConvertible(Env* env, const std::string& src, const DeviceConfig& config);

// Copies src to dst byte for byte, adds the zoned extension for `config`
// and sets the write pointers by the rule above. Validates everything before
// creating dst; removes dst on any later error. Refuses to replace an existing
// dst unless `overwrite`.
Status ConvertToZoned(Env* env, const std::string& src, const std::string& dst,
                      const DeviceConfig& config, ZonedLayout layout, bool overwrite,
                      ConvertSummary* summary);

}  // namespace zonesim
