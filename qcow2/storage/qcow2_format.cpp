#include "qcow2/storage/qcow2_format.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace zonesim::qcow2 {

std::vector<uint8_t> EncodeHeader(const Header& h) {
  size_t len = std::max<size_t>(h.header_length, kHeaderV3MinLength);
  std::vector<uint8_t> b(len, 0);
  uint8_t* p = b.data();
  StoreBE32(p + 0, h.magic);
  StoreBE32(p + 4, h.version);
  StoreBE64(p + 8, h.backing_file_offset);
  StoreBE32(p + 16, h.backing_file_size);
  StoreBE32(p + 20, h.cluster_bits);
  StoreBE64(p + 24, h.size);
  StoreBE32(p + 32, h.crypt_method);
  StoreBE32(p + 36, h.l1_size);
  StoreBE64(p + 40, h.l1_table_offset);
  StoreBE64(p + 48, h.refcount_table_offset);
  StoreBE32(p + 56, h.refcount_table_clusters);
  StoreBE32(p + 60, h.nb_snapshots);
  StoreBE64(p + 64, h.snapshots_offset);
  StoreBE64(p + 72, h.incompatible_features);
  StoreBE64(p + 80, h.compatible_features);
  StoreBE64(p + 88, h.autoclear_features);
  StoreBE32(p + 96, h.refcount_order);
  StoreBE32(p + 100, static_cast<uint32_t>(len));
  if (len > kCompressionTypeOffset) p[kCompressionTypeOffset] = h.compression_type;
  size_t tail_room = len > kCompressionTypeOffset + 1 ? len - (kCompressionTypeOffset + 1) : 0;
  const size_t tail = std::min(tail_room, h.tail.size());
  if (tail > 0) std::memcpy(p + kCompressionTypeOffset + 1, h.tail.data(), tail);
  return b;
}

Status DecodeHeader(const uint8_t* p, size_t n, Header* out) {
  if (n < kHeaderV2Length) {
    return Status::Corruption("file too short for a qcow2 header: " + std::to_string(n) + " bytes, need " +
                              std::to_string(kHeaderV2Length));
  }
  Header h;
  h.magic = LoadBE32(p + 0);
  if (h.magic != kQcowMagic) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", h.magic);
    return Status::Corruption(std::string("not a qcow2 image: magic ") + buf + ", expected 0x514649fb (\"QFI\\xfb\")");
  }
  h.version = LoadBE32(p + 4);
  h.backing_file_offset = LoadBE64(p + 8);
  h.backing_file_size = LoadBE32(p + 16);
  h.cluster_bits = LoadBE32(p + 20);
  h.size = LoadBE64(p + 24);
  h.crypt_method = LoadBE32(p + 32);
  h.l1_size = LoadBE32(p + 36);
  h.l1_table_offset = LoadBE64(p + 40);
  h.refcount_table_offset = LoadBE64(p + 48);
  h.refcount_table_clusters = LoadBE32(p + 56);
  h.nb_snapshots = LoadBE32(p + 60);
  h.snapshots_offset = LoadBE64(p + 64);
  if (h.version == 2) {
    h.incompatible_features = h.compatible_features = h.autoclear_features = 0;
    h.refcount_order = 4;
    h.header_length = kHeaderV2Length;
    h.compression_type = 0;
    *out = std::move(h);
    return Status::Ok();
  }
  if (h.version != 3) {
    return Status::NotSupported("qcow2 version " + std::to_string(h.version) + " (only version 3 is supported)");
  }
  if (n < kHeaderV3MinLength) {
    return Status::Corruption("file too short for a qcow2 version 3 header: " + std::to_string(n) +
                              " bytes, need " + std::to_string(kHeaderV3MinLength));
  }
  h.incompatible_features = LoadBE64(p + 72);
  h.compatible_features = LoadBE64(p + 80);
  h.autoclear_features = LoadBE64(p + 88);
  h.refcount_order = LoadBE32(p + 96);
  h.header_length = LoadBE32(p + 100);
  if (h.header_length < kHeaderV3MinLength) {
    return Status::Corruption("header_length " + std::to_string(h.header_length) + " is below the version 3 minimum " +
                              std::to_string(kHeaderV3MinLength));
  }
  if (h.header_length > n) {
    return Status::Corruption("header_length " + std::to_string(h.header_length) + " exceeds the " +
                              std::to_string(n) + " bytes available (file or first cluster)");
  }
  if (h.header_length > kCompressionTypeOffset) {
    h.compression_type = p[kCompressionTypeOffset];
    h.tail.assign(p + kCompressionTypeOffset + 1, p + h.header_length);
  }
  *out = std::move(h);
  return Status::Ok();
}

std::string ExtensionName(uint32_t type) {
  switch (type) {
    case kExtEnd: return "end of extensions";
    case kExtBackingFormat: return "backing file format name";
    case kExtFeatureTable: return "feature name table";
    case kExtBitmaps: return "bitmaps extension";
    case kExtFullDiskEncryption: return "full disk encryption header pointer";
    case kExtExternalDataFile: return "external data file name";
    case kExtZoned: return "zoned extension";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "extension 0x%08x", type);
  return buf;
}

