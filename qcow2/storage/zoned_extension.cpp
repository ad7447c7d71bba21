#include "qcow2/storage/zoned_extension.h"

#include <string>

#include "qcow2/storage/qcow2_format.h"

namespace zonesim::qcow2 {

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

void EncodeV5(const ZonedExtension& e, uint8_t* p) {
  StoreBE32(p + 4, static_cast<uint32_t>(e.zone_size));
  StoreBE32(p + 8, static_cast<uint32_t>(e.zone_capacity));
  StoreBE32(p + 12, e.conventional_zones);
  StoreBE32(p + 16, e.nr_zones);
  StoreBE32(p + 20, e.max_active_zones);
  StoreBE32(p + 24, e.max_open_zones);
  StoreBE32(p + 28, e.max_append_bytes);
  StoreBE64(p + 32, e.zonedmeta_size);
  StoreBE64(p + 40, e.zonedmeta_offset);
}

void EncodeLatest(const ZonedExtension& e, uint8_t* p) {
  StoreBE64(p + 4, e.zone_size);
  StoreBE64(p + 12, e.zone_capacity);
  StoreBE32(p + 20, e.conventional_zones);
  StoreBE32(p + 24, e.nr_zones);
  StoreBE32(p + 28, e.max_active_zones);
  StoreBE32(p + 32, e.max_open_zones);
  StoreBE32(p + 36, e.max_append_bytes);
  StoreBE64(p + 40, e.zonedmeta_size);
  StoreBE64(p + 48, e.zonedmeta_offset);
}

// v11 and v12 share nr_zones, zone_size and zone_capacity at 4, 8 and 16.
void EncodePostV10(const ZonedExtension& e, uint8_t* p) {
  StoreBE32(p + 4, e.nr_zones);
  StoreBE64(p + 8, e.zone_size);
  StoreBE64(p + 16, e.zone_capacity);
  if (e.layout == ZonedLayout::kV11) {
    StoreBE32(p + 24, e.conventional_zones);
    StoreBE32(p + 28, e.max_active_zones);
    StoreBE32(p + 32, e.max_open_zones);
    StoreBE32(p + 36, e.max_append_bytes);
    StoreBE64(p + 40, e.zonedmeta_offset);
  } else {
    StoreBE64(p + 24, e.zonedmeta_offset);
    StoreBE32(p + 32, e.conventional_zones);
    StoreBE32(p + 36, e.max_active_zones);
    StoreBE32(p + 40, e.max_open_zones);
  }
}

void DecodeAs(const uint8_t* p, ZonedLayout layout, ZonedExtension* e) {
  e->layout = layout;
  e->zoned = p[0];
  switch (layout) {
    case ZonedLayout::kLatest:
      e->zone_size = LoadBE64(p + 4);
      e->zone_capacity = LoadBE64(p + 12);
      e->conventional_zones = LoadBE32(p + 20);
      e->nr_zones = LoadBE32(p + 24);
      e->max_active_zones = LoadBE32(p + 28);
      e->max_open_zones = LoadBE32(p + 32);
      e->max_append_bytes = LoadBE32(p + 36);
      e->zonedmeta_size = LoadBE64(p + 40);
      e->zonedmeta_offset = LoadBE64(p + 48);
      return;
    case ZonedLayout::kV5:
      e->zone_size = LoadBE32(p + 4);
      e->zone_capacity = LoadBE32(p + 8);
      e->conventional_zones = LoadBE32(p + 12);
      e->nr_zones = LoadBE32(p + 16);
      e->max_active_zones = LoadBE32(p + 20);
      e->max_open_zones = LoadBE32(p + 24);
      e->max_append_bytes = LoadBE32(p + 28);
      e->zonedmeta_size = LoadBE64(p + 32);
      e->zonedmeta_offset = LoadBE64(p + 40);
      return;
    case ZonedLayout::kV11:
    case ZonedLayout::kV12:
      e->nr_zones = LoadBE32(p + 4);
      e->zone_size = LoadBE64(p + 8);
      e->zone_capacity = LoadBE64(p + 16);
      if (layout == ZonedLayout::kV11) {
        e->conventional_zones = LoadBE32(p + 24);
        e->max_active_zones = LoadBE32(p + 28);
        e->max_open_zones = LoadBE32(p + 32);
        e->max_append_bytes = LoadBE32(p + 36);
        e->zonedmeta_offset = LoadBE64(p + 40);
      } else {
        e->zonedmeta_offset = LoadBE64(p + 24);
        e->conventional_zones = LoadBE32(p + 32);
        e->max_active_zones = LoadBE32(p + 36);
        e->max_open_zones = LoadBE32(p + 40);
        e->max_append_bytes = V12MaxAppendBytes(e->zone_capacity);
      }
      e->zonedmeta_size = uint64_t{e->nr_zones} * 8;  // implied: no field
      return;
  }
}

bool LengthAllows(size_t n, ZonedLayout layout) {
  switch (layout) {
    case ZonedLayout::kLatest: return n >= kZonedExtLatestLength;
    case ZonedLayout::kV5: return n == kZonedExtV5Length;
    case ZonedLayout::kV11: return n == kZonedExtV11Length;  // "the length must match exactly"
    case ZonedLayout::kV12: return n == kZonedExtV12Length;
  }
  return false;
}

}  // namespace

