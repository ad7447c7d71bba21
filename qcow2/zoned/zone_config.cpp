#include "qcow2/zoned/zone_config.h"

#include <algorithm>
#include <string>

#include "qcow2/storage/zoned_extension.h"

namespace zonesim {

DeviceConfig ConfigFromExtension(const ZonedExtension& ext, uint64_t virtual_size,
                                 const ZoneParams& params) {
  DeviceConfig c;
  c.block_size = kImageBlockSize;
  c.size = virtual_size;
  c.zone_size = ext.zone_size;
  c.zone_capacity = ext.zone_capacity;
  c.conventional_zones = ext.conventional_zones;
  // The layouts after v10 clamp a limit above the sequential zone count (the
  // opener warns); older layouts refuse such an image before this point.
  const uint32_t seq = ext.conventional_zones < ext.nr_zones ? ext.nr_zones - ext.conventional_zones : 0;
  c.max_open_zones = std::min(ext.max_open_zones, seq);
  c.max_active_zones = std::min(ext.max_active_zones, seq);
  c.max_append_bytes = ext.max_append_bytes;
  c.params = params;
  // A stored 0 is no limit; a clamped limit equal to the count is none either.
  return NormalisedLimits(c);
}

ZonedExtension ExtensionFromConfig(const DeviceConfig& config, ZonedLayout layout) {
  ZonedExtension ext;
  ext.zoned = 1;
  ext.zone_size = config.zone_size;
  ext.zone_capacity = config.zone_capacity;
  ext.conventional_zones = config.conventional_zones;
  ext.nr_zones = config.nr_zones();
  // qcow2-zoned.md: "A limit equal to the number of sequential zones means
  // 'no limit' and is stored as 0."
  const DeviceConfig stored = NormalisedLimits(config);
  ext.max_open_zones = stored.max_open_zones;
  ext.max_active_zones = stored.max_active_zones;
  ext.max_append_bytes = config.max_append_bytes;
  ext.zonedmeta_size = uint64_t{ext.nr_zones} * 8;
  ext.zonedmeta_offset = 0;
  ext.layout = layout;
  return ext;
}

Status ValidateForImage(const DeviceConfig& config, ZonedLayout layout) {
  if (config.zone_size == 0 || (config.zone_size & (config.zone_size - 1)) != 0)
    return Status::InvalidArgument("zone.size " + std::to_string(config.zone_size) +
                                   " is not a power of two");
  if (IsPostV10Layout(layout) && config.nr_zones() > (1u << 20))
    return Status::InvalidArgument(std::to_string(config.nr_zones()) + " zones: the " +
                                   qcow2::ZonedLayoutName(layout) + " layout allows at most 2^20 = 1048576");
  if (layout == ZonedLayout::kV12 && config.max_append_bytes != qcow2::V12MaxAppendBytes(config.zone_capacity))
    return Status::InvalidArgument("zone.max_append_bytes " + std::to_string(config.max_append_bytes) +
                                   " cannot be stored: the v12 layout has no such field (its readers use " +
                                   std::to_string(qcow2::V12MaxAppendBytes(config.zone_capacity)) + ")");
  if (layout == ZonedLayout::kV5) {
    const uint64_t u32_max = UINT32_MAX;
    if (config.zone_size > u32_max)
      return Status::InvalidArgument("zone.size " + std::to_string(config.zone_size) +
                                     " does not fit the v5 layout's 32-bit field (max " +
                                     std::to_string(u32_max) + ")");
    if (config.zone_capacity > u32_max)
      return Status::InvalidArgument("zone.capacity " + std::to_string(config.zone_capacity) +
                                     " does not fit the v5 layout's 32-bit field (max " +
                                     std::to_string(u32_max) + ")");
  }
  return Status::Ok();
}

}  // namespace zonesim
