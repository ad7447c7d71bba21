// Creating a fresh zoned qcow2 image for a DeviceConfig: shared by fuzz,
// replay and tests that need an image in the device's initial state.
#pragma once

#include <cstdint>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "common/temp_dir.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim {

// Creates IMAGE as a zoned qcow2 image of this geometry (every zone EMPTY).
// The block size must be 512 (the format stores none). Refuses to overwrite
// an existing file unless overwrite.
Status CreateZonedImage(Env* env, const std::string& path, const DeviceConfig& config,
                        uint32_t cluster_size = 65536, ZonedLayout layout = ZonedLayout::kLatest,
                        bool overwrite = false);


}  // namespace zonesim
