#include "sim/devices/lockstep_setup.h"

#include "common/unsynced_env.h"
#include "sim/devices/image_setup.h"
#include "sim/devices/qcow2_device.h"

namespace zonesim {

Env* LockstepEnv() {
  static UnsyncedEnv env;
  return &env;
}

Status CreateLockstepDevice(const DeviceConfig& config, const std::string& path,
                            uint32_t cluster_size, ZonedLayout layout, bool overwrite,
                            std::unique_ptr<Device>* out) {
  Status s = CreateZonedImage(LockstepEnv(), path, config, cluster_size, layout, overwrite);
  if (!s.ok()) return s;
  *out = OpenImageDevice(LockstepEnv(), path, config.params, &s);
  if (!*out) return s.ok() ? Status::IoError("cannot open " + path) : s;
  return Status::Ok();
}

}  // namespace zonesim
