// The header pass of `zonesim check`: magic and version, then every header
// rule (the opener's own rules, qcow2_validate.h, collected instead of stopping
// at the first), feature bits and the header extensions.
#include <cstring>

#include "qcow2/check/check_context.h"

namespace zonesim::check {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

bool InsideFile(uint64_t offset, uint64_t length, uint64_t file_size) {
  return offset <= file_size && length <= file_size - offset;
}

void CheckFeatureBits(CheckContext& c) {
  const Header& h = c.header;
  const uint64_t unknown = h.incompatible_features & ~kIncompatKnownMask;
  for (uint32_t bit = 0; bit < 64; ++bit) {
    if (!(unknown & (1ull << bit))) continue;
    std::string name;
    for (const auto& f : c.feature_names) {
      if (f.type == FeatureType::kIncompatible && f.bit == bit) name = " (\"" + f.name + "\")";
    }
    c.findings.Add("qcow2.unknown_incompatible_bit",
                   "incompatible feature bit " + N(bit) + name + " is set (incompatible_features " +
                       Hex(h.incompatible_features) + "); its meaning is unknown, so the findings below may be incomplete",
                   {{"bit", bit, ""}, {"incompatible_features", h.incompatible_features, ""}});
    c.walk_complete = false;  // unknown layout: never repair on this picture
  }
  if (h.incompatible_features & kIncompatDirty) {
    c.findings.Add("qcow2.dirty", "the dirty bit is set (incompatible_features " + Hex(h.incompatible_features) + ")",
                   {{"incompatible_features", h.incompatible_features, ""}});
  }
  if (h.incompatible_features & kIncompatCorrupt) {
    c.findings.Add("qcow2.corrupt_bit",
                   "the corrupt bit is set (incompatible_features " + Hex(h.incompatible_features) +
                       "): QEMU found an inconsistency while using this image",
                   {{"incompatible_features", h.incompatible_features, ""}});
  }
  if (h.incompatible_features & kIncompatDataFile) {
    c.findings.StopCheck("qcow2.external_data_file", "incompatible bit 2 (external data file) is set");
  }
  if (h.incompatible_features & kIncompatExtendedL2) {
    c.findings.StopCheck("qcow2.extended_l2", "incompatible bit 4 (extended L2 entries) is set");
  }
}

}  // namespace