const char* ZonedLayoutName(ZonedLayout layout) {
  switch (layout) {
    case ZonedLayout::kV5: return "v5 (48-byte)";
    case ZonedLayout::kV11: return "v11 (48-byte)";
    case ZonedLayout::kV12: return "v12 (44-byte)";
    case ZonedLayout::kLatest: break;
  }
  return "latest (56-byte)";
}

const char* ZonedLayoutId(ZonedLayout layout) {
  switch (layout) {
    case ZonedLayout::kV5: return "v5";
    case ZonedLayout::kV11: return "v11";
    case ZonedLayout::kV12: return "v12";
    case ZonedLayout::kLatest: break;
  }
  return "latest";
}

std::optional<ZonedLayout> ParseZonedLayout(std::string_view s) {
  if (s == "v5" || s == "v6") return ZonedLayout::kV5;
  if (s == "latest" || s == "v8" || s == "v9" || s == "v10") return ZonedLayout::kLatest;
  if (s == "v11") return ZonedLayout::kV11;
  if (s == "v12") return ZonedLayout::kV12;
  return std::nullopt;
}

const char* ZonedLayoutRevisions(ZonedLayout layout) {
  switch (layout) {
    case ZonedLayout::kV5: return "series v5, v6";
    case ZonedLayout::kV11: return "about series v11 (work in progress)";
    case ZonedLayout::kV12: return "after series v11 (work in progress)";
    case ZonedLayout::kLatest: break;
  }
  return "series v8 to v10";
}

const char* ZonedEntryEncoding(ZonedLayout layout) {
  return EntriesBigEndian(layout) ? (IsPostV10Layout(layout) ? "big-endian, conventional flag bit 63"
                                                             : "big-endian, conventional flag bit 59")
                                  : "little-endian, conventional flag bit 59";
}

size_t ZonedLayoutLength(ZonedLayout layout) {
  switch (layout) {
    case ZonedLayout::kV5: return kZonedExtV5Length;
    case ZonedLayout::kV11: return kZonedExtV11Length;
    case ZonedLayout::kV12: return kZonedExtV12Length;
    case ZonedLayout::kLatest: break;
  }
  return kZonedExtLatestLength;
}

uint32_t V12MaxAppendBytes(uint64_t zone_capacity) {
  if (zone_capacity > kV12DefaultMaxAppendBytes) return kV12DefaultMaxAppendBytes;
  return zone_capacity == 0 ? 0 : static_cast<uint32_t>((zone_capacity - 1) & ~uint64_t{511});
}

