// Open-time validation: every rule gets a crafted image (a good image with a
// few bytes patched) and the error must name the field and the values.
// Also: truncation at every length of a small image, and deterministic random
// byte corruption of the metadata region (no crash, no hang, no huge
// allocation: the sanitizer build checks the memory side).
#include <doctest/doctest.h>

#include <cstring>
#include <functional>

#include "common/mem_env.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/qcow2_validate.h"
#include "qcow2/tests/qcow2_test_util.h"

namespace zonesim {
namespace {

using namespace qcow2test;
using qcow2::LoadBE32;
using qcow2::LoadBE64;
using qcow2::StoreBE32;
using qcow2::StoreBE64;
using qcow2::StoreLE64;
using Bytes = std::vector<uint8_t>;

size_t ExtensionData(const Bytes& file, uint32_t type) {
  size_t off = LoadBE32(file.data() + 100);
  while (off + 8 <= file.size()) {
    uint32_t t = LoadBE32(file.data() + off), l = LoadBE32(file.data() + off + 4);
    if (t == 0) break;
    if (t == type) return off + 8;
    off += 8 + ((l + 7) & ~7u);
  }
  FAIL("extension not found");
  return 0;
}

// Good images to patch. Plain: 8 MiB, 4 KiB clusters, 64 KiB of data.
// Zoned: 12 MiB, 1 MiB zones (2 conventional), 4 KiB clusters, data at 0.
struct Images {
  Bytes plain, zoned, zoned_v5;
  Images() {
    MemEnv env;
    REQUIRE(Qcow2Image::Create(&env, "plain", PlainOptions(8 << 20, 4096), false).ok());
    auto opts = ZonedOptions(12 << 20, 1 << 20, 4096, 2);
    REQUIRE(Qcow2Image::Create(&env, "zoned", opts, false).ok());
    opts.zoned->layout = ZonedLayout::kV5;
    REQUIRE(Qcow2Image::Create(&env, "zoned_v5", opts, false).ok());
    Bytes d(65536, 0x3c);
    for (const char* name : {"plain", "zoned", "zoned_v5"}) {
      auto img = OpenOrFail(&env, name);
      REQUIRE(img->Write(0, d.size(), d.data()).ok());
    }
    plain = env.Contents("plain");
    zoned = env.Contents("zoned");
    zoned_v5 = env.Contents("zoned_v5");
  }
};

const Images& Base() {
  static Images images;
  return images;
}

Status OpenBytes(const Bytes& bytes, bool read_only, std::unique_ptr<Qcow2Image>* out = nullptr) {
  MemEnv env;
  env.SetContents("img", bytes);
  std::unique_ptr<Qcow2Image> img;
  Status s = Qcow2Image::Open(&env, "img", read_only, &img);
  if (out) *out = std::move(img);
  return s;
}

// Patches a copy of `base`, opens it, and expects an error of `code` whose
// message contains every word.
void ExpectError(const Bytes& base, const std::function<void(Bytes&)>& patch, Status::Code code,
                 const std::vector<std::string>& words, bool read_only = false) {
  Bytes b = base;
  patch(b);
  Status s = OpenBytes(b, read_only);
  INFO(s.ToString());
  CHECK(s.code() == code);
  for (const auto& w : words) CHECK_MESSAGE(s.message().find(w) != std::string::npos, "missing: ", w);
  CHECK(s.message().find("img: ") == 0);  // the path leads the one-line message
}

constexpr auto kCorrupt = Status::Code::kCorruption;
constexpr auto kUnsupported = Status::Code::kNotSupported;

TEST_CASE("the base images are valid") {
  std::unique_ptr<Qcow2Image> img;
  REQUIRE(OpenBytes(Base().plain, false).ok());
  REQUIRE(OpenBytes(Base().zoned, false, &img).ok());
  CHECK(img->zoned()->layout == ZonedLayout::kLatest);
  CHECK(img->warnings().empty());
  REQUIRE(OpenBytes(Base().zoned_v5, false, &img).ok());
  CHECK(img->zoned()->layout == ZonedLayout::kV5);
}

TEST_CASE("header rules") {
  const Bytes& p = Base().plain;
  ExpectError(p, [](Bytes& b) { b[1] = 'X'; }, kCorrupt, {"magic"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 4, 2); }, kUnsupported, {"version 2"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 4, 7); }, kUnsupported, {"version 7"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 20, 8); }, kCorrupt, {"cluster_bits 8"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 20, 22); }, kCorrupt, {"cluster_bits 22"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 100, 100); }, kCorrupt, {"header_length 100"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 100, 116); }, kCorrupt, {"header_length 116", "multiple of 8"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 100, 8192); }, kCorrupt, {"header_length 8192"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 96, 7); }, kCorrupt, {"refcount_order 7"});
  ExpectError(p, [](Bytes& b) { StoreBE64(b.data() + 8, 4000); }, kUnsupported, {"backing file", "4000"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 32, 2); }, kUnsupported, {"crypt_method 2"});
  ExpectError(p, [](Bytes& b) { b[79] |= 8; b[104] = 1; }, kUnsupported, {"compression type 1"});
  ExpectError(p, [](Bytes& b) { b[104] = 1; }, kCorrupt, {"compression_type 1", "bit 3"});
}