Status DecodeExtensions(const uint8_t* area, size_t begin, size_t end, std::vector<HeaderExtension>* out) {
  out->clear();
  size_t off = begin;
  while (off < end) {
    if (end - off < 8) {
      return Status::Corruption("header extension at offset " + std::to_string(off) + " is truncated: " +
                                std::to_string(end - off) + " bytes left before the end of the header area " +
                                std::to_string(end) + ", need 8");
    }
    uint32_t type = LoadBE32(area + off);
    uint32_t len = LoadBE32(area + off + 4);
    if (type == kExtEnd) return Status::Ok();
    off += 8;
    if (len > end - off) {
      return Status::Corruption(ExtensionName(type) + " at offset " + std::to_string(off - 8) + ": length " +
                                std::to_string(len) + " exceeds the " + std::to_string(end - off) +
                                " bytes left in the header area (ends at " + std::to_string(end) + ")");
    }
    HeaderExtension ext;
    ext.type = type;
    ext.data.assign(area + off, area + off + len);
    out->push_back(std::move(ext));
    // Padding past the area end is tolerated: the next iteration stops.
    size_t padded = PaddedLength(len);
    off = padded > end - off ? end : off + padded;
  }
  return Status::Ok();
}

void EncodeExtensions(const std::vector<HeaderExtension>& exts, std::vector<uint8_t>* out) {
  for (const auto& e : exts) {
    size_t at = out->size();
    out->resize(at + 8 + PaddedLength(e.data.size()), 0);
    StoreBE32(out->data() + at, e.type);
    StoreBE32(out->data() + at + 4, static_cast<uint32_t>(e.data.size()));
    if (!e.data.empty()) std::memcpy(out->data() + at + 8, e.data.data(), e.data.size());
  }
  out->resize(out->size() + 8, 0);  // end marker: type 0, length 0
}

std::vector<uint8_t> EncodeFeatureTable(const std::vector<FeatureName>& names) {
  std::vector<uint8_t> b(names.size() * kFeatureNameEntrySize, 0);
  for (size_t i = 0; i < names.size(); ++i) {
    uint8_t* e = b.data() + i * kFeatureNameEntrySize;
    e[0] = static_cast<uint8_t>(names[i].type);
    e[1] = names[i].bit;
    std::memcpy(e + 2, names[i].name.data(), std::min(names[i].name.size(), kFeatureNameMaxLength));
  }
  return b;
}

Status DecodeFeatureTable(const std::vector<uint8_t>& data, std::vector<FeatureName>* out) {
  out->clear();
  if (data.size() % kFeatureNameEntrySize != 0) {
    return Status::Corruption("feature name table: length " + std::to_string(data.size()) +
                              " is not a multiple of the 48-byte entry size");
  }
  for (size_t off = 0; off < data.size(); off += kFeatureNameEntrySize) {
    FeatureName f;
    f.type = static_cast<FeatureType>(data[off]);
    f.bit = data[off + 1];
    const char* s = reinterpret_cast<const char*>(data.data() + off + 2);
    f.name.assign(s, strnlen(s, kFeatureNameMaxLength));
    out->push_back(std::move(f));
  }
  return Status::Ok();
}

std::vector<FeatureName> StandardFeatureNames(bool incompatible_only) {
  std::vector<FeatureName> v = {
      {FeatureType::kIncompatible, 0, "dirty bit"},
      {FeatureType::kIncompatible, 1, "corrupt bit"},
      {FeatureType::kIncompatible, 2, "external data file"},
      {FeatureType::kIncompatible, 3, "compression type"},
      {FeatureType::kIncompatible, 4, "extended L2 entries"},
      {FeatureType::kIncompatible, 5, "zoned format"},
  };
  if (!incompatible_only) {
    v.push_back({FeatureType::kCompatible, 0, "lazy refcounts"});
    v.push_back({FeatureType::kAutoclear, 0, "bitmaps"});
    v.push_back({FeatureType::kAutoclear, 1, "raw external data"});
  }
  return v;
}

CompressedDescriptor DecodeCompressed(uint64_t entry, uint32_t cluster_bits) {
  const uint32_t x = 62 - (cluster_bits - 8);
  CompressedDescriptor d;
  d.host_offset = entry & ((1ull << x) - 1);
  const uint64_t size_mask = (1ull << (62 - x)) - 1;
  d.sectors = ((entry >> x) & size_mask) + 1;
  return d;
}

uint64_t EncodeCompressed(const CompressedDescriptor& d, uint32_t cluster_bits) {
  const uint32_t x = 62 - (cluster_bits - 8);
  return kOflagCompressed | ((d.sectors - 1) << x) | (d.host_offset & ((1ull << x) - 1));
}

uint64_t GetRefcountEntry(const uint8_t* block, uint64_t index, uint32_t order) {
  switch (order) {
    case 0:
    case 1:
    case 2: {
      const uint32_t bits = 1u << order;
      const uint64_t bit = index * bits;
      return (block[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
    }
    case 3: return block[index];
    case 4: return LoadBE16(block + index * 2);
    case 5: return LoadBE32(block + index * 4);
    default: return LoadBE64(block + index * 8);
  }
}

void SetRefcountEntry(uint8_t* block, uint64_t index, uint32_t order, uint64_t value) {
  switch (order) {
    case 0:
    case 1:
    case 2: {
      const uint32_t bits = 1u << order;
      const uint64_t bit = index * bits;
      const uint8_t mask = static_cast<uint8_t>(((1u << bits) - 1) << (bit % 8));
      block[bit / 8] = static_cast<uint8_t>((block[bit / 8] & ~mask) | ((value << (bit % 8)) & mask));
      return;
    }
    case 3: block[index] = static_cast<uint8_t>(value); return;
    case 4: StoreBE16(block + index * 2, static_cast<uint16_t>(value)); return;
    case 5: StoreBE32(block + index * 4, static_cast<uint32_t>(value)); return;
    default: StoreBE64(block + index * 8, value); return;
  }
}

}  // namespace zonesim::qcow2
