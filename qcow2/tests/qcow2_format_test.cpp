// Encode/decode round trips of every on-disk structure: big-endian helpers,
// the header, header extensions (unknown ones preserved), the feature name
// table, both zoned extension layouts, compressed cluster descriptors,
// refcount entries of every width, and raw deflate clusters.
#include <doctest/doctest.h>

#include <cstring>

#include "qcow2/storage/compressed_cluster.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/zoned_extension.h"

namespace zonesim {
namespace {

using namespace qcow2;

TEST_CASE("big-endian and little-endian helpers") {
  uint8_t b[8];
  StoreBE64(b, 0x0102030405060708ull);
  CHECK(b[0] == 0x01);
  CHECK(b[7] == 0x08);
  CHECK(LoadBE64(b) == 0x0102030405060708ull);
  CHECK(LoadBE32(b) == 0x01020304u);
  CHECK(LoadBE16(b + 6) == 0x0708);
  StoreBE32(b, 0xfffefdfcu);
  CHECK(b[0] == 0xff);
  CHECK(b[3] == 0xfc);
  StoreBE16(b, 0xabcd);
  CHECK(b[0] == 0xab);
  StoreLE64(b, 0x0102030405060708ull);
  CHECK(b[0] == 0x08);
  CHECK(b[7] == 0x01);
  CHECK(LoadLE64(b) == 0x0102030405060708ull);
}

TEST_CASE("header round trip, field offsets as in qcow2.txt") {
  Header h;
  h.backing_file_offset = 0;
  h.cluster_bits = 12;
  h.size = 0x123456789ull;
  h.l1_size = 17;
  h.l1_table_offset = 0x30000;
  h.refcount_table_offset = 0x10000;
  h.refcount_table_clusters = 3;
  h.nb_snapshots = 2;
  h.snapshots_offset = 0x50000;
  h.incompatible_features = kIncompatZoned;
  h.compatible_features = kCompatLazyRefcounts;
  h.autoclear_features = kAutoclearBitmaps;
  h.refcount_order = 4;
  h.header_length = 120;  // longer than ours: an unknown additional field survives
  h.tail = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  std::vector<uint8_t> b = EncodeHeader(h);
  REQUIRE(b.size() == 120);
  CHECK(LoadBE32(b.data()) == kQcowMagic);
  CHECK(LoadBE32(b.data() + 4) == 3);
  CHECK(LoadBE32(b.data() + 20) == 12);
  CHECK(LoadBE64(b.data() + 24) == 0x123456789ull);
  CHECK(LoadBE32(b.data() + 36) == 17);
  CHECK(LoadBE64(b.data() + 40) == 0x30000);
  CHECK(LoadBE64(b.data() + 48) == 0x10000);
  CHECK(LoadBE32(b.data() + 56) == 3);
  CHECK(LoadBE64(b.data() + 72) == kIncompatZoned);
  CHECK(LoadBE64(b.data() + 80) == kCompatLazyRefcounts);
  CHECK(LoadBE64(b.data() + 88) == kAutoclearBitmaps);
  CHECK(LoadBE32(b.data() + 96) == 4);
  CHECK(LoadBE32(b.data() + 100) == 120);
  CHECK(b[104] == 0);
  CHECK(b[105] == 1);
  Header d;
  REQUIRE(DecodeHeader(b.data(), b.size(), &d).ok());
  CHECK(d == h);
}

TEST_CASE("header decode errors name the problem") {
  Header h;
  h.header_length = 112;
  std::vector<uint8_t> b = EncodeHeader(h);
  Header d;
  Status s = DecodeHeader(b.data(), 50, &d);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("50 bytes") != std::string::npos);
  b[0] = 'X';
  s = DecodeHeader(b.data(), b.size(), &d);
  CHECK(s.message().find("magic") != std::string::npos);
  b = EncodeHeader(h);
  StoreBE32(b.data() + 4, 4);
  CHECK(DecodeHeader(b.data(), b.size(), &d).IsNotSupported());
  b = EncodeHeader(h);
  StoreBE32(b.data() + 100, 96);
  s = DecodeHeader(b.data(), b.size(), &d);
  CHECK(s.message().find("header_length 96") != std::string::npos);
  StoreBE32(b.data() + 100, 4096);
  s = DecodeHeader(b.data(), b.size(), &d);
  CHECK(s.message().find("header_length 4096") != std::string::npos);
  // Version 2: 72 bytes, v3 fields implied.
  b = EncodeHeader(h);
  StoreBE32(b.data() + 4, 2);
  REQUIRE(DecodeHeader(b.data(), 72, &d).ok());
  CHECK(d.version == 2);
  CHECK(d.header_length == 72);
  CHECK(d.refcount_order == 4);
}

TEST_CASE("header extensions: walk, unknown extensions preserved, padding, bounds") {
  std::vector<HeaderExtension> exts = {
      {kExtFeatureTable, EncodeFeatureTable(StandardFeatureNames())},
      {0x12345678, {1, 2, 3}},  // unknown, 3 bytes -> padded to 8
      {kExtBitmaps, std::vector<uint8_t>(24, 7)},
      {0xdeadbeef, {}},  // unknown, empty
  };
  std::vector<uint8_t> area(16, 0xee);  // pretend header bytes before the extensions
  EncodeExtensions(exts, &area);
  CHECK(area.size() == 16 + (8 + 432) + (8 + 8) + (8 + 24) + 8 + 8);
  std::vector<HeaderExtension> back;
  REQUIRE(DecodeExtensions(area.data(), 16, area.size(), &back).ok());
  CHECK(back == exts);
  // Re-encoding what was read gives the same bytes (round trip of unknowns).
  std::vector<uint8_t> again(16, 0xee);
  EncodeExtensions(back, &again);
  CHECK(again == area);
  // No end marker but the area ends exactly after an extension: accepted.
  REQUIRE(DecodeExtensions(area.data(), 16, area.size() - 8, &back).ok());
  CHECK(back.size() == 4);
  // A length running past the area is refused with the numbers.
  std::vector<uint8_t> bad = area;
  StoreBE32(bad.data() + 16 + 4, 100000);
  Status s = DecodeExtensions(bad.data(), 16, bad.size(), &back);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("feature name table") != std::string::npos);
  CHECK(s.message().find("100000") != std::string::npos);
  // A truncated extension header.
  s = DecodeExtensions(area.data(), 16, 20, &back);
  CHECK(s.message().find("truncated") != std::string::npos);
}