TEST_CASE("L1 table rules") {
  const Bytes& p = Base().plain;
  const uint64_t l1 = LoadBE64(p.data() + 40);
  // 8 MiB with 4 KiB clusters: one L2 table maps 2 MiB, 4 L1 entries needed.
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 36, 3); }, kCorrupt, {"l1_size 3", "4 entries", "8388608"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 36, 0x7fffffff); }, kCorrupt, {"l1_size 2147483647"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 36, 100000); }, kCorrupt, {"l1_size 100000", "end of the file"});
  ExpectError(p, [&](Bytes& b) { StoreBE64(b.data() + 40, l1 + 8); }, kCorrupt, {"l1_table_offset", "cluster size 4096"});
  ExpectError(p, [](Bytes& b) { StoreBE64(b.data() + 40, 0); }, kCorrupt, {"l1_table_offset 0"});
  ExpectError(p, [](Bytes& b) { StoreBE64(b.data() + 40, 1ull << 40); }, kCorrupt, {"l1_table_offset 1099511627776"});
  ExpectError(p, [](Bytes& b) { StoreBE64(b.data() + 40, LoadBE64(b.data() + 48)); }, kCorrupt,
              {"overlaps the refcount table"});
  // Virtual size beyond what any L1 can map with 4 KiB clusters.
  ExpectError(p, [](Bytes& b) { StoreBE64(b.data() + 24, 1ull << 50); }, kCorrupt, {"virtual size 1125899906842624"});
  // Entries.
  ExpectError(p, [&](Bytes& b) { b[l1 + 7] |= 1; }, kCorrupt, {"L1 entry 0", "reserved bits"});
  ExpectError(p, [&](Bytes& b) { StoreBE64(b.data() + l1, (1ull << 63) | 4608); }, kCorrupt,
              {"L1 entry 0", "not cluster aligned"});
  ExpectError(p, [&](Bytes& b) { StoreBE64(b.data() + l1 + 8, (1ull << 63) | (1ull << 40)); }, kCorrupt,
              {"L1 entry 1", "beyond the end of the file"});
  ExpectError(p, [&](Bytes& b) { StoreBE64(b.data() + l1 + 8, 1ull << 63); }, kCorrupt, {"L1 entry 1", "COPIED"});
}