Status EncodeZonedExtension(const ZonedExtension& e, std::vector<uint8_t>* out) {
  if (e.layout == ZonedLayout::kV5 && (e.zone_size > UINT32_MAX || e.zone_capacity > UINT32_MAX)) {
    return Status::InvalidArgument("zoned extension v5 layout stores zone_size and zone_capacity in 32 bits: zone_size " +
                                   N(e.zone_size) + ", zone_capacity " + N(e.zone_capacity) + " (max " +
                                   N(UINT32_MAX) + ")");
  }
  if (e.layout == ZonedLayout::kV12 && e.max_append_bytes != V12MaxAppendBytes(e.zone_capacity)) {
    return Status::InvalidArgument("zoned extension v12 layout has no max_append_bytes field: max_append_bytes " +
                                   N(e.max_append_bytes) + " cannot be stored (a reader presents " +
                                   N(V12MaxAppendBytes(e.zone_capacity)) + " for zone_capacity " +
                                   N(e.zone_capacity) + ")");
  }
  out->assign(ZonedLayoutLength(e.layout), 0);
  uint8_t* p = out->data();
  p[0] = e.zoned;
  if (e.layout == ZonedLayout::kV5) {
    EncodeV5(e, p);
  } else if (e.layout == ZonedLayout::kLatest) {
    EncodeLatest(e, p);
  } else {
    EncodePostV10(e, p);
  }
  return Status::Ok();
}

Status DecodeZonedExtensionAs(const uint8_t* p, size_t n, ZonedLayout layout, ZonedExtension* out) {
  if (!LengthAllows(n, layout)) {
    return Status::Corruption("zoned extension: length " + N(n) + " cannot hold the " + ZonedLayoutName(layout) +
                              " layout");
  }
  ZonedExtension e;
  DecodeAs(p, layout, &e);
  *out = e;
  return Status::Ok();
}

Status DecodeZonedExtension(const uint8_t* p, size_t n, ZonedExtension* out) {
  if (n >= kZonedExtLatestLength) return DecodeZonedExtensionAs(p, n, ZonedLayout::kLatest, out);
  if (n == kZonedExtV5Length) return DecodeZonedExtensionAs(p, n, ZonedLayout::kV5, out);
  if (n == kZonedExtV12Length) return DecodeZonedExtensionAs(p, n, ZonedLayout::kV12, out);
  if (n > kZonedExtV5Length) {
    return Status::Corruption("zoned extension: length " + N(n) +
                              " is shorter than the 56-byte latest layout and longer than the 48-byte v5 layout; "
                              "refusing to guess which one it is");
  }
  if (n > kZonedExtV12Length) {
    return Status::Corruption("zoned extension: length " + N(n) +
                              " lies between the 44-byte v12 and the 48-byte v5/v11 layouts; refusing to guess "
                              "which one it is");
  }
  return Status::Corruption("zoned extension: length " + N(n) +
                            " is shorter than the 48-byte v5 layout (latest layout: 56 bytes; v12: 44 bytes)");
}

uint32_t ZonedReservedBytes(const uint8_t* p) {
  return (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t LoadWritePointerEntry(const uint8_t* p, ZonedLayout layout) {
  return EntriesBigEndian(layout) ? LoadBE64(p) : LoadLE64(p);
}

void LoadWritePointerEntries(const uint8_t* p, size_t n, ZonedLayout layout, uint64_t* out) {
  if (EntriesBigEndian(layout)) {
    for (size_t i = 0; i < n; ++i) out[i] = LoadBE64(p + i * 8);
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = LoadLE64(p + i * 8);
  }
}

void StoreWritePointerEntry(uint8_t* p, uint64_t entry, ZonedLayout layout) {
  if (EntriesBigEndian(layout)) {
    StoreBE64(p, entry);
  } else {
    StoreLE64(p, entry);
  }
}

}  // namespace zonesim::qcow2
