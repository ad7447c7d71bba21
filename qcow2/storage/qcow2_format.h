// The qcow2 v3 on-disk structures (QEMU docs/interop/qcow2.txt): big-endian
// integer helpers, the header, header extensions, the feature name table, L1/L2
// entry bits, compressed cluster descriptors and refcount entries. Pure
// encode/decode: no I/O, no policy. Validation of the decoded numbers lives in
// qcow2_validate.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "common/status.h"

namespace zonesim::qcow2 {

// ---- Byte order --------------------------------------------------------------

inline uint16_t LoadBE16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
// One load and at most one byte swap (memcpy + std::endian): a write-pointer
// table of millions of entries is decoded at every open.
inline uint32_t LoadBE32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return std::endian::native == std::endian::big ? v : __builtin_bswap32(v);
}
inline uint64_t LoadBE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return std::endian::native == std::endian::big ? v : __builtin_bswap64(v);
}
inline void StoreBE16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void StoreBE32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void StoreBE64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native != std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}
inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return std::endian::native == std::endian::little ? v : __builtin_bswap64(v);
}
inline void StoreLE64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native != std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

// ---- Header --------------------------------------------------------------------

inline constexpr uint32_t kQcowMagic = 0x514649fb;  // "QFI\xfb"
inline constexpr uint32_t kHeaderV2Length = 72;
inline constexpr uint32_t kHeaderV3MinLength = 104;
// What we write: the 104 fixed bytes, compression_type (byte 104), padding to 8.
inline constexpr uint32_t kHeaderV3Length = 112;
inline constexpr uint32_t kCompressionTypeOffset = 104;
// Byte offsets of header fields that are rewritten in place.
inline constexpr uint64_t kRefcountTableOffsetField = 48;  // u64 offset, then u32 clusters at 56
inline constexpr uint64_t kIncompatibleFeaturesField = 72;
inline constexpr uint64_t kAutoclearFeaturesField = 88;

inline constexpr uint32_t kMinClusterBits = 9;   // 512 B
inline constexpr uint32_t kMaxClusterBits = 21;  // 2 MiB: QEMU's implementation limit
// QEMU's implementation limits, adopted so every image we accept QEMU accepts.
inline constexpr uint64_t kMaxL1Bytes = 32ull << 20;
inline constexpr uint64_t kMaxRefcountTableBytes = 8ull << 20;
inline constexpr uint32_t kMaxSnapshots = 65536;
// Host offsets in L1/L2 entries are bits 9-55.
inline constexpr uint64_t kMaxHostOffset = 1ull << 56;

// Incompatible feature bits (header bytes 72-79).
inline constexpr uint64_t kIncompatDirty = 1ull << 0;
inline constexpr uint64_t kIncompatCorrupt = 1ull << 1;
inline constexpr uint64_t kIncompatDataFile = 1ull << 2;
inline constexpr uint64_t kIncompatCompressionType = 1ull << 3;
inline constexpr uint64_t kIncompatExtendedL2 = 1ull << 4;
inline constexpr uint64_t kIncompatZoned = 1ull << 5;  // qcow2-zoned.md: "zoned format"
inline constexpr uint64_t kIncompatKnownMask = (1ull << 6) - 1;
// Compatible feature bits (80-87).
inline constexpr uint64_t kCompatLazyRefcounts = 1ull << 0;
// Autoclear feature bits (88-95).
inline constexpr uint64_t kAutoclearBitmaps = 1ull << 0;
inline constexpr uint64_t kAutoclearRawExternalData = 1ull << 1;

struct Header {
  uint32_t magic = kQcowMagic;
  uint32_t version = 3;
  uint64_t backing_file_offset = 0;
  uint32_t backing_file_size = 0;
  uint32_t cluster_bits = 16;
  uint64_t size = 0;
  uint32_t crypt_method = 0;
  uint32_t l1_size = 0;
  uint64_t l1_table_offset = 0;
  uint64_t refcount_table_offset = 0;
  uint32_t refcount_table_clusters = 0;
  uint32_t nb_snapshots = 0;
  uint64_t snapshots_offset = 0;
  // Version 3 fields (zero for version 2).
  uint64_t incompatible_features = 0;
  uint64_t compatible_features = 0;
  uint64_t autoclear_features = 0;
  uint32_t refcount_order = 4;
  uint32_t header_length = kHeaderV3Length;
  uint8_t compression_type = 0;  // present when header_length > 104
  // Bytes 105 .. header_length, kept verbatim so a header rewrite preserves
  // additional fields we do not know (qcow2.txt "Additional fields" rule 2).
  std::vector<uint8_t> tail;

  bool operator==(const Header&) const = default;
};

// Encodes header_length bytes (at least 104; tail bytes are copied, the rest
// of the length is zero padding).
std::vector<uint8_t> EncodeHeader(const Header& h);
// Decodes the fixed fields from `n` bytes. Needs n >= 72 for version 2 and
// n >= header_length for version 3 (header_length itself is range-checked
// here only as far as decoding needs: >= 104 and <= n).
Status DecodeHeader(const uint8_t* data, size_t n, Header* out);