TEST_CASE("refcount table and snapshot rules") {
  const Bytes& p = Base().plain;
  const uint64_t rt = LoadBE64(p.data() + 48);
  ExpectError(p, [&](Bytes& b) { StoreBE64(b.data() + 48, rt + 512); }, kCorrupt, {"refcount_table_offset"});
  ExpectError(p, [](Bytes& b) { StoreBE64(b.data() + 48, 0); }, kCorrupt, {"refcount_table_offset 0"});
  ExpectError(p, [](Bytes& b) { StoreBE64(b.data() + 48, 1ull << 45); }, kCorrupt, {"refcount table", "end of the file"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 56, 0); }, kCorrupt, {"refcount_table_clusters is 0"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 56, 100000); }, kCorrupt, {"refcount_table_clusters 100000"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 56, 1000); }, kCorrupt, {"refcount_table_clusters 1000", "end of the file"});
  ExpectError(p, [&](Bytes& b) { b[rt + 7] = 0x10; }, kCorrupt, {"refcount table entry 0", "reserved bits"});
  ExpectError(p, [&](Bytes& b) { StoreBE64(b.data() + rt, 4096 * 1000 + 1024); }, kCorrupt,
              {"refcount table entry 0", "aligned"});
  ExpectError(p, [&](Bytes& b) { StoreBE64(b.data() + rt + 8, 1ull << 40); }, kCorrupt,
              {"refcount table entry 1", "beyond the end of the file"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 60, 70000); }, kCorrupt, {"nb_snapshots 70000"});
  ExpectError(p, [](Bytes& b) { StoreBE32(b.data() + 60, 1); StoreBE64(b.data() + 64, 100); }, kCorrupt,
              {"snapshots_offset 100"});
  // Snapshots exist: read-only works, read-write is refused.
  Bytes b = p;
  StoreBE32(b.data() + 60, 1);
  StoreBE64(b.data() + 64, 4096);
  CHECK(OpenBytes(b, true).ok());
  ExpectError(b, [](Bytes&) {}, kUnsupported, {"1 internal snapshots"});
}

TEST_CASE("feature bits") {
  const Bytes& p = Base().plain;
  const size_t ft = ExtensionData(p, qcow2::kExtFeatureTable);
  // An unknown bit, named by the image's own feature table.
  ExpectError(p, [&](Bytes& b) {
    b[78] |= 2;  // bit 9
    b[ft + 6 * 48] = 0;
    b[ft + 6 * 48 + 1] = 9;
    std::memset(b.data() + ft + 6 * 48 + 2, 0, 46);
    std::memcpy(b.data() + ft + 6 * 48 + 2, "frobnication", 12);
  }, kUnsupported, {"incompatible feature bit 9", "frobnication"});
  ExpectError(p, [](Bytes& b) { b[72] |= 0x80; }, kUnsupported, {"incompatible feature bit 63"});
  ExpectError(p, [](Bytes& b) { b[79] |= 4; }, kUnsupported, {"external data file"});
  ExpectError(p, [](Bytes& b) { b[79] |= 16; }, kUnsupported, {"extended L2"});
  // Dirty and corrupt: readable, not writable.
  for (uint8_t bit : {1, 2}) {
    Bytes b = p;
    b[79] |= bit;
    CHECK(OpenBytes(b, true).ok());
    ExpectError(b, [](Bytes&) {}, bit == 1 ? kUnsupported : kCorrupt, {bit == 1 ? "dirty" : "corrupt", "read-only"});
  }
  // Unknown compatible and autoclear bits are fine.
  Bytes b = p;
  b[87] |= 0x40;
  b[95] |= 0x40;
  CHECK(OpenBytes(b, false).ok());
}

TEST_CASE("header extension rules") {
  const Bytes& p = Base().plain;
  const size_t ft = ExtensionData(p, qcow2::kExtFeatureTable);
  ExpectError(p, [&](Bytes& b) { StoreBE32(b.data() + ft - 4, 5000); }, kCorrupt, {"feature name table", "length 5000"});
  // Duplicate: a second feature table after the first.
  ExpectError(p, [&](Bytes& b) {
    size_t end = ft + 9 * 48;
    StoreBE32(b.data() + end, qcow2::kExtFeatureTable);
    StoreBE32(b.data() + end + 4, 0);
  }, kCorrupt, {"feature name table", "more than once"});
  ExpectError(p, [&](Bytes& b) {
    size_t end = ft + 9 * 48;
    StoreBE32(b.data() + end, qcow2::kExtFullDiskEncryption);
    StoreBE32(b.data() + end + 4, 16);
  }, kCorrupt, {"encryption"});
  // An unknown extension is accepted.
  Bytes b = p;
  size_t end = ft + 9 * 48;
  StoreBE32(b.data() + end, 0xabcdef01);
  StoreBE32(b.data() + end + 4, 3);
  CHECK(OpenBytes(b, false).ok());
}

