#include "qcow2/storage/qcow2_validate.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <string>

#include "common/hex.h"
#include "qcow2/storage/zoned_extension.h"

namespace zonesim::qcow2 {

namespace {

std::string N(uint64_t v) { return std::to_string(v); }
// [offset, offset + length) lies inside a file of `file_size` bytes, without
// overflowing.
bool InsideFile(uint64_t offset, uint64_t length, uint64_t file_size) {
  return offset <= file_size && length <= file_size - offset;
}

constexpr uint32_t kMaxZones = UINT32_MAX / 8;  // qcow2-zoned.md: nr_zones <= (2^32 - 1) / 8
constexpr uint32_t kMaxZonesPostV10 = 1u << 20;  // "nr_zones at most 2^20" after v10
uint32_t MaxZones(ZonedLayout l) { return IsPostV10Layout(l) ? kMaxZonesPostV10 : kMaxZones; }

uint64_t CeilDiv(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

// Turns the first non-warning violation into the opener's Status; warnings go
// to *warnings when given.
class FirstError {
 public:
  explicit FirstError(std::vector<std::string>* warnings = nullptr) : warnings_(warnings) {}
  RuleSink Sink() {
    return [this](RuleViolation v) {
      if (v.warning) {
        if (warnings_) warnings_->push_back(std::move(v.message));
        return true;
      }
      first_ = std::move(v);
      return false;
    };
  }
  Status status() const {
    if (!first_) return Status::Ok();
    switch (first_->code) {
      case Status::Code::kNotSupported: return Status::NotSupported(first_->message);
      case Status::Code::kInvalidArgument: return Status::InvalidArgument(first_->message);
      default: return Status::Corruption(first_->message);
    }
  }

 private:
  std::vector<std::string>* warnings_;
  std::optional<RuleViolation> first_;
};

RuleViolation Broken(const char* id, std::string msg, std::vector<std::pair<std::string, uint64_t>> values = {},
                     Status::Code code = Status::Code::kCorruption) {
  RuleViolation v;
  v.id = id;
  v.code = code;
  v.message = std::move(msg);
  v.values = std::move(values);
  return v;
}

RuleViolation Unsupported(const char* id, std::string msg, std::vector<std::pair<std::string, uint64_t>> values = {}) {
  return Broken(id, std::move(msg), std::move(values), Status::Code::kNotSupported);
}

}  // namespace

uint64_t L1EntriesNeeded(uint64_t virtual_size, uint32_t cluster_bits) {
  // One L2 table maps (cluster_size / 8) clusters: 2^(2*cluster_bits - 3) bytes.
  const uint32_t shift = 2 * cluster_bits - 3;
  return (virtual_size >> shift) + ((virtual_size & ((1ull << shift) - 1)) != 0);
}

// The early returns below are rules later ones depend on; `if (!sink(...))
// return;` is a rule the sink may choose to stop at.
void HeaderRules(const Header& h, uint64_t file_size, const RuleSink& sink) {
  if (h.version == 2) {
    if (!sink(Unsupported("qcow2.version_2",
                          "qcow2 version 2 image (compat=0.10): only version 3 is supported; upgrade it with "
                          "`qemu-img amend -o compat=1.1`",
                          {{"version", 2}})))
      return;
  } else if (h.version != 3) {
    sink(Unsupported("qcow2.unknown_version", "qcow2 version " + N(h.version) + " (only version 3 is supported)",
                     {{"version", h.version}}));
    return;
  }
  if (h.cluster_bits < kMinClusterBits || h.cluster_bits > kMaxClusterBits) {
    sink(Broken("qcow2.cluster_bits", "cluster_bits " + N(h.cluster_bits) + " is outside 9..21 (cluster sizes 512 B .. 2 MiB)",
                {{"cluster_bits", h.cluster_bits}}));
    return;
  }
  const uint64_t cs = 1ull << h.cluster_bits;
  if (h.header_length % 8 != 0) {
    if (!sink(Broken("qcow2.header_length", "header_length " + N(h.header_length) + " is not a multiple of 8",
                     {{"header_length", h.header_length}})))
      return;
  }
  if (h.header_length > cs) {
    if (!sink(Broken("qcow2.header_length", "header_length " + N(h.header_length) + " exceeds the cluster size " + N(cs),
                     {{"header_length", h.header_length}, {"cluster_size", cs}})))
      return;
  }
  if (h.refcount_order > 6) {
    if (!sink(Broken("qcow2.refcount_order", "refcount_order " + N(h.refcount_order) + " exceeds 6 (64-bit refcounts)",
                     {{"refcount_order", h.refcount_order}})))
      return;
  }
  if (h.backing_file_offset != 0) {
    if (!sink(Unsupported("qcow2.backing_file",
                          "image has a backing file (backing_file_offset " + N(h.backing_file_offset) +
                              "); backing files are not supported, flatten it with `qemu-img convert`",
                          {{"backing_file_offset", h.backing_file_offset}})))
      return;
  }
  if (h.crypt_method != 0) {
    if (!sink(Unsupported("qcow2.encrypted", "encrypted image (crypt_method " + N(h.crypt_method) + ") is not supported",
                          {{"crypt_method", h.crypt_method}})))
      return;
  }
  if (h.incompatible_features & kIncompatCompressionType) {
    if (!sink(Unsupported("qcow2.compression_type_unsupported",
                          "compression type " + N(h.compression_type) +
                              " (incompatible bit 3) is not supported; only zlib (0) is",
                          {{"compression_type", h.compression_type}})))
      return;
  } else if (h.compression_type != 0) {
    if (!sink(Broken("qcow2.compression_type",
                     "compression_type " + N(h.compression_type) +
                         " is set but incompatible feature bit 3 (compression type) is clear",
                     {{"compression_type", h.compression_type}})))
      return;
  }
  // L1 table.
  const uint64_t needed = L1EntriesNeeded(h.size, h.cluster_bits);
  if (needed * 8 > kMaxL1Bytes) {
    if (!sink(Broken("qcow2.virtual_size_too_large",
                     "virtual size " + N(h.size) + " needs " + N(needed) + " L1 entries with cluster size " + N(cs) +
                         ", beyond the " + N(kMaxL1Bytes) + "-byte L1 limit",
                     {{"size", h.size}, {"cluster_size", cs}})))
      return;
  } else if (h.l1_size < needed) {
    if (!sink(Broken("qcow2.l1_too_small",
                     "l1_size " + N(h.l1_size) + " is smaller than the " + N(needed) + " entries virtual size " +
                         N(h.size) + " needs",
                     {{"l1_size", h.l1_size}, {"needed", needed}, {"size", h.size}})))
      return;
  }
  bool l1_placed = h.l1_size > 0;
  if (uint64_t{h.l1_size} * 8 > kMaxL1Bytes) {
    l1_placed = false;
    if (!sink(Broken("qcow2.l1_too_large",
                     "l1_size " + N(h.l1_size) + " exceeds the " + N(kMaxL1Bytes / 8) + "-entry L1 limit",
                     {{"l1_size", h.l1_size}, {"limit", kMaxL1Bytes / 8}})))
      return;
  } else if (h.l1_size > 0) {
    if (h.l1_table_offset == 0 || h.l1_table_offset % cs != 0) {
      l1_placed = false;
      if (!sink(Broken("qcow2.l1_unaligned",
                       "l1_table_offset " + N(h.l1_table_offset) + " is not a non-zero multiple of the cluster size " +
                           N(cs),
                       {{"l1_table_offset", h.l1_table_offset}, {"cluster_size", cs}})))
        return;
    } else if (!InsideFile(h.l1_table_offset, uint64_t{h.l1_size} * 8, file_size)) {
      l1_placed = false;
      if (!sink(Broken("qcow2.l1_out_of_bounds",
                       "L1 table (l1_table_offset " + N(h.l1_table_offset) + ", l1_size " + N(h.l1_size) +
                           " entries) extends beyond the end of the file (size " + N(file_size) + ")",
                       {{"l1_table_offset", h.l1_table_offset}, {"l1_size", h.l1_size}, {"file_size", file_size}})))
        return;
    }
  }
  // Refcount table.
  bool rt_placed = true;
  if (h.refcount_table_offset == 0 || h.refcount_table_offset % cs != 0) {
    rt_placed = false;
    if (!sink(Broken("refcount.table_unaligned",
                     "refcount_table_offset " + N(h.refcount_table_offset) +
                         " is not a non-zero multiple of the cluster size " + N(cs),
                     {{"refcount_table_offset", h.refcount_table_offset}, {"cluster_size", cs}})))
      return;
  }
  if (h.refcount_table_clusters == 0) {
    rt_placed = false;
    if (!sink(Broken("refcount.table_empty", "refcount_table_clusters is 0", {{"refcount_table_clusters", 0}}))) return;
  } else if (uint64_t{h.refcount_table_clusters} * cs > kMaxRefcountTableBytes) {
    rt_placed = false;
    if (!sink(Broken("refcount.table_too_large",
                     "refcount_table_clusters " + N(h.refcount_table_clusters) + " (" +
                         N(uint64_t{h.refcount_table_clusters} * cs) + " bytes) exceeds the " +
                         N(kMaxRefcountTableBytes) + "-byte refcount table limit",
                     {{"refcount_table_clusters", h.refcount_table_clusters}, {"limit", kMaxRefcountTableBytes}})))
      return;
  } else if (!InsideFile(h.refcount_table_offset, uint64_t{h.refcount_table_clusters} * cs, file_size)) {
    rt_placed = false;
    if (!sink(Broken("refcount.table_out_of_bounds",
                     "refcount table (refcount_table_offset " + N(h.refcount_table_offset) +
                         ", refcount_table_clusters " + N(h.refcount_table_clusters) +
                         ") extends beyond the end of the file (size " + N(file_size) + ")",
                     {{"refcount_table_offset", h.refcount_table_offset},
                      {"refcount_table_clusters", h.refcount_table_clusters},
                      {"file_size", file_size}})))
      return;
  }
  // Snapshots: the opener never reads them, but the numbers must be sane.
  if (h.nb_snapshots > kMaxSnapshots) {
    if (!sink(Broken("qcow2.snapshots_too_many",
                     "nb_snapshots " + N(h.nb_snapshots) + " exceeds the limit " + N(kMaxSnapshots),
                     {{"nb_snapshots", h.nb_snapshots}, {"limit", kMaxSnapshots}})))
      return;
  }
  if (h.nb_snapshots > 0 && (h.snapshots_offset % cs != 0 || h.snapshots_offset == 0 || h.snapshots_offset >= file_size)) {
    if (!sink(Broken("qcow2.snapshots_offset",
                     "snapshots_offset " + N(h.snapshots_offset) +
                         " is not a cluster-aligned offset inside the file (size " + N(file_size) + ")",
                     {{"snapshots_offset", h.snapshots_offset}, {"file_size", file_size}})))
      return;
  }
  // The fixed metadata areas must not overlap each other or the header cluster.
  FileRange header{0, cs, "header cluster"};
  FileRange rt{h.refcount_table_offset, h.refcount_table_offset + uint64_t{h.refcount_table_clusters} * cs,
               "refcount table"};
  if (rt_placed && rt.Overlaps(header.begin, header.end)) {
    if (!sink(Broken("qcow2.metadata_overlap", "refcount table at offset " + N(rt.begin) + " overlaps the header cluster",
                     {{"refcount_table_offset", rt.begin}})))
      return;
  }
  if (l1_placed) {
    FileRange l1{h.l1_table_offset, h.l1_table_offset + uint64_t{h.l1_size} * 8, "L1 table"};
    if (l1.Overlaps(header.begin, header.end)) {
      if (!sink(Broken("qcow2.metadata_overlap", "L1 table at offset " + N(l1.begin) + " overlaps the header cluster",
                       {{"l1_table_offset", l1.begin}})))
        return;
    }
    if (rt_placed && l1.Overlaps(rt.begin, rt.end)) {
      if (!sink(Broken("qcow2.metadata_overlap",
                       "L1 table [" + N(l1.begin) + ", " + N(l1.end) + ") overlaps the refcount table [" + N(rt.begin) +
                           ", " + N(rt.end) + ")",
                       {{"l1_table_offset", l1.begin}, {"refcount_table_offset", rt.begin}})))
        return;
    }
  }
}

Status ValidateHeader(const Header& h, uint64_t file_size) {
  FirstError first;
  HeaderRules(h, file_size, first.Sink());
  return first.status();
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

void ExtensionRules(const std::vector<HeaderExtension>& exts, const RuleSink& sink) {
  std::set<uint32_t> seen;
  for (const auto& e : exts) {
    const bool known = e.type == kExtBackingFormat || e.type == kExtFeatureTable || e.type == kExtBitmaps ||
                       e.type == kExtFullDiskEncryption || e.type == kExtExternalDataFile || e.type == kExtZoned;
    if (known && !seen.insert(e.type).second) {
      if (!sink(Broken("qcow2.extension_duplicate",
                       ExtensionName(e.type) + " appears more than once in the header extensions", {{"type", e.type}})))
        return;
    }
    if (e.type == kExtFullDiskEncryption) {
      if (!sink(Broken("qcow2.extension_encryption", "full disk encryption header pointer present but crypt_method is 0",
                       {{"type", e.type}})))
        return;
    }
  }
}

Status CheckExtensions(const std::vector<HeaderExtension>& exts) {
  FirstError first;
  ExtensionRules(exts, first.Sink());
  return first.status();
}

void ZonedExtensionRules(const ZonedExtension& z, const std::vector<uint8_t>& raw, uint64_t virtual_size,
                         uint32_t cluster_bits, uint64_t file_size, const std::vector<FileRange>& metadata,
                         const RuleSink& sink) {
  const std::string layout = std::string("zoned extension (") + ZonedLayoutName(z.layout) + " layout): ";
  if (z.zoned > 1) {
    // An unknown model gives every other field an unknown meaning.
    sink(Unsupported("zoned.unknown_model",
                     layout + "zoned " + N(z.zoned) + " is not a known zone model (0 = non-zoned, 1 = host-managed)",
                     {{"zoned", z.zoned}}));
    return;
  }
  if (raw.size() >= 4 && ZonedReservedBytes(raw.data()) != 0) {
    if (!sink(Broken("zoned.reserved_nonzero",
                     layout + "reserved bytes 1-3 are " + Hex(ZonedReservedBytes(raw.data())) + ", must be zero",
                     {{"reserved", ZonedReservedBytes(raw.data())}})))
      return;
  }
  const bool size_ok = z.zone_size != 0;
  if (!size_ok) {
    if (!sink(Broken("zoned.zone_size_zero", layout + "zone_size is 0", {{"zone_size", 0}}))) return;
  } else if ((z.zone_size & (z.zone_size - 1)) != 0) {
    // A requirement of the layouts after v10 (their opener refuses); advice before.
    const bool required = IsPostV10Layout(z.layout);
    RuleViolation w = Broken(required ? "zoned.zone_size_power_of_two_required" : "zoned.zone_size_not_power_of_two",
                             layout + "zone_size " + N(z.zone_size) +
                                 (required ? " is not a power of two (this revision requires one)"
                                           : " is not a power of two (the latest format text requires one; Linux "
                                             "exposes only power-of-two zone sizes)"),
                             {{"zone_size", z.zone_size}});
    w.warning = !required;
    if (!sink(std::move(w))) return;
  }
  if (z.zone_capacity == 0) {
    if (!sink(Broken("zoned.zone_capacity", layout + "zone_capacity is 0", {{"zone_capacity", 0}}))) return;
  } else if (z.zone_capacity % 512 != 0) {
    if (!sink(Broken("zoned.zone_capacity",
                     layout + "zone_capacity " + N(z.zone_capacity) + " is not a multiple of 512 (whole sectors)",
                     {{"zone_capacity", z.zone_capacity}})))
      return;
  } else if (size_ok && z.zone_capacity > z.zone_size) {
    if (!sink(Broken("zoned.zone_capacity",
                     layout + "zone_capacity " + N(z.zone_capacity) + " exceeds zone_size " + N(z.zone_size),
                     {{"zone_capacity", z.zone_capacity}, {"zone_size", z.zone_size}})))
      return;
  }
  if (size_ok) {
    const uint64_t expected = CeilDiv(virtual_size, z.zone_size);
    if (z.nr_zones != expected) {
      if (!sink(Broken("zoned.nr_zones_mismatch",
                       layout + "nr_zones " + N(z.nr_zones) + " does not match ceil(virtual size " + N(virtual_size) +
                           " / zone_size " + N(z.zone_size) + ") = " + N(expected),
                       {{"nr_zones", z.nr_zones}, {"virtual_size", virtual_size}, {"zone_size", z.zone_size},
                        {"expected", expected}})))
        return;
    }
  }
  if (z.nr_zones > MaxZones(z.layout)) {
    if (!sink(Broken("zoned.nr_zones_too_large",
                     layout + "nr_zones " + N(z.nr_zones) + " exceeds " +
                         (IsPostV10Layout(z.layout) ? "2^20 (this revision's cap)" : "(2^32 - 1) / 8") + " = " +
                         N(MaxZones(z.layout)),
                     {{"nr_zones", z.nr_zones}, {"limit", MaxZones(z.layout)}})))
      return;
  }
  if (z.conventional_zones >= z.nr_zones) {
    if (!sink(Broken("zoned.conventional_zones",
                     layout + "conventional_zones " + N(z.conventional_zones) + " must be less than nr_zones " +
                         N(z.nr_zones),
                     {{"conventional_zones", z.conventional_zones}, {"nr_zones", z.nr_zones}})))
      return;
  } else {
    const uint32_t seq = z.nr_zones - z.conventional_zones;
    // After v10 a reader clamps such a limit with a warning; before, it is corrupt.
    const bool clamped = IsPostV10Layout(z.layout);
    const std::string clamp_note = clamped ? " (clamped to " + N(seq) + ")" : "";
    struct Limit {
      uint32_t value;
      const char* name;
      const char* id;
    };
    for (const Limit& l : {Limit{z.max_open_zones, "max_open_zones", "zoned.max_open_exceeds_zones"},
                           Limit{z.max_active_zones, "max_active_zones", "zoned.max_active_exceeds_zones"}}) {
      if (l.value <= seq) continue;
      RuleViolation v = Broken(clamped ? "zoned.limit_clamped" : l.id,
                               layout + l.name + " " + N(l.value) + " exceeds the " + N(seq) + " sequential zones" +
                                   clamp_note,
                               {{l.name, l.value}, {"sequential_zones", seq}});
      v.warning = clamped;
      if (!sink(std::move(v))) return;
    }
  }
  if (z.max_open_zones != 0 && z.max_active_zones != 0 && z.max_open_zones > z.max_active_zones) {
    if (!sink(Broken("zoned.max_open_exceeds_active",
                     layout + "max_open_zones " + N(z.max_open_zones) + " exceeds max_active_zones " +
                         N(z.max_active_zones),
                     {{"max_open_zones", z.max_open_zones}, {"max_active_zones", z.max_active_zones}})))
      return;
  }
  if (z.max_append_bytes % 512 != 0) {
    if (!sink(Broken("zoned.max_append_bytes",
                     layout + "max_append_bytes " + N(z.max_append_bytes) + " is not a multiple of 512",
                     {{"max_append_bytes", z.max_append_bytes}})))
      return;
  }
  if (z.zone_capacity != 0 && z.max_append_bytes >= z.zone_capacity) {
    if (!sink(Broken("zoned.max_append_bytes",
                     layout + "max_append_bytes " + N(z.max_append_bytes) + " is not below zone_capacity " +
                         N(z.zone_capacity),
                     {{"max_append_bytes", z.max_append_bytes}, {"zone_capacity", z.zone_capacity}})))
      return;
  }
  if (z.zonedmeta_size != uint64_t{z.nr_zones} * 8) {
    if (!sink(Broken("zoned.zonedmeta_size",
                     layout + "zonedmeta_size " + N(z.zonedmeta_size) + " is not 8 * nr_zones " + N(z.nr_zones) +
                         " = " + N(uint64_t{z.nr_zones} * 8),
                     {{"zonedmeta_size", z.zonedmeta_size}, {"nr_zones", z.nr_zones}})))
      return;
  }
  const uint64_t cs = 1ull << cluster_bits;
  if (z.zonedmeta_offset == 0 || z.zonedmeta_offset % cs != 0) {
    sink(Broken("zoned.zonedmeta_unaligned",
                     layout + "zonedmeta_offset " + N(z.zonedmeta_offset) +
                         " is not a non-zero multiple of the cluster size " + N(cs),
                     {{"zonedmeta_offset", z.zonedmeta_offset}, {"cluster_size", cs}}));
    return;  // placement unknown: the overlap rules below mean nothing
  }
  if (!InsideFile(z.zonedmeta_offset, z.zonedmeta_size, file_size)) {
    sink(Broken("zoned.zonedmeta_out_of_bounds",
                layout + "zonedmeta [" + N(z.zonedmeta_offset) + ", +" + N(z.zonedmeta_size) +
                    ") extends beyond the end of the file (size " + N(file_size) + ")",
                {{"zonedmeta_offset", z.zonedmeta_offset}, {"zonedmeta_size", z.zonedmeta_size}, {"file_size", file_size}}));
    return;
  }
  const uint64_t end = z.zonedmeta_offset + (z.zonedmeta_size + cs - 1) / cs * cs;
  for (const FileRange& r : metadata) {
    if (r.Overlaps(z.zonedmeta_offset, end)) {
      if (!sink(Broken("zoned.zonedmeta_overlap",
                       layout + "zonedmeta [" + N(z.zonedmeta_offset) + ", " + N(end) + ") overlaps the " + r.what +
                           " [" + N(r.begin) + ", " + N(r.end) + ")",
                       {{"zonedmeta_offset", z.zonedmeta_offset}, {"zonedmeta_end", end}, {"other_begin", r.begin},
                        {"other_end", r.end}})))
        return;
    }
  }
}

Status ValidateZonedExtension(const ZonedExtension& z, const std::vector<uint8_t>& raw, uint64_t virtual_size,
                              uint32_t cluster_bits, uint64_t file_size, const std::vector<FileRange>& metadata,
                              std::vector<std::string>* warnings) {
  FirstError first(warnings);
  ZonedExtensionRules(z, raw, virtual_size, cluster_bits, file_size, metadata, first.Sink());
  return first.status();
}

void WritePointerRules(const ZonedExtension& z, uint64_t virtual_size, uint64_t zone, uint64_t e,
                       const RuleSink& sink) {
  // v5 and latest: flag bit 59, bits 60-63 unused. After v10: flag bit 63,
  // bits 0-62 the write pointer, which must be sector-aligned.
  const uint64_t kStrayBits = EntryStrayBits(z.layout);
  const uint64_t flag = ConventionalFlag(z.layout);
  const char* flag_name = flag == kConventionalZoneFlag ? "bit 59" : "bit 63";
  const uint64_t start = zone * z.zone_size;
  const uint64_t len = start < virtual_size ? std::min<uint64_t>(z.zone_size, virtual_size - start) : 0;
  if (e & kStrayBits) {
    if (!sink(Broken("zoned.wp_stray_bits",
                     "zonedmeta: write pointer entry of zone " + N(zone) + " is " + Hex(e) + ": bits 60-63 must be zero",
                     {{"zone", zone}, {"entry", e}})))
      return;
  }
  const bool flagged = (e & flag) != 0;
  const bool conventional = zone < z.conventional_zones;
  if (conventional && !flagged) {
    if (!sink(Broken("zoned.wp_conventional_flag_missing",
                     "zonedmeta: conventional zone " + N(zone) + " entry " + Hex(e) +
                         " lacks the conventional flag (" + std::string(flag_name) + ")",
                     {{"zone", zone}, {"entry", e}})))
      return;
  }
  if (!conventional && flagged) {
    if (!sink(Broken("zoned.wp_conventional_flag_on_sequential",
                     "zonedmeta: sequential zone " + N(zone) + " entry " + Hex(e) +
                         " carries the conventional flag (" + std::string(flag_name) + "); conventional_zones is " +
                         N(z.conventional_zones),
                     {{"zone", zone}, {"entry", e}, {"conventional_zones", z.conventional_zones}})))
      return;
  }
  const uint64_t wp = e & ~(flag | kStrayBits);
  if (wp < start || wp - start > len) {
    sink(Broken("zoned.wp_out_of_zone",
                "zonedmeta: write pointer of zone " + N(zone) + " is " + N(wp) + ", outside [" + N(start) + ", " +
                    N(start + len) + "] (zone start, zone start + zone length)",
                {{"zone", zone}, {"write_pointer", wp}, {"zone_start", start}, {"zone_end", start + len}}));
    return;
  }
  // Every revision: a write pointer between sectors makes the next zone append
  // land off a sector boundary (the layouts after v10 also say so in their opener).
  if (wp % 512 != 0 && wp != start + len) {
    if (!sink(Broken("zoned.wp_unaligned",
                     "zonedmeta: write pointer of zone " + N(zone) + " is " + N(wp) +
                         ", not a multiple of 512",
                     {{"zone", zone}, {"write_pointer", wp}})))
      return;
  }
  if (conventional && wp != start) {
    RuleViolation w = Broken("zoned.wp_conventional_not_at_start",
                             "zonedmeta: conventional zone " + N(zone) + " entry holds " + N(wp) +
                                 " instead of its zone start " + N(start) +
                                 " (conventional zones have no write pointer; readers ignore the value)",
                             {{"zone", zone}, {"write_pointer", wp}, {"zone_start", start}});
    w.warning = true;
    sink(std::move(w));
  }
}

Status ValidateWritePointers(const ZonedExtension& z, uint64_t virtual_size, uint32_t first, const uint64_t* entries,
                             uint32_t n) {
  // One sink for the whole table: building it per entry cost more than the
  // rules themselves on a million-zone image (opened at every power cycle).
  FirstError err;
  const RuleSink first_error = err.Sink();
  bool failed = false;
  const RuleSink sink = [&](RuleViolation v) {
    const bool go_on = first_error(std::move(v));
    failed |= !go_on;
    return go_on;
  };
  const WritePointerShortcut shortcut(z, virtual_size);
  for (uint32_t i = 0; i < n && !failed; ++i)
    if (!shortcut.at_start(uint64_t{first} + i, entries[i]) && !shortcut.clean(uint64_t{first} + i, entries[i]))
      WritePointerRules(z, virtual_size, uint64_t{first} + i, entries[i], sink);
  return err.status();
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
  if (IsPostV10Layout(z->layout) && (z->zone_size & (z->zone_size - 1)) != 0) {
    return Status::InvalidArgument("zone size " + N(z->zone_size) + " is not a power of two, which the " +
                                   ZonedLayoutName(z->layout) + " layout requires");
  }
  const uint64_t nr = CeilDiv(virtual_size, z->zone_size);
  if (nr == 0) return Status::InvalidArgument("virtual size 0 holds no zones");
  if (nr > MaxZones(z->layout)) {
    return Status::InvalidArgument("virtual size " + N(virtual_size) + " / zone size " + N(z->zone_size) + " gives " +
                                   N(nr) + " zones, more than the " + N(MaxZones(z->layout)) + " the format allows" +
                                   (IsPostV10Layout(z->layout) ? std::string(" in the ") + ZonedLayoutName(z->layout) +
                                                                     " layout"
                                                               : ""));
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
  if (z->layout == ZonedLayout::kV12 && z->max_append_bytes != V12MaxAppendBytes(z->zone_capacity)) {
    return Status::InvalidArgument("max append bytes " + N(z->max_append_bytes) +
                                   " cannot be stored: the v12 (44-byte) layout has no such field and readers use " +
                                   N(V12MaxAppendBytes(z->zone_capacity)) + " for zone capacity " +
                                   N(z->zone_capacity));
  }
  z->zonedmeta_size = uint64_t{z->nr_zones} * 8;
  return Status::Ok();
}

}  // namespace zonesim::qcow2
