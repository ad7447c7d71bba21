// Translation between the zoned header extension an image stores
// (../shared/spec/qcow2-zoned.md) and the DeviceConfig the rest of zonesim
// speaks. The image holds geometry and limits only; behaviour (ZoneParams)
// always comes from the caller. Logical block size: the format has no field
// for it, so images are always 512-byte-block devices.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim {

inline constexpr uint32_t kImageBlockSize = 512;

// The device an image with this extension and virtual size presents.
DeviceConfig ConfigFromExtension(const ZonedExtension& ext, uint64_t virtual_size,
                                 const ZoneParams& params);

// The extension `zonesim create` stores for a configuration: nr_zones and
// zonedmeta_size computed, a limit equal to the number of sequential zones
// stored as 0 ("no limit", as the format text asks). zonedmeta_offset is left
// 0 for Qcow2Image to place.
ZonedExtension ExtensionFromConfig(const DeviceConfig& config, ZonedLayout layout);

// Checks the format's rules that DeviceConfig::Validate does not know:
// zone_size a power of two, for the v5 layout zone_size/zone_capacity
// fitting its 32-bit fields, for v12 an append limit its readers present.
// The message names the values.
Status ValidateForImage(const DeviceConfig& config, ZonedLayout layout);

}  // namespace zonesim