// Field offsets inside the latest zoned extension's data.
constexpr size_t kZoned = 0, kZoneSize = 4, kCapacity = 12, kConventional = 20, kNrZones = 24, kActive = 28,
                 kOpen = 32, kAppend = 36, kMetaSize = 40, kMetaOffset = 48;

TEST_CASE("zoned extension presence and model") {
  const Bytes& z = Base().zoned;
  const size_t ze = ExtensionData(z, qcow2::kExtZoned);
  ExpectError(z, [](Bytes& b) { b[79] &= ~0x20; }, kCorrupt, {"zoned extension", "bit 5", "clear"});
  ExpectError(z, [&](Bytes& b) { StoreBE32(b.data() + ze - 8, 0x11111111); }, kCorrupt, {"bit 5", "missing"});
  ExpectError(z, [&](Bytes& b) { b[ze + kZoned] = 2; }, kUnsupported, {"zoned 2"});
  ExpectError(z, [&](Bytes& b) { b[ze + 2] = 1; }, kCorrupt, {"reserved bytes", "0x100"});
  ExpectError(z, [&](Bytes& b) { StoreBE32(b.data() + ze - 4, 40); }, kCorrupt, {"zoned extension", "length 40"});
  ExpectError(z, [&](Bytes& b) { StoreBE32(b.data() + ze - 4, 52); }, kCorrupt, {"zoned extension", "length 52"});
  // zoned = 0: a non-zoned image, with a warning.
  Bytes b = z;
  b[ze + kZoned] = 0;
  std::unique_ptr<Qcow2Image> img;
  REQUIRE(OpenBytes(b, true, &img).ok());
  CHECK_FALSE(img->zoned().has_value());
  REQUIRE(img->warnings().size() == 1);
  CHECK(img->warnings()[0].find("zoned = 0") != std::string::npos);
}

TEST_CASE("zoned extension value rules name fields and values") {
  const Bytes& z = Base().zoned;
  const size_t ze = ExtensionData(z, qcow2::kExtZoned);
  auto u32 = [&](size_t field, uint32_t v) { return [=](Bytes& b) { StoreBE32(b.data() + ze + field, v); }; };
  auto u64 = [&](size_t field, uint64_t v) { return [=](Bytes& b) { StoreBE64(b.data() + ze + field, v); }; };
  ExpectError(z, u64(kZoneSize, 0), kCorrupt, {"zone_size is 0"});
  ExpectError(z, u64(kCapacity, 0), kCorrupt, {"zone_capacity is 0"});
  ExpectError(z, u64(kCapacity, 2 << 20), kCorrupt, {"zone_capacity 2097152 exceeds zone_size 1048576"});
  ExpectError(z, u32(kNrZones, 13), kCorrupt,
              {"nr_zones 13 does not match ceil(virtual size 12582912 / zone_size 1048576) = 12"});
  ExpectError(z, u32(kConventional, 12), kCorrupt, {"conventional_zones 12", "nr_zones 12"});
  ExpectError(z, u32(kOpen, 11), kCorrupt, {"max_open_zones 11", "10 sequential zones"});
  ExpectError(z, u32(kActive, 11), kCorrupt, {"max_active_zones 11", "10 sequential zones"});
  ExpectError(z, [&](Bytes& b) { u32(kOpen, 5)(b); u32(kActive, 3)(b); }, kCorrupt,
              {"max_open_zones 5 exceeds max_active_zones 3"});
  ExpectError(z, u32(kAppend, 1000), kCorrupt, {"max_append_bytes 1000", "multiple of 512"});
  ExpectError(z, u32(kAppend, 1 << 20), kCorrupt, {"max_append_bytes 1048576", "zone_capacity 1048576"});
  ExpectError(z, u64(kMetaSize, 100), kCorrupt, {"zonedmeta_size 100", "nr_zones 12", "96"});
  // Both limits equal: fine; open only / active only: fine.
  for (auto [open, active] : {std::pair{3u, 3u}, std::pair{4u, 0u}, std::pair{0u, 10u}}) {
    Bytes b = z;
    u32(kOpen, open)(b);
    u32(kActive, active)(b);
    CHECK(OpenBytes(b, false).ok());
  }
  // The layout is named in messages.
  const size_t v5 = ExtensionData(Base().zoned_v5, qcow2::kExtZoned);
  ExpectError(Base().zoned_v5, [&](Bytes& b) { StoreBE32(b.data() + v5 + 16, 99); }, kCorrupt,
              {"v5 (48-byte)", "nr_zones 99"});
  ExpectError(Base().zoned_v5, [&](Bytes& b) { StoreBE32(b.data() + v5 + 8, 3 << 20); }, kCorrupt,
              {"v5", "zone_capacity 3145728"});
}