TEST_CASE("feature name table round trip and QEMU's layout") {
  std::vector<FeatureName> names = StandardFeatureNames();
  REQUIRE(names.size() == 9);
  CHECK(names[5].name == "zoned format");
  CHECK(names[5].bit == 5);
  std::vector<uint8_t> t = EncodeFeatureTable(names);
  CHECK(t.size() == 9 * 48);
  CHECK(t[5 * 48] == 0);
  CHECK(t[5 * 48 + 1] == 5);
  CHECK(std::memcmp(t.data() + 5 * 48 + 2, "zoned format", 12) == 0);
  CHECK(t[6 * 48] == 1);  // compatible: lazy refcounts
  CHECK(t[8 * 48] == 2);  // autoclear: raw external data
  CHECK(t[8 * 48 + 1] == 1);
  std::vector<FeatureName> back;
  REQUIRE(DecodeFeatureTable(t, &back).ok());
  CHECK(back == names);
  // A 46-byte name without terminator is read in full.
  FeatureName longname{FeatureType::kIncompatible, 9, std::string(46, 'n')};
  REQUIRE(DecodeFeatureTable(EncodeFeatureTable({longname}), &back).ok());
  CHECK(back[0].name.size() == 46);
  t.pop_back();
  CHECK(DecodeFeatureTable(t, &back).IsCorruption());
  CHECK(StandardFeatureNames(true).size() == 6);
}

ZonedExtension SampleZoned(ZonedLayout layout) {
  ZonedExtension z;
  z.zoned = 1;
  z.zone_size = 64ull << 20;
  z.zone_capacity = 60ull << 20;
  z.conventional_zones = 2;
  z.nr_zones = 12;
  z.max_active_zones = 6;
  z.max_open_zones = 4;
  z.max_append_bytes = 131072;
  z.zonedmeta_size = 96;
  z.zonedmeta_offset = 0x50000;
  z.layout = layout;
  return z;
}

