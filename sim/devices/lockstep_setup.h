// A fresh device under test for a lockstep run: a new zoned qcow2 image of a
// DeviceConfig, opened as a Device. Shared by fuzz campaigns (and their
// shrinker) and trace replay, which must start the image in exactly the
// state the model starts in (every zone EMPTY).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"
#include "zoned/device.h"

namespace zonesim {

// The file system lockstep runs use: the real one without fdatasync. Their
// power cycles close and reopen the image cleanly, so syncing changes no byte
// and would only make a long run disk-bound (common/unsynced_env.h).
Env* LockstepEnv();

// Creates the image at path (overwriting it only when `overwrite`) and opens
// it with config's behaviour parameters.
Status CreateLockstepDevice(const DeviceConfig& config, const std::string& path,
                            uint32_t cluster_size, ZonedLayout layout, bool overwrite,
                            std::unique_ptr<Device>* out);

}  // namespace zonesim