TEST_CASE("zonedmeta placement rules") {
  const Bytes& z = Base().zoned;
  const size_t ze = ExtensionData(z, qcow2::kExtZoned);
  const uint64_t meta = LoadBE64(z.data() + ze + kMetaOffset);
  auto at = [&](uint64_t v) { return [=](Bytes& b) { StoreBE64(b.data() + ze + kMetaOffset, v); }; };
  ExpectError(z, at(meta + 8), kCorrupt, {"zonedmeta_offset " + std::to_string(meta + 8), "cluster size 4096"});
  ExpectError(z, at(0), kCorrupt, {"zonedmeta_offset 0"});
  ExpectError(z, at(1ull << 40), kCorrupt, {"zonedmeta", "beyond the end of the file"});
  ExpectError(z, at(LoadBE64(z.data() + 40)), kCorrupt, {"overlaps the L1 table"});
  ExpectError(z, at(LoadBE64(z.data() + 48)), kCorrupt, {"overlaps the refcount table"});
  // Pointing at a refcount block: refcount 1 but it is the block.
  const uint64_t block = LoadBE64(z.data() + LoadBE64(z.data() + 48));
  ExpectError(z, at(block), kCorrupt, {"overlaps refcount block 0"});
  // Pointing at the L2 table.
  const uint64_t l2 = LoadBE64(z.data() + LoadBE64(z.data() + 40)) & qcow2::kOffsetMask;
  ExpectError(z, at(l2), kCorrupt, {"overlaps the L2 table of L1 entry 0"});
  // A data cluster that points into zonedmeta: a read-only open finds it
  // while checking zonedmeta's ownership, a read-write open while checking
  // every cluster's uses (one scan of the L2 tables per open).
  auto into_meta = [&](Bytes& b) { StoreBE64(b.data() + l2 + 8, meta | qcow2::kOflagCopied); };
  ExpectError(z, into_meta, kCorrupt, {"overlaps the data cluster of guest offset 4096"}, /*read_only=*/true);
  ExpectError(z, into_meta, kCorrupt, {"is both the write-pointer table and the data cluster of guest offset 4096"});
  // Refcount 0 (what `qemu-img check -r leaks` leaves behind).
  ExpectError(z, [&](Bytes& b) { qcow2::StoreBE16(b.data() + block + (meta / 4096) * 2, 0); }, kCorrupt,
              {"refcount 0", "expected 1", "qemu-img check -r leaks"});
  ExpectError(z, [&](Bytes& b) { qcow2::StoreBE16(b.data() + block + (meta / 4096) * 2, 2); }, kCorrupt,
              {"refcount 2"});
}

TEST_CASE("write-pointer rules") {
  const Bytes& z = Base().zoned;
  const size_t ze = ExtensionData(z, qcow2::kExtZoned);
  const uint64_t meta = LoadBE64(z.data() + ze + kMetaOffset);
  auto wp = [&](uint32_t zone, uint64_t v) { return [=](Bytes& b) { StoreLE64(b.data() + meta + zone * 8, v); }; };
  const uint64_t M = 1 << 20;
  ExpectError(z, wp(3, 2 * M), kCorrupt, {"zone 3", std::to_string(2 * M), "outside [3145728, 4194304]"});
  ExpectError(z, wp(3, 4 * M + 512), kCorrupt, {"zone 3", "outside"});
  ExpectError(z, wp(0, 0), kCorrupt, {"conventional zone 0", "bit 59"});
  ExpectError(z, wp(5, (5 * M) | kConventionalZoneFlag), kCorrupt, {"sequential zone 5", "bit 59", "conventional_zones is 2"});
  ExpectError(z, wp(4, (4 * M) | (1ull << 62)), kCorrupt, {"zone 4", "bits 60-63"});
  ExpectError(z, wp(4, (4 * M) | (1ull << 57)), kCorrupt, {"zone 4", "outside"});
  // Big-endian entries (the other reading of the silent format text) are caught.
  ExpectError(z, [&](Bytes& b) { StoreBE64(b.data() + meta + 7 * 8, 7 * M); }, kCorrupt, {"zone 7"});
  // Valid non-start positions: mid-zone and exactly at the zone end.
  Bytes b = z;
  wp(3, 3 * M + 4096)(b);
  wp(4, 5 * M)(b);
  wp(11, 12 * M)(b);
  CHECK(OpenBytes(b, false).ok());
}