TEST_CASE("zoned extension, latest layout: 56 bytes at the documented offsets") {
  ZonedExtension z = SampleZoned(ZonedLayout::kLatest);
  std::vector<uint8_t> b;
  REQUIRE(EncodeZonedExtension(z, &b).ok());
  REQUIRE(b.size() == 56);
  CHECK(b[0] == 1);
  CHECK(LoadBE64(b.data() + 4) == 64ull << 20);
  CHECK(LoadBE64(b.data() + 12) == 60ull << 20);
  CHECK(LoadBE32(b.data() + 20) == 2);
  CHECK(LoadBE32(b.data() + 24) == 12);
  CHECK(LoadBE32(b.data() + 28) == 6);
  CHECK(LoadBE32(b.data() + 32) == 4);
  CHECK(LoadBE32(b.data() + 36) == 131072);
  CHECK(LoadBE64(b.data() + 40) == 96);
  CHECK(LoadBE64(b.data() + 48) == 0x50000);
  ZonedExtension d;
  REQUIRE(DecodeZonedExtension(b.data(), b.size(), &d).ok());
  CHECK(d == z);
  // Longer: future fields, tail ignored.
  b.resize(72, 0xaa);
  REQUIRE(DecodeZonedExtension(b.data(), b.size(), &d).ok());
  CHECK(d == z);
  // u64 sizes beyond 32 bits survive.
  z.zone_size = 1ull << 33;
  z.zone_capacity = (1ull << 33) - 512;
  REQUIRE(EncodeZonedExtension(z, &b).ok());
  REQUIRE(DecodeZonedExtension(b.data(), b.size(), &d).ok());
  CHECK(d == z);
}

TEST_CASE("zoned extension, v5 layout: 48 bytes with u32 zone size and capacity") {
  ZonedExtension z = SampleZoned(ZonedLayout::kV5);
  std::vector<uint8_t> b;
  REQUIRE(EncodeZonedExtension(z, &b).ok());
  REQUIRE(b.size() == 48);
  CHECK(LoadBE32(b.data() + 4) == 64u << 20);
  CHECK(LoadBE32(b.data() + 8) == 60u << 20);
  CHECK(LoadBE32(b.data() + 12) == 2);
  CHECK(LoadBE32(b.data() + 16) == 12);
  CHECK(LoadBE32(b.data() + 20) == 6);
  CHECK(LoadBE32(b.data() + 24) == 4);
  CHECK(LoadBE32(b.data() + 28) == 131072);
  CHECK(LoadBE64(b.data() + 32) == 96);
  CHECK(LoadBE64(b.data() + 40) == 0x50000);
  ZonedExtension d;
  REQUIRE(DecodeZonedExtension(b.data(), b.size(), &d).ok());
  CHECK(d == z);
  CHECK(d.layout == ZonedLayout::kV5);
  // Sizes that do not fit 32 bits cannot be written in this layout.
  z.zone_size = 1ull << 32;
  Status s = EncodeZonedExtension(z, &b);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("4294967296") != std::string::npos);
}

TEST_CASE("zoned extension lengths: shorter than a layout is refused") {
  std::vector<uint8_t> b(56, 0);
  ZonedExtension d;
  for (size_t n : {0, 8, 40, 47}) {
    Status s = DecodeZonedExtension(b.data(), n, &d);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("length " + std::to_string(n)) != std::string::npos);
  }
  for (size_t n : {49, 52, 55}) {
    Status s = DecodeZonedExtension(b.data(), n, &d);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("length " + std::to_string(n)) != std::string::npos);
  }
  CHECK(DecodeZonedExtension(b.data(), 48, &d).ok());
  CHECK(d.layout == ZonedLayout::kV5);
  CHECK(DecodeZonedExtension(b.data(), 56, &d).ok());
  CHECK(d.layout == ZonedLayout::kLatest);
  b[2] = 0x40;
  CHECK(ZonedReservedBytes(b.data()) == 0x4000);
}

TEST_CASE("L1/L2 entry masks match qcow2.txt bit assignments") {
  CHECK(kOffsetMask == (((1ull << 56) - 1) & ~511ull));
  CHECK((kL1ReservedMask & kOffsetMask) == 0);
  CHECK((kL1ReservedMask & kOflagCopied) == 0);
  CHECK((kL1ReservedMask | kOffsetMask | kOflagCopied) == ~0ull);
  CHECK((kL2StandardReservedMask | kOffsetMask | kOflagCopied | kOflagCompressed | kOflagZero) == ~0ull);
}

