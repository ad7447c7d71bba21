#include "qcow2/qcow2_validate.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include "qcow2/zoned_extension.h"

namespace zonesim::qcow2 {

namespace {

std::string N(uint64_t v) { return std::to_string(v); }
std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// [offset, offset + length) lies inside a file of `file_size` bytes, without
// overflowing.
bool InsideFile(uint64_t offset, uint64_t length, uint64_t file_size) {
  return offset <= file_size && length <= file_size - offset;
}

constexpr uint32_t kMaxZones = UINT32_MAX / 8;  // qcow2-zoned.md: nr_zones <= (2^32 - 1) / 8

uint64_t CeilDiv(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

}  // namespace

uint64_t L1EntriesNeeded(uint64_t virtual_size, uint32_t cluster_bits) {
  // One L2 table maps (cluster_size / 8) clusters: 2^(2*cluster_bits - 3) bytes.
  const uint32_t shift = 2 * cluster_bits - 3;
  return (virtual_size >> shift) + ((virtual_size & ((1ull << shift) - 1)) != 0);
}

Status ValidateHeader(const Header& h, uint64_t file_size) {
  if (h.version == 2) {
    return Status::NotSupported(
        "qcow2 version 2 image (compat=0.10): only version 3 is supported; upgrade it with "
        "`qemu-img amend -o compat=1.1`");
  }
  if (h.version != 3) return Status::NotSupported("qcow2 version " + N(h.version) + " (only version 3 is supported)");
  if (h.cluster_bits < kMinClusterBits || h.cluster_bits > kMaxClusterBits) {
    return Status::Corruption("cluster_bits " + N(h.cluster_bits) + " is outside 9..21 (cluster sizes 512 B .. 2 MiB)");
  }
  const uint64_t cs = 1ull << h.cluster_bits;
  if (h.header_length % 8 != 0) {
    return Status::Corruption("header_length " + N(h.header_length) + " is not a multiple of 8");
  }
  if (h.header_length > cs) {
    return Status::Corruption("header_length " + N(h.header_length) + " exceeds the cluster size " + N(cs));
  }
  if (h.refcount_order > 6) {
    return Status::Corruption("refcount_order " + N(h.refcount_order) + " exceeds 6 (64-bit refcounts)");
  }
  if (h.backing_file_offset != 0) {
    return Status::NotSupported("image has a backing file (backing_file_offset " + N(h.backing_file_offset) +
                                "); backing files are not supported, flatten it with `qemu-img convert`");
  }
  if (h.crypt_method != 0) {
    return Status::NotSupported("encrypted image (crypt_method " + N(h.crypt_method) + ") is not supported");
  }
  if (h.incompatible_features & kIncompatCompressionType) {
    return Status::NotSupported("compression type " + N(h.compression_type) +
                                " (incompatible bit 3) is not supported; only zlib (0) is");
  }
  if (h.compression_type != 0) {
    return Status::Corruption("compression_type " + N(h.compression_type) +
                              " is set but incompatible feature bit 3 (compression type) is clear");
  }
  // L1 table.
  const uint64_t needed = L1EntriesNeeded(h.size, h.cluster_bits);
  if (needed * 8 > kMaxL1Bytes) {
    return Status::Corruption("virtual size " + N(h.size) + " needs " + N(needed) + " L1 entries with cluster size " +
                              N(cs) + ", beyond the " + N(kMaxL1Bytes) + "-byte L1 limit");
  }
  if (h.l1_size < needed) {
    return Status::Corruption("l1_size " + N(h.l1_size) + " is smaller than the " + N(needed) +
                              " entries virtual size " + N(h.size) + " needs");
  }
  if (uint64_t{h.l1_size} * 8 > kMaxL1Bytes) {
    return Status::Corruption("l1_size " + N(h.l1_size) + " exceeds the " + N(kMaxL1Bytes / 8) + "-entry L1 limit");
  }
  if (h.l1_size > 0) {
    if (h.l1_table_offset == 0 || h.l1_table_offset % cs != 0) {
      return Status::Corruption("l1_table_offset " + N(h.l1_table_offset) + " is not a non-zero multiple of the cluster size " +
                                N(cs));
    }
    if (!InsideFile(h.l1_table_offset, uint64_t{h.l1_size} * 8, file_size)) {
      return Status::Corruption("L1 table (l1_table_offset " + N(h.l1_table_offset) + ", l1_size " + N(h.l1_size) +
                                " entries) extends beyond the end of the file (size " + N(file_size) + ")");
    }
  }
  // Refcount table.
  if (h.refcount_table_offset == 0 || h.refcount_table_offset % cs != 0) {
    return Status::Corruption("refcount_table_offset " + N(h.refcount_table_offset) +
                              " is not a non-zero multiple of the cluster size " + N(cs));
  }
  if (h.refcount_table_clusters == 0) return Status::Corruption("refcount_table_clusters is 0");
  if (uint64_t{h.refcount_table_clusters} * cs > kMaxRefcountTableBytes) {
    return Status::Corruption("refcount_table_clusters " + N(h.refcount_table_clusters) + " (" +
                              N(uint64_t{h.refcount_table_clusters} * cs) + " bytes) exceeds the " +
                              N(kMaxRefcountTableBytes) + "-byte refcount table limit");
  }
  if (!InsideFile(h.refcount_table_offset, uint64_t{h.refcount_table_clusters} * cs, file_size)) {
    return Status::Corruption("refcount table (refcount_table_offset " + N(h.refcount_table_offset) +
                              ", refcount_table_clusters " + N(h.refcount_table_clusters) +
                              ") extends beyond the end of the file (size " + N(file_size) + ")");
  }
  // Snapshots: never read, but the numbers must be sane.
  if (h.nb_snapshots > kMaxSnapshots) {
    return Status::Corruption("nb_snapshots " + N(h.nb_snapshots) + " exceeds the limit " + N(kMaxSnapshots));
  }
  if (h.nb_snapshots > 0 && (h.snapshots_offset % cs != 0 || h.snapshots_offset == 0 || h.snapshots_offset >= file_size)) {
    return Status::Corruption("snapshots_offset " + N(h.snapshots_offset) + " is not a cluster-aligned offset inside the file (size " +
                              N(file_size) + ")");
  }
  // The fixed metadata areas must not overlap each other or the header cluster.
  FileRange header{0, cs, "header cluster"};
  FileRange rt{h.refcount_table_offset, h.refcount_table_offset + uint64_t{h.refcount_table_clusters} * cs,
               "refcount table"};
  if (rt.Overlaps(header.begin, header.end)) {
    return Status::Corruption("refcount table at offset " + N(rt.begin) + " overlaps the header cluster");
  }
  if (h.l1_size > 0) {
    FileRange l1{h.l1_table_offset, h.l1_table_offset + uint64_t{h.l1_size} * 8, "L1 table"};
    if (l1.Overlaps(header.begin, header.end)) {
      return Status::Corruption("L1 table at offset " + N(l1.begin) + " overlaps the header cluster");
    }
    if (l1.Overlaps(rt.begin, rt.end)) {
      return Status::Corruption("L1 table [" + N(l1.begin) + ", " + N(l1.end) + ") overlaps the refcount table [" +
                                N(rt.begin) + ", " + N(rt.end) + ")");
    }
  }
  return Status::Ok();
}

Status CheckFeatureBits(const Header& h, const std::vector<FeatureName>& names, bool read_only) {
  const uint64_t unknown = h.incompatible_features & ~kIncompatKnownMask;
  for (uint32_t bit = 0; bit < 64; ++bit) {
    if (!(unknown & (1ull << bit))) continue;
    std::string name;
    for (const auto& f : names) {
      if (f.type == FeatureType::kIncompatible && f.bit == bit) name = " (\"" + f.name + "\")";
    }
    return Status::NotSupported("unknown incompatible feature bit " + N(bit) + name + " is set (incompatible_features " +
                                Hex(h.incompatible_features) + ")");
  }
  if (h.incompatible_features & kIncompatDataFile) {
    return Status::NotSupported("external data file (incompatible bit 2) is not supported");
  }
  if (h.incompatible_features & kIncompatExtendedL2) {
    return Status::NotSupported("extended L2 entries (incompatible bit 4) are not supported");
  }
  if (!read_only && (h.incompatible_features & kIncompatCorrupt)) {
    return Status::Corruption(
        "image is marked corrupt (incompatible bit 1); refusing to open it read-write. Repair it with "
        "`qemu-img check -r all` or open it read-only");
  }
  if (!read_only && (h.incompatible_features & kIncompatDirty)) {
    return Status::NotSupported(
        "image is marked dirty (incompatible bit 0: refcounts may be stale after an unclean shutdown with lazy "
        "refcounts); refusing to open it read-write. Repair it with `qemu-img check -r all` or open it read-only");
  }
  return Status::Ok();
}

Status CheckExtensions(const std::vector<HeaderExtension>& exts) {
  std::set<uint32_t> seen;
  for (const auto& e : exts) {
    const bool known = e.type == kExtBackingFormat || e.type == kExtFeatureTable || e.type == kExtBitmaps ||
                       e.type == kExtFullDiskEncryption || e.type == kExtExternalDataFile || e.type == kExtZoned;
    if (known && !seen.insert(e.type).second) {
      return Status::Corruption(ExtensionName(e.type) + " appears more than once in the header extensions");
    }
    if (e.type == kExtFullDiskEncryption) {
      return Status::Corruption("full disk encryption header pointer present but crypt_method is 0");
    }
  }
  return Status::Ok();
}

Status ValidateZonedExtension(const ZonedExtension& z, const std::vector<uint8_t>& raw, uint64_t virtual_size,
                              uint32_t cluster_bits, uint64_t file_size, const std::vector<FileRange>& metadata,
                              std::vector<std::string>* warnings) {
  const std::string layout = std::string("zoned extension (") + ZonedLayoutName(z.layout) + " layout): ";
  if (z.zoned > 1) {
    return Status::NotSupported(layout + "zoned " + N(z.zoned) +
                                " is not a known zone model (0 = non-zoned, 1 = host-managed)");
  }
  if (raw.size() >= 4 && ZonedReservedBytes(raw.data()) != 0) {
    return Status::Corruption(layout + "reserved bytes 1-3 are " + Hex(ZonedReservedBytes(raw.data())) +
                              ", must be zero");
  }
  if (z.zone_size == 0) return Status::Corruption(layout + "zone_size is 0");
  if ((z.zone_size & (z.zone_size - 1)) != 0) {
    warnings->push_back(layout + "zone_size " + N(z.zone_size) +
                        " is not a power of two (the latest format text requires one; Linux exposes only "
                        "power-of-two zone sizes)");
  }
  if (z.zone_capacity == 0) return Status::Corruption(layout + "zone_capacity is 0");
  if (z.zone_capacity > z.zone_size) {
    return Status::Corruption(layout + "zone_capacity " + N(z.zone_capacity) + " exceeds zone_size " + N(z.zone_size));
  }
  const uint64_t expected = CeilDiv(virtual_size, z.zone_size);
  if (z.nr_zones != expected) {
    return Status::Corruption(layout + "nr_zones " + N(z.nr_zones) + " does not match ceil(virtual size " +
                              N(virtual_size) + " / zone_size " + N(z.zone_size) + ") = " + N(expected));
  }
  if (z.nr_zones > kMaxZones) {
    return Status::Corruption(layout + "nr_zones " + N(z.nr_zones) + " exceeds (2^32 - 1) / 8 = " + N(kMaxZones));
  }
  if (z.conventional_zones >= z.nr_zones) {
    return Status::Corruption(layout + "conventional_zones " + N(z.conventional_zones) + " must be less than nr_zones " +
                              N(z.nr_zones));
  }
  const uint32_t seq = z.nr_zones - z.conventional_zones;
  if (z.max_open_zones > seq) {
    return Status::Corruption(layout + "max_open_zones " + N(z.max_open_zones) + " exceeds the " + N(seq) +
                              " sequential zones");
  }
  if (z.max_active_zones > seq) {
    return Status::Corruption(layout + "max_active_zones " + N(z.max_active_zones) + " exceeds the " + N(seq) +
                              " sequential zones");
  }
  if (z.max_open_zones != 0 && z.max_active_zones != 0 && z.max_open_zones > z.max_active_zones) {
    return Status::Corruption(layout + "max_open_zones " + N(z.max_open_zones) + " exceeds max_active_zones " +
                              N(z.max_active_zones));
  }
  if (z.max_append_bytes % 512 != 0) {
    return Status::Corruption(layout + "max_append_bytes " + N(z.max_append_bytes) + " is not a multiple of 512");
  }
  if (z.max_append_bytes >= z.zone_capacity) {
    return Status::Corruption(layout + "max_append_bytes " + N(z.max_append_bytes) + " is not below zone_capacity " +
                              N(z.zone_capacity));
  }
  if (z.zonedmeta_size != uint64_t{z.nr_zones} * 8) {
    return Status::Corruption(layout + "zonedmeta_size " + N(z.zonedmeta_size) + " is not 8 * nr_zones " +
                              N(z.nr_zones) + " = " + N(uint64_t{z.nr_zones} * 8));
  }
  const uint64_t cs = 1ull << cluster_bits;
  if (z.zonedmeta_offset == 0 || z.zonedmeta_offset % cs != 0) {
    return Status::Corruption(layout + "zonedmeta_offset " + N(z.zonedmeta_offset) +
                              " is not a non-zero multiple of the cluster size " + N(cs));
  }
  if (!InsideFile(z.zonedmeta_offset, z.zonedmeta_size, file_size)) {
    return Status::Corruption(layout + "zonedmeta [" + N(z.zonedmeta_offset) + ", +" + N(z.zonedmeta_size) +
                              ") extends beyond the end of the file (size " + N(file_size) + ")");
  }
  const uint64_t end = z.zonedmeta_offset + (z.zonedmeta_size + cs - 1) / cs * cs;
  for (const FileRange& r : metadata) {
    if (r.Overlaps(z.zonedmeta_offset, end)) {
      return Status::Corruption(layout + "zonedmeta [" + N(z.zonedmeta_offset) + ", " + N(end) + ") overlaps the " +
                                r.what + " [" + N(r.begin) + ", " + N(r.end) + ")");
    }
  }
  return Status::Ok();
}

Status ValidateWritePointers(const ZonedExtension& z, uint64_t virtual_size, uint32_t first, const uint64_t* entries,
                             uint32_t n) {
  constexpr uint64_t kStrayBits = 0xfull << 60;  // bits 60-63: unused in the latest revision
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t zone = uint64_t{first} + i;
    const uint64_t e = entries[i];
    const uint64_t start = zone * z.zone_size;
    const uint64_t len = std::min<uint64_t>(z.zone_size, virtual_size - start);
    if (e & kStrayBits) {
      return Status::Corruption("zonedmeta: write pointer entry of zone " + N(zone) + " is " + Hex(e) +
                                ": bits 60-63 must be zero");
    }
    const bool flagged = (e & kConventionalZoneFlag) != 0;
    if (zone < z.conventional_zones && !flagged) {
      return Status::Corruption("zonedmeta: conventional zone " + N(zone) + " entry " + Hex(e) +
                                " lacks the conventional flag (bit 59)");
    }
    if (zone >= z.conventional_zones && flagged) {
      return Status::Corruption("zonedmeta: sequential zone " + N(zone) + " entry " + Hex(e) +
                                " carries the conventional flag (bit 59); conventional_zones is " +
                                N(z.conventional_zones));
    }
    const uint64_t wp = e & ~kConventionalZoneFlag;
    if (wp < start || wp - start > len) {
      return Status::Corruption("zonedmeta: write pointer of zone " + N(zone) + " is " + N(wp) + ", outside [" +
                                N(start) + ", " + N(start + len) + "] (zone start, zone start + zone length)");
    }
  }
  return Status::Ok();
}

Status PrepareZonedOptions(uint64_t virtual_size, ZonedExtension* z) {
  if (z->zoned != 1) {
    return Status::InvalidArgument("zoned " + N(z->zoned) + ": only 1 (host-managed) can be created");
  }
  if (z->zone_size == 0 || z->zone_size % 512 != 0) {
    return Status::InvalidArgument("zone size " + N(z->zone_size) + " must be a positive multiple of 512");
  }
  if (z->zone_capacity == 0 || z->zone_capacity % 512 != 0) {
    return Status::InvalidArgument("zone capacity " + N(z->zone_capacity) + " must be a positive multiple of 512");
  }
  if (z->zone_capacity > z->zone_size) {
    return Status::InvalidArgument("zone capacity " + N(z->zone_capacity) + " exceeds zone size " + N(z->zone_size));
  }
  if (z->layout == ZonedLayout::kV5 && (z->zone_size > UINT32_MAX || z->zone_capacity > UINT32_MAX)) {
    return Status::InvalidArgument("the v5 layout stores zone size and capacity in 32 bits: zone size " +
                                   N(z->zone_size) + ", zone capacity " + N(z->zone_capacity) + " (max " +
                                   N(UINT32_MAX) + ")");
  }
  const uint64_t nr = CeilDiv(virtual_size, z->zone_size);
  if (nr == 0) return Status::InvalidArgument("virtual size 0 holds no zones");
  if (nr > kMaxZones) {
    return Status::InvalidArgument("virtual size " + N(virtual_size) + " / zone size " + N(z->zone_size) + " gives " +
                                   N(nr) + " zones, more than the " + N(kMaxZones) + " the format allows");
  }
  z->nr_zones = static_cast<uint32_t>(nr);
  if (z->conventional_zones >= z->nr_zones) {
    return Status::InvalidArgument("conventional zones " + N(z->conventional_zones) +
                                   " must be fewer than the number of zones " + N(z->nr_zones) +
                                   " (virtual size " + N(virtual_size) + " / zone size " + N(z->zone_size) + ")");
  }
  const uint32_t seq = z->nr_zones - z->conventional_zones;
  if (z->max_open_zones > seq) {
    return Status::InvalidArgument("max open zones " + N(z->max_open_zones) + " exceeds the " + N(seq) +
                                   " sequential zones");
  }
  if (z->max_active_zones > seq) {
    return Status::InvalidArgument("max active zones " + N(z->max_active_zones) + " exceeds the " + N(seq) +
                                   " sequential zones");
  }
  // A limit equal to the number of sequential zones is no limit (stored as 0).
  if (z->max_open_zones == seq) z->max_open_zones = 0;
  if (z->max_active_zones == seq) z->max_active_zones = 0;
  if (z->max_open_zones != 0 && z->max_active_zones != 0 && z->max_open_zones > z->max_active_zones) {
    return Status::InvalidArgument("max open zones " + N(z->max_open_zones) + " exceeds max active zones " +
                                   N(z->max_active_zones));
  }
  if (z->max_append_bytes % 512 != 0) {
    return Status::InvalidArgument("max append bytes " + N(z->max_append_bytes) + " is not a multiple of 512");
  }
  if (z->max_append_bytes >= z->zone_capacity) {
    return Status::InvalidArgument("max append bytes " + N(z->max_append_bytes) + " must be below zone capacity " +
                                   N(z->zone_capacity));
  }
  z->zonedmeta_size = uint64_t{z->nr_zones} * 8;
  return Status::Ok();
}

}  // namespace zonesim::qcow2
