#include "qcow2/storage/zoned_extension.h"

#include <string>

#include "qcow2/storage/qcow2_format.h"

namespace zonesim::qcow2 {

const char* ZonedLayoutName(ZonedLayout layout) {
  return layout == ZonedLayout::kV5 ? "v5 (48-byte)" : "latest (56-byte)";
}

Status EncodeZonedExtension(const ZonedExtension& e, std::vector<uint8_t>* out) {
  if (e.layout == ZonedLayout::kV5) {
    if (e.zone_size > UINT32_MAX || e.zone_capacity > UINT32_MAX) {
      return Status::InvalidArgument("zoned extension v5 layout stores zone_size and zone_capacity in 32 bits: zone_size " +
                                     std::to_string(e.zone_size) + ", zone_capacity " +
                                     std::to_string(e.zone_capacity) + " (max " + std::to_string(UINT32_MAX) + ")");
    }
    out->assign(kZonedExtV5Length, 0);
    uint8_t* p = out->data();
    p[0] = e.zoned;
    StoreBE32(p + 4, static_cast<uint32_t>(e.zone_size));
    StoreBE32(p + 8, static_cast<uint32_t>(e.zone_capacity));
    StoreBE32(p + 12, e.conventional_zones);
    StoreBE32(p + 16, e.nr_zones);
    StoreBE32(p + 20, e.max_active_zones);
    StoreBE32(p + 24, e.max_open_zones);
    StoreBE32(p + 28, e.max_append_bytes);
    StoreBE64(p + 32, e.zonedmeta_size);
    StoreBE64(p + 40, e.zonedmeta_offset);
    return Status::Ok();
  }
  out->assign(kZonedExtLatestLength, 0);
  uint8_t* p = out->data();
  p[0] = e.zoned;
  StoreBE64(p + 4, e.zone_size);
  StoreBE64(p + 12, e.zone_capacity);
  StoreBE32(p + 20, e.conventional_zones);
  StoreBE32(p + 24, e.nr_zones);
  StoreBE32(p + 28, e.max_active_zones);
  StoreBE32(p + 32, e.max_open_zones);
  StoreBE32(p + 36, e.max_append_bytes);
  StoreBE64(p + 40, e.zonedmeta_size);
  StoreBE64(p + 48, e.zonedmeta_offset);
  return Status::Ok();
}

Status DecodeZonedExtension(const uint8_t* p, size_t n, ZonedExtension* out) {
  ZonedExtension e;
  if (n >= kZonedExtLatestLength) {
    e.layout = ZonedLayout::kLatest;
    e.zoned = p[0];
    e.zone_size = LoadBE64(p + 4);
    e.zone_capacity = LoadBE64(p + 12);
    e.conventional_zones = LoadBE32(p + 20);
    e.nr_zones = LoadBE32(p + 24);
    e.max_active_zones = LoadBE32(p + 28);
    e.max_open_zones = LoadBE32(p + 32);
    e.max_append_bytes = LoadBE32(p + 36);
    e.zonedmeta_size = LoadBE64(p + 40);
    e.zonedmeta_offset = LoadBE64(p + 48);
  } else if (n == kZonedExtV5Length) {
    e.layout = ZonedLayout::kV5;
    e.zoned = p[0];
    e.zone_size = LoadBE32(p + 4);
    e.zone_capacity = LoadBE32(p + 8);
    e.conventional_zones = LoadBE32(p + 12);
    e.nr_zones = LoadBE32(p + 16);
    e.max_active_zones = LoadBE32(p + 20);
    e.max_open_zones = LoadBE32(p + 24);
    e.max_append_bytes = LoadBE32(p + 28);
    e.zonedmeta_size = LoadBE64(p + 32);
    e.zonedmeta_offset = LoadBE64(p + 40);
  } else if (n > kZonedExtV5Length) {
    return Status::Corruption("zoned extension: length " + std::to_string(n) +
                              " is shorter than the 56-byte latest layout and longer than the 48-byte v5 layout; "
                              "refusing to guess which one it is");
  } else {
    return Status::Corruption("zoned extension: length " + std::to_string(n) +
                              " is shorter than the 48-byte v5 layout (latest layout: 56 bytes)");
  }
  *out = e;
  return Status::Ok();
}

uint32_t ZonedReservedBytes(const uint8_t* p) {
  return (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace zonesim::qcow2