TEST_CASE("compressed cluster descriptor: x = 62 - (cluster_bits - 8)") {
  for (uint32_t bits : {9u, 12u, 16u, 21u}) {
    CAPTURE(bits);
    const uint32_t x = 62 - (bits - 8);
    // With 512-byte clusters the size field has one bit: at most 2 sectors.
    const uint64_t sectors = bits == 9 ? 2 : 3;
    CompressedDescriptor d{0x12345 + 77, sectors};
    uint64_t e = EncodeCompressed(d, bits);
    CHECK((e & kOflagCompressed) != 0);
    CHECK(((e >> x) & ((1ull << (62 - x)) - 1)) == sectors - 1);  // additional sectors
    CompressedDescriptor back = DecodeCompressed(e, bits);
    CHECK(back.host_offset == d.host_offset);
    CHECK(back.sectors == sectors);
    CHECK(back.length() == sectors * 512 - ((0x12345 + 77) & 511));
    CHECK(back.range_begin() == ((0x12345 + 77) & ~511ull));
    CHECK(back.range_end() == back.range_begin() + sectors * 512);
  }
  // QEMU's example: 64 KiB clusters, descriptor with offset 0x30200 and 2 extra sectors.
  uint64_t e = kOflagCompressed | (2ull << 54) | 0x30200;
  CompressedDescriptor d = DecodeCompressed(e, 16);
  CHECK(d.host_offset == 0x30200);
  CHECK(d.sectors == 3);
}

TEST_CASE("refcount entries of every width") {
  for (uint32_t order = 0; order <= 6; ++order) {
    CAPTURE(order);
    std::vector<uint8_t> block(512, 0);
    const uint64_t max = MaxRefcount(order);
    const uint64_t entries = 512 * 8 >> order;
    for (uint64_t i = 0; i < entries; i += 3) SetRefcountEntry(block.data(), i, order, (i * 7 + 1) & max);
    for (uint64_t i = 0; i < entries; ++i) {
      CHECK(GetRefcountEntry(block.data(), i, order) == (i % 3 == 0 ? ((i * 7 + 1) & max) : 0));
    }
    SetRefcountEntry(block.data(), 1, order, max);
    CHECK(GetRefcountEntry(block.data(), 1, order) == max);
    CHECK(GetRefcountEntry(block.data(), 0, order) == 1);
  }
  // 16-bit refcounts are big-endian.
  std::vector<uint8_t> block(8, 0);
  SetRefcountEntry(block.data(), 1, 4, 0x0102);
  CHECK(block[2] == 0x01);
  CHECK(block[3] == 0x02);
  // Sub-byte widths count from the least significant bit.
  SetRefcountEntry(block.data(), 1, 0, 1);
  CHECK(block[0] == 0x02);
}

TEST_CASE("raw deflate clusters round trip and bad streams are refused") {
  std::vector<uint8_t> in(65536);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>((i / 100) ^ (i % 7));
  std::vector<uint8_t> z;
  REQUIRE(DeflateCluster(in.data(), in.size(), &z).ok());
  CHECK(z.size() < in.size());
  // Raw deflate: no zlib header (0x78 ..).
  CHECK(!(z[0] == 0x78 && (z[0] * 256 + z[1]) % 31 == 0));
  std::vector<uint8_t> out(in.size());
  // Trailing bytes (the next compressed cluster's) are ignored.
  std::vector<uint8_t> padded = z;
  padded.resize(z.size() + 700, 0x42);
  REQUIRE(InflateCluster(padded.data(), padded.size(), out.data(), out.size()).ok());
  CHECK(out == in);
  // A stream that ends early.
  Status s = InflateCluster(z.data(), z.size() / 2, out.data(), out.size());
  CHECK(s.IsCorruption());
  // Garbage.
  std::vector<uint8_t> junk(300, 0xff);
  CHECK(InflateCluster(junk.data(), junk.size(), out.data(), out.size()).IsCorruption());
  // A stream that is complete but decompresses to less than a cluster.
  REQUIRE(DeflateCluster(in.data(), 1000, &z).ok());
  CHECK(InflateCluster(z.data(), z.size(), out.data(), out.size()).IsCorruption());
}

}  // namespace
}  // namespace zonesim