// ---- Header extensions ------------------------------------------------------------

inline constexpr uint32_t kExtEnd = 0x00000000;
inline constexpr uint32_t kExtBackingFormat = 0xe2792aca;
inline constexpr uint32_t kExtFeatureTable = 0x6803f857;
inline constexpr uint32_t kExtBitmaps = 0x23852875;
inline constexpr uint32_t kExtFullDiskEncryption = 0x0537be77;
inline constexpr uint32_t kExtExternalDataFile = 0x44415441;
inline constexpr uint32_t kExtZoned = 0x007a6264;  // qcow2-zoned.md

struct HeaderExtension {
  uint32_t type = 0;
  std::vector<uint8_t> data;  // unpadded
  bool operator==(const HeaderExtension&) const = default;
};

// Human name of an extension type for messages ("feature name table", ...).
std::string ExtensionName(uint32_t type);

// Walks the extension area area[begin, end): each extension is a 4-byte type,
// a 4-byte length and the data padded to 8. Stops at the end marker (type 0)
// or, if there is none, exactly at `end`. Every length is checked against the
// space left before it is used; the walk always advances, so it terminates.
Status DecodeExtensions(const uint8_t* area, size_t begin, size_t end, std::vector<HeaderExtension>* out);
// Appends the extensions (each padded to 8 with zeros) and the end marker.
void EncodeExtensions(const std::vector<HeaderExtension>& exts, std::vector<uint8_t>* out);
inline size_t PaddedLength(size_t n) { return (n + 7) & ~size_t{7}; }

// ---- Feature name table -------------------------------------------------------------

enum class FeatureType : uint8_t { kIncompatible = 0, kCompatible = 1, kAutoclear = 2 };

struct FeatureName {
  FeatureType type = FeatureType::kIncompatible;
  uint8_t bit = 0;
  std::string name;  // at most 46 bytes
  bool operator==(const FeatureName&) const = default;
};

inline constexpr size_t kFeatureNameEntrySize = 48;
inline constexpr size_t kFeatureNameMaxLength = 46;

std::vector<uint8_t> EncodeFeatureTable(const std::vector<FeatureName>& names);
// Entries are 48 bytes; a trailing partial entry is an error.
Status DecodeFeatureTable(const std::vector<uint8_t>& data, std::vector<FeatureName>* out);
// Every feature we know, in QEMU's order (incompatible 0-5, compatible 0,
// autoclear 0-1). With incompatible_only, just the six incompatible bits
// (used when the full table does not fit a 512-byte header cluster).
std::vector<FeatureName> StandardFeatureNames(bool incompatible_only = false);

// ---- L1 / L2 entries ---------------------------------------------------------------------

inline constexpr uint64_t kOflagCopied = 1ull << 63;      // refcount is exactly one
inline constexpr uint64_t kOflagCompressed = 1ull << 62;  // L2 only
inline constexpr uint64_t kOflagZero = 1ull << 0;         // L2 standard: reads as zeros
inline constexpr uint64_t kOffsetMask = 0x00fffffffffffe00ull;  // bits 9-55
// Bits that must be zero: L1 bits 0-8 and 56-62; L2 standard bits 1-8 and 56-61.
inline constexpr uint64_t kL1ReservedMask = 0x7f000000000001ffull;
inline constexpr uint64_t kL2StandardReservedMask = 0x3f000000000001feull;

// A compressed cluster descriptor (qcow2.txt "Compressed Clusters Descriptor",
// x = 62 - (cluster_bits - 8)).
struct CompressedDescriptor {
  uint64_t host_offset = 0;  // byte offset of the compressed data, not aligned
  uint64_t sectors = 0;      // 512-byte sectors spanned, counted from host_offset's sector (>= 1)
  // Bytes of compressed data that may be read: from host_offset to the end of
  // the last sector.
  uint64_t length() const { return sectors * 512 - (host_offset & 511); }
  // The sector-aligned range whose host clusters hold a reference each.
  uint64_t range_begin() const { return host_offset & ~uint64_t{511}; }
  uint64_t range_end() const { return range_begin() + sectors * 512; }
};
CompressedDescriptor DecodeCompressed(uint64_t l2_entry, uint32_t cluster_bits);
// Builds a descriptor (tests craft compressed images with it). sectors >= 1
// and must fit the field.
uint64_t EncodeCompressed(const CompressedDescriptor& d, uint32_t cluster_bits);

// ---- Refcounts --------------------------------------------------------------------------------

// Entry `index` of a refcount block of width 1 << order bits (order 0..6).
// Sub-byte widths count from the least significant bit (qcow2.txt); wider
// entries are big-endian.
uint64_t GetRefcountEntry(const uint8_t* block, uint64_t index, uint32_t order);
void SetRefcountEntry(uint8_t* block, uint64_t index, uint32_t order, uint64_t value);
inline uint64_t MaxRefcount(uint32_t order) { return order >= 6 ? ~0ull : (1ull << (1u << order)) - 1; }

}  // namespace zonesim::qcow2
