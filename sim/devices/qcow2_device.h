// Qcow2Device: the Device interface over a zoned qcow2 image (qcow2/zoned/zoned_image.h).
// Power cycle closes and reopens the image, so open zones come back CLOSED
// (open-to-closed recovery). Injected READ ONLY / OFFLINE zones are simulated
// device events the image format cannot store: the adapter keeps them across
// its power cycles. A power loss (PowerLoss) drops the image unflushed and
// reopens it over the crash state the CrashSpec picks (the device's own
// CrashEnv, common/crash_env.h, wraps the Env it is given).
#pragma once

#include <memory>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "zoned/device_config.h"
#include "zoned/device.h"

namespace zonesim {

// How to open the image: read-only devices fail every write with
// kMediaError ("image is opened read-only") and never change the file;
// force_share (read-only only) is QEMU's -U: inspect an image another process
// holds.
struct ImageOpenMode {
  bool read_only = false;
  bool force_share = false;
};

// Opens an existing zoned image with the given behaviour parameters (the
// geometry comes from the image). Returns nullptr and sets *status on error.
std::unique_ptr<Device> OpenImageDevice(Env* env, const std::string& path, const ZoneParams& params,
                                        Status* status, ImageOpenMode mode = {});

}  // namespace zonesim
