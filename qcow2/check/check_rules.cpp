#include "qcow2/check/check_rules.h"

#include <algorithm>

namespace zonesim::check {

namespace {

constexpr Severity E = Severity::kError;
constexpr Severity L = Severity::kLeak;
constexpr Severity W = Severity::kWarning;

// Sources: qcow2.txt = QEMU docs/interop/qcow2.txt; QEMU's checker =
// block/qcow2-refcount.c (qcow2_check_refcounts and helpers); spec =
// ../shared/spec/qcow2-zoned.md.
const std::vector<RuleInfo>& Table() {
  static const std::vector<RuleInfo> kRules = {
      // ---- The file -----------------------------------------------------------------
      {"io.unreadable", E, "The image file must be readable.", true},
      {"qcow2.header_truncated", E, "The file must hold a complete qcow2 header (72 bytes for version 2, 104 for version 3).", true},
      {"qcow2.not_qcow2", E, "A qcow2 image starts with the magic \"QFI\\xfb\" (0x514649fb).", true},
      {"qcow2.unknown_version", E, "The qcow2 version is 2 or 3 (qcow2.txt).", true},
      {"qcow2.encrypted", E, "Encrypted images (crypt_method != 0) cannot be checked: the encryption header's clusters are not described here.", true},
      {"qcow2.external_data_file", E, "Images with an external data file (incompatible bit 2) keep guest data elsewhere and cannot be checked here.", true},
      {"qcow2.extended_l2", E, "Images with extended L2 entries (incompatible bit 4, 128-bit L2 entries) cannot be checked here.", true},
      {"check.too_large", E, "The checker maps at most 2^25 clusters of a file.", true},
      {"check.budget_exceeded", E, "The checker walks at most 2^28 L2 entries (crafted tables that point many times at the same clusters).", true},
      // ---- Header -------------------------------------------------------------------
      {"qcow2.version_2", W, "zonesim opens only qcow2 version 3 images; the zoned feature bit lives in a version 3 header (spec)."},
      {"qcow2.cluster_bits", E, "cluster_bits lies in 9..21 (512 B to 2 MiB clusters; QEMU's limit); nothing else can be checked without it."},
      {"qcow2.header_length", E, "header_length is at least 104, a multiple of 8 and fits the first cluster (qcow2.txt)."},
      {"qcow2.refcount_order", E, "refcount_order is at most 6 (64-bit refcounts, qcow2.txt); refcounts cannot be read otherwise."},
      {"qcow2.backing_file", W, "zonesim does not open images with a backing file (the check itself does not need it)."},
      {"qcow2.compression_type_unsupported", W, "zonesim reads only zlib compressed clusters (compression type 0)."},
      {"qcow2.compression_type", E, "A non-zero compression_type requires incompatible feature bit 3 (qcow2.txt)."},
      {"qcow2.virtual_size_too_large", E, "The virtual size must be mappable by an L1 table within QEMU's 32 MiB L1 limit."},
      {"qcow2.l1_too_small", E, "l1_size covers the whole virtual size (QEMU refuses a smaller L1 table)."},
      {"qcow2.l1_too_large", E, "The L1 table is at most 32 MiB (QEMU's limit)."},
      {"qcow2.l1_unaligned", E, "l1_table_offset is a non-zero multiple of the cluster size (qcow2.txt)."},
      {"qcow2.l1_out_of_bounds", E, "The L1 table lies inside the file."},
      {"qcow2.snapshots_too_many", E, "nb_snapshots is at most 65536 (QEMU's limit)."},
      {"qcow2.snapshots_offset", E, "With snapshots, snapshots_offset is a cluster-aligned offset inside the file."},
      {"qcow2.snapshot_table_malformed", E, "Every snapshot table entry lies inside the file and its sizes are consistent (qcow2.txt \"Snapshots\")."},
      {"qcow2.snapshot_l1_invalid", E, "A snapshot's L1 table is cluster aligned, at most 32 MiB and inside the file."},
      {"qcow2.metadata_overlap", E, "The header cluster, the L1 table and the refcount table do not overlap."},
      {"qcow2.extension_truncated", E, "Every header extension (type, length, data padded to 8) fits the header cluster (qcow2.txt)."},
      {"qcow2.extension_duplicate", E, "A known header extension appears at most once."},
      {"qcow2.extension_encryption", E, "A full disk encryption header pointer requires crypt_method != 0."},
      {"qcow2.feature_table_malformed", W, "The feature name table is a whole number of 48-byte entries (qcow2.txt)."},
      {"qcow2.unknown_incompatible_bit", E, "No incompatible feature bit unknown to the reader is set: such an image must not be opened (qcow2.txt)."},
      {"qcow2.dirty", W, "The dirty bit (incompatible bit 0) says refcounts may be stale after an unclean shutdown with lazy refcounts; refcount findings may stem from it (`qemu-img check -r all` rebuilds them)."},
      {"qcow2.corrupt_bit", E, "The corrupt bit (incompatible bit 1) is clear: QEMU sets it when it detects a metadata inconsistency."},
      {"qcow2.bitmaps_ignored", W, "A bitmaps extension without autoclear bit 0 is stale: a program without bitmap support wrote the image, so QEMU ignores the bitmaps and their clusters count as leaked."},
      {"qcow2.bitmaps_malformed", E, "The bitmap directory, bitmap tables and bitmap data clusters lie inside the file, cluster aligned, with consistent sizes (qcow2.txt \"Bitmaps\")."},
      // ---- L1 / L2 --------------------------------------------------------------------
      {"qcow2.l1_entry_reserved_bits", E, "L1 entry bits 0-8 and 56-62 are zero (qcow2.txt)."},
      {"qcow2.l1_copied_without_offset", E, "An L1 entry without an L2 table offset has no other bit set (zonesim's opener refuses it)."},
      {"qcow2.l2_unaligned", E, "An L2 table offset is cluster aligned (qcow2.txt)."},
      {"qcow2.l2_out_of_bounds", E, "An L2 table lies wholly inside the file, outside the header cluster."},
      {"qcow2.l2_shared", E, "One L1 table references each L2 table once."},
      {"qcow2.l2_entry_reserved_bits", E, "Standard L2 entry bits 1-8 and 56-61 are zero (qcow2.txt)."},
      {"qcow2.data_unaligned", E, "A standard cluster's host offset is cluster aligned (qcow2.txt; QEMU's checker: \"Cluster is not properly aligned\")."},
      {"qcow2.data_out_of_bounds", E, "A data cluster starts inside the file and outside the header cluster."},
      {"qcow2.compressed_out_of_bounds", E, "A compressed cluster's data starts inside the file, outside the header cluster."},
      {"qcow2.compressed_copied_flag", E, "The COPIED flag is never set on a compressed cluster (qcow2.txt; QEMU's checker)."},
      {"qcow2.copied_flag_mismatch", E, "In the active tables, the COPIED flag (bit 63) is set exactly when the cluster's refcount is 1 (qcow2.txt; QEMU's checker: \"OFLAG_COPIED\")."},
      {"qcow2.cluster_overlap", E, "A metadata cluster is used by nothing else, and a cluster is never both compressed and standard data."},
      // ---- Refcounts ------------------------------------------------------------------
      {"refcount.table_unaligned", E, "refcount_table_offset is a non-zero multiple of the cluster size (qcow2.txt)."},
      {"refcount.table_empty", E, "refcount_table_clusters is at least 1."},
      {"refcount.table_too_large", E, "The refcount table is at most 8 MiB (QEMU's limit)."},
      {"refcount.table_out_of_bounds", E, "The refcount table lies inside the file."},
      {"refcount.table_reserved_bits", E, "Refcount table entry bits 0-8 are zero (qcow2.txt)."},
      {"refcount.block_unaligned", E, "A refcount block offset is cluster aligned (QEMU's checker: \"refcount block is not cluster aligned\")."},
      {"refcount.block_out_of_bounds", E, "A refcount block lies wholly inside the file (QEMU's checker: \"refcount block is outside image\")."},
      {"refcount.too_low", E, "A cluster's refcount is at least the number of references to it; a lower one lets the cluster be reallocated while in use (QEMU's checker: \"ERROR cluster refcount=R reference=N\")."},
      {"refcount.leak", L, "A cluster's refcount equals the number of references to it; a higher one wastes the cluster but harms no data (QEMU's checker: \"Leaked cluster\"); --repair lowers it."},
      {"refcount.beyond_eof", W, "Refcounts of clusters past the end of the file are zero (QEMU's checker ignores them; they only waste refcount entries)."},
      // ---- The zoned format (spec) ----------------------------------------------------
      {"zoned.bit_without_extension", E, "Incompatible feature bit 5 (zoned format) and the zoned extension 0x007a6264 are present together or absent together (spec)."},
      {"zoned.extension_without_bit", E, "Incompatible feature bit 5 (zoned format) and the zoned extension 0x007a6264 are present together or absent together; without the bit, a reader unaware of write pointers will corrupt them (spec)."},
      {"zoned.extension_unreadable", E, "With bit 5 set, the zoned extension must be readable in the header extension area."},
      {"zoned.extension_truncated", E, "The zoned extension is at least as long as the shortest layout: 44 bytes (v12), 48 bytes (v5, v11) or 56 bytes (latest) (spec)."},
      {"zoned.extension_length", E, "A zoned extension of 45 to 47 or 49 to 55 bytes lies between two layouts (a truncated longer one or a shorter one with an unknown tail); neither can be read safely (spec)."},
      {"zoned.extension_tail", W, "A zoned extension longer than 56 bytes is the latest layout with future fields; the tail is ignored (spec)."},
      {"zoned.model_non_zoned", W, "With zone model 0 (non-zoned) every other zoned field is ignored; the image is not zoned (spec)."},
      {"zoned.unknown_model", E, "The zone model is 0 (non-zoned) or 1 (host-managed); any other value must be refused, and no other field can be interpreted (spec)."},
      {"zoned.reserved_nonzero", E, "Bytes 1-3 of the zoned extension are zero (spec)."},
      {"zoned.zone_size_zero", E, "zone_size is greater than zero (spec)."},
      {"zoned.zone_size_not_power_of_two", W, "The latest format text requires a power-of-two zone_size (Linux only exposes such devices); the rest of the format works without one.", false, true},
      {"zoned.zone_size_power_of_two_required", E, "The layouts after v10 (v11, v12) require a power-of-two zone_size; their opener refuses any other (spec, \"Later revisions\")."},
      {"zoned.zone_capacity", E, "zone_capacity is non-zero, whole 512-byte sectors and at most zone_size (spec; info and io refuse anything else)."},
      {"zoned.nr_zones_mismatch", E, "nr_zones equals ceil(virtual size / zone_size) (spec)."},
      {"zoned.nr_zones_too_large", E, "nr_zones is at most (2^32 - 1) / 8, and at most 2^20 in the layouts after v10 (spec)."},
      {"zoned.conventional_zones", E, "conventional_zones is less than nr_zones (spec)."},
      {"zoned.max_open_exceeds_zones", E, "max_open_zones does not exceed the number of sequential zones (spec; zonesim's opener refuses more)."},
      {"zoned.max_active_exceeds_zones", E, "max_active_zones does not exceed the number of sequential zones (spec; zonesim's opener refuses more)."},
      {"zoned.limit_clamped", W, "In the layouts after v10 a max_open_zones or max_active_zones above the number of sequential zones is clamped with a warning (spec, \"Later revisions\"); zonesim clamps it too."},
      {"zoned.max_open_exceeds_active", E, "max_open_zones <= max_active_zones when both are non-zero (the review's intended rule; the latest text states it inverted, zonesim's opener refuses the other order)."},
      {"zoned.max_append_bytes", E, "max_append_bytes is a multiple of 512 and below zone_capacity (spec)."},
      {"zoned.zonedmeta_size", E, "zonedmeta_size equals 8 * nr_zones (spec)."},
      {"zoned.zonedmeta_unaligned", E, "zonedmeta_offset is a non-zero multiple of the cluster size (spec)."},
      {"zoned.zonedmeta_out_of_bounds", E, "The write-pointer table (zonedmeta) lies inside the file (spec)."},
      {"zoned.zonedmeta_overlap", E, "The write-pointer table overlaps no other metadata: header cluster, L1 table, refcount table (spec)."},
      {"zoned.wp_table_freed", E, "The write-pointer table's clusters have refcount 1 (spec); at refcount 0 the next allocation overwrites the write pointers."},
      {"zoned.wp_table_reused", E, "The write-pointer table's clusters are used by nothing else (spec); once reallocated, the write pointers are gone."},
      {"zoned.wp_table_refcount_high", L, "The write-pointer table's clusters have refcount 1 (spec); a higher refcount wastes nothing but is not what a writer leaves; --repair sets it to 1."},
      {"zoned.wp_stray_bits", E, "Bits 60-63 of a write-pointer entry are zero in the latest revision (an early revision kept zone state there) (spec)."},
      {"zoned.wp_conventional_flag_missing", E, "The entry of each of the first conventional_zones zones carries the conventional flag: bit 59, or bit 63 in the layouts after v10 (spec)."},
      {"zoned.wp_conventional_flag_on_sequential", E, "Only the first conventional_zones zones carry the conventional flag: bit 59, or bit 63 in the layouts after v10 (spec)."},
      {"zoned.wp_out_of_zone", E, "Each write pointer lies in [zone start, zone start + zone length] (spec)."},
      {"zoned.wp_unaligned", E, "Every write pointer is sector-aligned (a multiple of 512) or its zone's end: a zone append lands at the write pointer (the layouts after v10 validate it at open, spec \"Later revisions\")."},
      {"zoned.wp_conventional_not_at_start", W, "A conventional zone's entry holds its zone start (spec); readers ignore the value."},
      {"zoned.wp_big_endian", E, "Write-pointer entries are little-endian, as the one existing implementation writes them; these entries are consistent only when read big-endian, so the image was written by a reader of the other convention."},
      {"zoned.wp_little_endian", E, "In the layouts after v10 write-pointer entries are big-endian; these entries are consistent only when read little-endian, so the image was written with the older entry encoding."},
      {"zoned.layout_ambiguous", E, "A 48-byte zoned extension is v5/v6 or about-v11; this image is consistent as both, so the revision that wrote it cannot be told (spec: refuse). `--expect-layout` names the one a project implements."},
      {"zoned.layout_undecided", E, "A 48-byte zoned extension is v5/v6 or about-v11, decided by consistency (nr_zones, every entry inside its zone, the flag only on conventional zones); this image is consistent as neither (spec: refuse)."},
      {"zoned.layout_unexpected", E, "The image's zoned layout revision is the one `--expect-layout` names (a project pins the revision it implements)."},
      {"zoned.data_beyond_wp", W, "A sequential zone holds no data at or beyond its write pointer: such data is invisible (reads there return the fill) and the next write overwrites it. A warning, not an error: a crash between a data write and the write-pointer update leaves exactly this, and no data the device acknowledged is at risk."},
      // ---- --strict: what the spec leaves ambiguous -------------------------------------
      {"zoned.wp_byte_order_ambiguous", W, "The format text never says the byte order of write-pointer entries; they were read little-endian, as the one existing implementation (x86, host order) writes them.", false, true},
      {"zoned.limit_equals_sequential_zones", W, "A limit equal to the number of sequential zones means \"no limit\" and is stored as 0 (spec); storing the number itself is legal but readers may treat it differently.", false, true},
      {"zoned.max_append_zero", W, "max_append_bytes 0 satisfies the rules (a multiple of 512, below the capacity) but the text does not say whether it means \"no zone append\" or \"no limit\".", false, true},
      {"zoned.last_zone_smaller", W, "The last zone is smaller than zone_size; the text says it may be, but not what its capacity is (zonesim caps it at the zone's length).", false, true},
      {"zoned.v5_layout", W, "The extension uses the older 48-byte (v5/v6) layout with 32-bit zone_size and zone_capacity; the latest revision writes 56 bytes.", false, true},
      {"zoned.zone_size_not_sector_multiple", W, "zone_size and zone_capacity are multiples of 512 for Linux to expose the device; the format text does not require it.", false, true},
  };
  return kRules;
}

}  // namespace

const std::vector<RuleInfo>& AllRules() { return Table(); }

bool IsKnownRule(std::string_view id) {
  const auto& t = Table();
  return std::any_of(t.begin(), t.end(), [&](const RuleInfo& r) { return r.id == id; });
}

const RuleInfo& Rule(std::string_view id) {
  for (const RuleInfo& r : Table()) {
    if (r.id == id) return r;
  }
  static const RuleInfo kUnknown{"check.unknown_rule", Severity::kError, "(no rule text: unknown identifier)"};
  return kUnknown;
}

}  // namespace zonesim::check