TEST_CASE("starts_clean promises at_start for every zone start of the range") {
  // The opener compares a chunk's entries with their zone starts alone when
  // starts_clean says every start of the chunk passes at_start.
  for (ZonedLayout layout : {ZonedLayout::kLatest, ZonedLayout::kV5, ZonedLayout::kV11, ZonedLayout::kV12}) {
    for (uint64_t zone_size : {uint64_t{1} << 20, uint64_t{1} << 30, uint64_t{3} << 19, uint64_t{1000}}) {
      ZonedExtension z;
      z.layout = layout;
      z.zone_size = zone_size;
      z.conventional_zones = 2;
      const qcow2::WritePointerShortcut shortcut(z, UINT64_MAX);
      size_t promised = 0;
      const uint64_t ranges[][2] = {{0, 5}, {2, 40}, {1, 3}, {100, 90}, {(1ull << 26) - 4, (1ull << 26) + 4},
                                    {(1ull << 36) - 4, (1ull << 36) + 4}, {(1ull << 33) - 2, (1ull << 33) + 2},
                                    {(1ull << 43) - 2, (1ull << 43)}};
      for (const auto& r : ranges) {
        if (!shortcut.starts_clean(r[0], r[1])) continue;
        ++promised;
        for (uint64_t zone = r[0]; zone <= r[1]; ++zone)
          CHECK_MESSAGE(shortcut.at_start(zone, zone * zone_size),
                        "layout " << static_cast<int>(layout) << " zone size " << zone_size << " zone " << zone);
      }
      if (zone_size % 512 == 0) CHECK(promised >= 2);  // the ordinary ranges are promised
      else CHECK(promised == 0);                       // unaligned starts never are
    }
  }
}

TEST_CASE("the clean-entry shortcut agrees with the write-pointer rules") {
  // Openers and the checker call the rules only for entries the shortcut
  // does not call clean: it must say clean exactly when the rules say
  // nothing, and broken exactly when they report an error.
  uint64_t x = 99;
  auto draw = [&] { x = x * 6364136223846793005ull + 1442695040888963407ull; return x >> 24; };  // the high bits: an LCG's low bits repeat quickly
  for (ZonedLayout layout : {ZonedLayout::kLatest, ZonedLayout::kV5, ZonedLayout::kV11, ZonedLayout::kV12}) {
    ZonedExtension z;
    z.layout = layout;
    z.zone_size = 1 << 20;
    z.zone_capacity = 3 << 18;
    z.conventional_zones = 2;
    const uint64_t vs = 11 * z.zone_size + (z.zone_size >> 1);  // a short last zone
    z.nr_zones = 12;
    size_t clean = 0, flagged = 0, warned = 0, at_start = 0;
    for (int i = 0; i < 20000; ++i) {
      const uint64_t zone = draw() % 13;  // one past the last zone too
      const uint64_t start = zone * z.zone_size;
      uint64_t e = start;
      switch (draw() % 6) {
        case 0: break;
        case 1: e = start + (draw() % (z.zone_size + 2)) / 512 * 512; break;
        case 2: e = start + draw() % (z.zone_size + 1024); break;
        case 3: e = draw() % (vs + 4 * z.zone_size); break;
        case 4: e = start + z.zone_size; break;
        case 5: e = vs; break;
      }
      const uint64_t bits[] = {0, 0, 1ull << 59, 1ull << 63, 1ull << 61, 1ull << 57};
      e |= bits[draw() % 6];
      bool said = false, error = false;
      qcow2::WritePointerRules(z, vs, zone, e, [&](qcow2::RuleViolation v) {
        said = true;
        error |= !v.warning;
        return true;
      });
      const qcow2::WritePointerShortcut shortcut(z, vs);
      CHECK_MESSAGE(shortcut.clean(zone, e) == !said,
                    "layout " << static_cast<int>(layout) << " zone " << zone << " entry " << e);
      CHECK_MESSAGE(shortcut.broken(zone, e) == error,
                    "layout " << static_cast<int>(layout) << " zone " << zone << " entry " << e);
      if (shortcut.at_start(zone, e)) {  // the fast path claims only entries the rules accept
        CHECK_MESSAGE(!said, "layout " << static_cast<int>(layout) << " zone " << zone << " entry " << e);
        ++at_start;
      }
      warned += said && !error;
      (said ? flagged : clean) += 1;
    }
    CHECK(clean > 2000);  // both sides of the question were asked
    CHECK(flagged > 2000);
    CHECK(warned > 50);  // conventional entries inside their zone, off its start
    CHECK(at_start > 500);  // and the fast path for a sequential zone at its start
  }
}

