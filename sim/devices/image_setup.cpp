#include "sim/devices/image_setup.h"

#include "qcow2/zoned/zone_config.h"

namespace zonesim {

Status CreateZonedImage(Env* env, const std::string& path, const DeviceConfig& config,
                        uint32_t cluster_size, ZonedLayout layout, bool overwrite) {
  Status s = config.Validate();
  if (!s.ok()) return s;
  if (config.block_size != kImageBlockSize)
    return Status::InvalidArgument("block_size " + std::to_string(config.block_size) +
                                   ": qcow2 zoned images are 512-byte-block devices");
  s = ValidateForImage(config, layout);
  if (!s.ok()) return s;
  Qcow2CreateOptions options;
  options.virtual_size = config.size;
  options.cluster_size = cluster_size;
  options.zoned = ExtensionFromConfig(config, layout);
  return Qcow2Image::Create(env, path, options, overwrite);
}

}  // namespace zonesim