bool CheckHeader(CheckContext& c) {
  const uint64_t fs = c.file_size;
  ImageSummary& sum = c.report->summary;
  sum.file_size = fs;
  uint8_t peek[kHeaderV3MinLength] = {};
  const size_t peek_len = static_cast<size_t>(std::min<uint64_t>(fs, sizeof peek));
  if (peek_len > 0 && !c.Read(0, peek_len, peek)) return false;
  if (peek_len < 8) {
    c.findings.StopCheck("qcow2.header_truncated", "the file holds " + N(fs) + " bytes, too few for a qcow2 header",
                         {{"file_size", fs, ""}});
    return false;
  }
  const uint32_t magic = LoadBE32(peek);
  if (magic != kQcowMagic) {
    c.findings.StopCheck("qcow2.not_qcow2", "magic " + Hex(magic) + ", expected 0x514649fb (\"QFI\\xfb\")",
                         {{"magic", magic, ""}});
    return false;
  }
  const uint32_t version = LoadBE32(peek + 4);
  sum.version = version;
  if (version != 2 && version != 3) {
    c.findings.StopCheck("qcow2.unknown_version", "qcow2 version " + N(version) + " (versions 2 and 3 exist)",
                         {{"version", version, ""}});
    return false;
  }
  const size_t need = version == 2 ? kHeaderV2Length : kHeaderV3MinLength;
  if (peek_len < need) {
    c.findings.StopCheck("qcow2.header_truncated",
                         "the file holds " + N(fs) + " bytes, a version " + N(version) + " header needs " + N(need),
                         {{"file_size", fs, ""}, {"needed", need, ""}});
    return false;
  }
  const uint32_t bits = LoadBE32(peek + 20);
  if (bits < kMinClusterBits || bits > kMaxClusterBits) {
    c.findings.Add("qcow2.cluster_bits",
                   "cluster_bits " + N(bits) + " is outside 9..21 (cluster sizes 512 B .. 2 MiB); nothing else was checked",
                   {{"cluster_bits", bits, ""}});
    c.walk_complete = false;
    return false;
  }
  c.cluster_bits = bits;
  c.cluster_size = 1ull << bits;
  sum.cluster_size = static_cast<uint32_t>(c.cluster_size);

  // The header cluster (or the whole file if shorter) holds the extensions.
  std::vector<uint8_t> area(static_cast<size_t>(std::min<uint64_t>(fs, c.cluster_size)));
  if (!c.Read(0, area.size(), area.data())) return false;
  Header h;
  bool length_ok = true;
  Status s = DecodeHeader(area.data(), area.size(), &h);
  if (!s.ok()) {
    // Only header_length can fail decoding here (magic, version and size were
    // checked): decode the fixed fields with a sane length to go on.
    const uint32_t real_length = LoadBE32(peek + 100);
    if (real_length <= c.cluster_size && real_length > fs) {
      c.findings.StopCheck("qcow2.header_truncated",
                           "header_length " + N(real_length) + " exceeds the file size " + N(fs),
                           {{"header_length", real_length, ""}, {"file_size", fs, ""}});
      return false;
    }
    std::vector<uint8_t> fixed(peek, peek + kHeaderV3MinLength);
    StoreBE32(fixed.data() + 100, static_cast<uint32_t>(kHeaderV3MinLength));
    Status again = DecodeHeader(fixed.data(), fixed.size(), &h);
    if (!again.ok()) {
      c.findings.StopCheck("qcow2.header_truncated", again.message());
      return false;
    }
    h.header_length = real_length;
    length_ok = false;
    if (real_length < kHeaderV3MinLength) {
      c.findings.Add("qcow2.header_length",
                     "header_length " + N(real_length) + " is below the version 3 minimum " + N(kHeaderV3MinLength),
                     {{"header_length", real_length, ""}});
    }
    // Longer than the cluster: HeaderRules reports it.
  }
  c.header = h;
  sum.virtual_size = h.size;
  c.nb_clusters = (fs + c.cluster_size - 1) >> bits;
  sum.file_clusters = c.nb_clusters;

  HeaderRules(h, fs, c.findings.Collector());
  if (!c.report->checked) return false;
  if (h.header_length % 8 != 0 || h.header_length > c.cluster_size) length_ok = false;

  const uint64_t cs = c.cluster_size;
  c.l1_placed = h.l1_size > 0 && uint64_t{h.l1_size} * 8 <= kMaxL1Bytes && h.l1_table_offset != 0 &&
                h.l1_table_offset % cs == 0 && InsideFile(h.l1_table_offset, uint64_t{h.l1_size} * 8, fs);
  const uint64_t rt_bytes = uint64_t{h.refcount_table_clusters} * cs;
  c.rt_placed = h.refcount_table_offset != 0 && h.refcount_table_offset % cs == 0 && h.refcount_table_clusters > 0 &&
                rt_bytes <= kMaxRefcountTableBytes && InsideFile(h.refcount_table_offset, rt_bytes, fs);
  c.refcounts_readable = c.rt_placed && h.refcount_order <= 6;
  if (h.l1_size > 0 && !c.l1_placed) c.walk_complete = false;
  if (!c.refcounts_readable) c.walk_complete = false;

  if (c.nb_clusters > CheckContext::kMaxClusters) {
    c.findings.StopCheck("check.too_large",
                         "the file holds " + N(c.nb_clusters) + " clusters of " + N(cs) + " bytes, more than the " +
                             N(CheckContext::kMaxClusters) + " the checker maps",
                         {{"file_clusters", c.nb_clusters, ""}});
    return false;
  }

  // Extensions.
  if (length_ok) {
    s = DecodeExtensions(area.data(), h.header_length, area.size(), &c.extensions);
    if (!s.ok()) {
      c.extensions_complete = false;
      c.findings.Add("qcow2.extension_truncated", s.message(), {{"header_length", h.header_length, ""}});
    }
  } else {
    c.extensions_complete = false;
  }
  ExtensionRules(c.extensions, c.findings.Collector());
  for (const auto& e : c.extensions) {
    if (e.type != kExtFeatureTable) continue;
    s = DecodeFeatureTable(e.data, &c.feature_names);
    if (!s.ok()) c.findings.Add("qcow2.feature_table_malformed", s.message(), {{"length", e.data.size(), ""}});
  }
  CheckFeatureBits(c);
  return c.report->checked;
}

}  // namespace zonesim::check