TEST_CASE("a zone size that is not a power of two opens with a warning") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "odd", ZonedOptions(12 << 20, 3 << 20, 4096), false).ok());
  auto img = OpenOrFail(&env, "odd");
  REQUIRE(img->zoned().has_value());
  CHECK(img->zoned()->nr_zones == 4);
  REQUIRE(img->warnings().size() == 1);
  CHECK(img->warnings()[0].find("zone_size 3145728 is not a power of two") != std::string::npos);
}

TEST_CASE("truncation at every length of a small image fails cleanly") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "t", ZonedOptions(1 << 20, 128 << 10, 512, 1), false).ok());
  {
    auto img = OpenOrFail(&env, "t");
    Bytes d(3000, 9);
    REQUIRE(img->Write(1000, d.size(), d.data()).ok());
  }
  const Bytes full = env.Contents("t");
  REQUIRE(full.size() < 64 * 1024);
  Bytes all(1 << 20);
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
    std::unique_ptr<Qcow2Image> img;
    Status s = OpenBytes(cut, true, &img);
    if (s.ok()) {
      // Only the tail of the last data cluster may be missing: reads then fail cleanly.
      Status r = img->Read(0, all.size(), all.data());
      REQUIRE_MESSAGE(!r.ok(), "length ", n, " opened and read fully");
    }
  }
  CHECK(OpenBytes(full, true).ok());
}

TEST_CASE("random corruption of the metadata never crashes") {
  Lcg rng{12345};
  int opened = 0, refused = 0;
  Bytes buf(1 << 20);
  for (const Bytes* base : {&Base().plain, &Base().zoned}) {
    const size_t region = std::min<size_t>(base->size(), 12 * 4096);
    for (int iter = 0; iter < 1000; ++iter) {
      Bytes b = *base;
      const int flips = 1 + static_cast<int>(rng.Below(4));
      for (int f = 0; f < flips; ++f) {
        // Favour the header cluster, where most fields live.
        const size_t pos = rng.Below(4) == 0 ? rng.Below(region) : rng.Below(512);
        b[pos] = static_cast<uint8_t>(rng.Below(3) == 0 ? 0xff : rng.Next());
      }
      MemEnv env;
      env.SetContents("img", b);
      std::unique_ptr<Qcow2Image> img;
      if (!Qcow2Image::Open(&env, "img", false, &img).ok()) {
        ++refused;
        continue;
      }
      ++opened;
      // Whatever opened must behave: bounded work, errors instead of crashes.
      img->Read(0, std::min<uint64_t>(buf.size(), img->virtual_size()), buf.data()).ok();
      Bytes d(10000, 1);
      img->Write(4096 * 3 + 17, d.size(), d.data()).ok();
      img->Discard(0, 8192).ok();
      std::vector<uint64_t> wps;
      img->ReadWritePointers(&wps).ok();
    }
  }
  // Both outcomes occur: the mutations reach fields that matter and fields that do not.
  CHECK(opened > 100);
  CHECK(refused > 100);
}

}  // namespace
}  // namespace zonesim
