// Qcow2Image over an in-memory Env: create/open, guest reads and writes
// against a shadow copy, discards, allocation and reuse of freed clusters,
// determinism, the write-pointer table, and AddZonedExtension.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "qcow2/storage/compressed_cluster.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/tests/qcow2_test_util.h"

namespace zonesim {
namespace {

using namespace qcow2test;
using qcow2::LoadBE32;
using qcow2::LoadBE64;
using qcow2::LoadLE64;

std::vector<uint8_t> ReadAllOf(Qcow2Image& img) {
  std::vector<uint8_t> v(img.virtual_size());
  Status s = img.Read(0, v.size(), v.data());
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return v;
}

// Finds extension `type` in an image's header cluster; returns the offset of
// its data (0 if absent).
size_t FindExtension(const std::vector<uint8_t>& file, uint32_t type, uint32_t* len = nullptr) {
  size_t off = LoadBE32(file.data() + 100);
  while (off + 8 <= file.size()) {
    uint32_t t = LoadBE32(file.data() + off), l = LoadBE32(file.data() + off + 4);
    if (t == 0) return 0;
    if (t == type) {
      if (len) *len = l;
      return off + 8;
    }
    off += 8 + ((l + 7) & ~7u);
  }
  return 0;
}

TEST_CASE("create then open: header fields, feature table, everything reads as zeros") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "a.qcow2", PlainOptions(10 << 20, 4096), false).ok());
  std::vector<uint8_t> file = env.Contents("a.qcow2");
  CHECK(file.size() % 4096 == 0);
  CHECK(LoadBE32(file.data()) == qcow2::kQcowMagic);
  CHECK(LoadBE32(file.data() + 4) == 3);
  CHECK(LoadBE32(file.data() + 20) == 12);
  CHECK(LoadBE64(file.data() + 24) == 10 << 20);
  CHECK(LoadBE32(file.data() + 96) == 4);
  CHECK(LoadBE32(file.data() + 100) == 112);
  CHECK(file[104] == 0);  // compression type: deflate
  CHECK(LoadBE64(file.data() + 72) == 0);
  uint32_t len = 0;
  size_t ft = FindExtension(file, qcow2::kExtFeatureTable, &len);
  REQUIRE(ft != 0);
  CHECK(len == 9 * 48);
  CHECK(std::string(reinterpret_cast<const char*>(file.data() + ft + 5 * 48 + 2)) == "zoned format");
  CHECK(FindExtension(file, qcow2::kExtZoned) == 0);
  auto img = OpenOrFail(&env, "a.qcow2");
  CHECK(img->virtual_size() == 10 << 20);
  CHECK(img->cluster_size() == 4096);
  CHECK_FALSE(img->zoned().has_value());
  CHECK(img->warnings().empty());
  std::vector<uint8_t> all = ReadAllOf(*img);
  CHECK(std::all_of(all.begin(), all.end(), [](uint8_t b) { return b == 0; }));
  std::vector<uint64_t> wps;
  CHECK(img->ReadWritePointers(&wps).IsInvalidArgument());
}

TEST_CASE("writes and reads match a shadow copy, across clusters and L2 tables, and persist") {
  for (uint32_t cluster : {512u, 4096u, 65536u}) {
    CAPTURE(cluster);
    MemEnv env;
    const uint64_t size = 3 << 20;
    REQUIRE(Qcow2Image::Create(&env, "w.qcow2", PlainOptions(size, cluster), false).ok());
    std::vector<uint8_t> shadow(size, 0);
    Lcg rng{cluster};
    {
      auto img = OpenOrFail(&env, "w.qcow2");
      for (int i = 0; i < 300; ++i) {
        const uint64_t off = rng.Below(size);
        const uint64_t len = 1 + rng.Below(std::min<uint64_t>(size - off, 3 * cluster + 100));
        const int op = static_cast<int>(rng.Below(10));
        if (op < 6) {
          std::vector<uint8_t> d = Pattern(off, len, static_cast<uint32_t>(i));
          REQUIRE(img->Write(off, len, d.data()).ok());
          std::memcpy(shadow.data() + off, d.data(), len);
        } else if (op < 8) {
          REQUIRE(img->Discard(off, len).ok());
          std::fill(shadow.begin() + static_cast<ptrdiff_t>(off), shadow.begin() + static_cast<ptrdiff_t>(off + len), 0);
        } else {
          std::vector<uint8_t> got(len);
          REQUIRE(img->Read(off, len, got.data()).ok());
          REQUIRE(std::equal(got.begin(), got.end(), shadow.begin() + static_cast<ptrdiff_t>(off)));
        }
      }
      CHECK(ReadAllOf(*img) == shadow);
      REQUIRE(img->Flush().ok());
    }
    auto again = OpenOrFail(&env, "w.qcow2", true);
    CHECK(ReadAllOf(*again) == shadow);
  }
}

// A Payload is generated straight into the buffers the write path hands to
// the file (partial clusters, in-place runs, new runs, pieces of at most
// 1 MiB): the file must come out byte for byte as if the caller had
// generated the bytes into a buffer first.
TEST_CASE("generated writes leave the same file as the same bytes from a buffer") {
  for (uint32_t cluster : {512u, 65536u}) {
    CAPTURE(cluster);
    MemEnv from_payload, from_buffer;
    const uint64_t size = 6 << 20;
    for (MemEnv* env : {&from_payload, &from_buffer})
      REQUIRE(Qcow2Image::Create(env, "g.qcow2", PlainOptions(size, cluster), false).ok());
    auto a = OpenOrFail(&from_payload, "g.qcow2");
    auto b = OpenOrFail(&from_buffer, "g.qcow2");
    Lcg rng{cluster + 7};
    for (int i = 0; i < 120; ++i) {
      const uint64_t off = rng.Below(size);
      // Every fourth write is long: several 1 MiB pieces, many L2 tables.
      const uint64_t max_len = i % 4 == 0 ? (5 << 20) / 2 : 3 * cluster + 100;
      const uint64_t len = 1 + rng.Below(std::min<uint64_t>(size - off, max_len));
      if (rng.Below(8) == 0) {
        REQUIRE(a->Discard(off, len).ok());
        REQUIRE(b->Discard(off, len).ok());
        continue;
      }
      const Payload p = i % 3 == 0 ? Payload::Fill(static_cast<uint8_t>(i)) : Payload::Seeded(uint64_t(i) * 977);
      std::vector<uint8_t> bytes(len);
      p.Generate(0, len, bytes.data());
      REQUIRE(a->Write(off, len, p).ok());
      REQUIRE(b->Write(off, len, bytes.data()).ok());
    }
    CHECK(ReadAllOf(*a) == ReadAllOf(*b));
    REQUIRE(a->Flush().ok());
    REQUIRE(b->Flush().ok());
    CHECK(from_payload.Contents("g.qcow2") == from_buffer.Contents("g.qcow2"));
  }
}

TEST_CASE("reads and writes outside the virtual size are refused") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "r.qcow2", PlainOptions(1 << 20), false).ok());
  auto img = OpenOrFail(&env, "r.qcow2");
  uint8_t b[16] = {};
  CHECK(img->Read((1 << 20) - 8, 16, b).IsInvalidArgument());
  CHECK(img->Write(1 << 20, 1, b).IsInvalidArgument());
  CHECK(img->Discard(UINT64_MAX - 4, 8).IsInvalidArgument());
  Status s = img->Read(UINT64_MAX, 2, b);
  CHECK(s.message().find("virtual size 1048576") != std::string::npos);
  CHECK(img->Read(1 << 20, 0, b).ok());
}

TEST_CASE("freed clusters are reused lowest first: the file does not grow under write/discard cycles") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "c.qcow2", PlainOptions(16 << 20, 4096), false).ok());
  auto img = OpenOrFail(&env, "c.qcow2");
  std::vector<uint8_t> d = Pattern(0, 1 << 20);
  REQUIRE(img->Write(0, d.size(), d.data()).ok());
  const uint64_t size_after_first = env.Contents("c.qcow2").size();
  for (int cycle = 0; cycle < 20; ++cycle) {
    REQUIRE(img->Discard(0, 1 << 20).ok());
    const uint64_t off = (cycle % 4) << 20;  // different guest ranges, same host clusters
    REQUIRE(img->Write(off, d.size(), d.data()).ok());
    REQUIRE(img->Discard(off, 1 << 20).ok());
    REQUIRE(img->Write(0, d.size(), d.data()).ok());
  }
  // Cycles through other guest ranges may add their L2 tables, nothing more.
  CHECK(env.Contents("c.qcow2").size() <= size_after_first + 4 * 4096);
  std::vector<uint8_t> got(1 << 20);
  REQUIRE(img->Read(0, got.size(), got.data()).ok());
  CHECK(got == d);
}

TEST_CASE("a discarded cluster is the next one allocated") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "l.qcow2", PlainOptions(1 << 20, 4096), false).ok());
  auto img = OpenOrFail(&env, "l.qcow2");
  for (int i = 0; i < 4; ++i) {
    std::vector<uint8_t> d(4096, static_cast<uint8_t>(0x10 + i));
    REQUIRE(img->Write(uint64_t(i) * 4096, 4096, d.data()).ok());
  }
  const std::vector<uint8_t> before = env.Contents("l.qcow2");
  // Find the host cluster holding guest cluster 1 (fill byte 0x11).
  size_t host1 = 0;
  for (size_t off = 0; off < before.size(); off += 4096) {
    if (before[off] == 0x11 && before[off + 4095] == 0x11) host1 = off;
  }
  REQUIRE(host1 != 0);
  REQUIRE(img->Discard(4096, 4096).ok());
  std::vector<uint8_t> d(4096, 0x99);
  REQUIRE(img->Write(200 * 4096, 4096, d.data()).ok());
  const std::vector<uint8_t> after = env.Contents("l.qcow2");
  CHECK(after.size() == before.size());
  CHECK(after[host1] == 0x99);
  std::vector<uint8_t> got(4096);
  REQUIRE(img->Read(4096, 4096, got.data()).ok());
  CHECK(std::all_of(got.begin(), got.end(), [](uint8_t b) { return b == 0; }));
}

TEST_CASE("partial discards zero-fill; whole-cluster discards deallocate") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "d.qcow2", PlainOptions(1 << 20, 4096), false).ok());
  auto img = OpenOrFail(&env, "d.qcow2");
  std::vector<uint8_t> d(5 * 4096, 0xab);
  REQUIRE(img->Write(0, d.size(), d.data()).ok());
  REQUIRE(img->Discard(1000, 3 * 4096).ok());  // partial, 2 whole clusters, partial
  std::vector<uint8_t> got(5 * 4096);
  REQUIRE(img->Read(0, got.size(), got.data()).ok());
  for (size_t i = 0; i < got.size(); ++i) {
    const bool zero = i >= 1000 && i < 1000 + 3 * 4096;
    REQUIRE(got[i] == (zero ? 0 : 0xab));
  }
  // Discarding never-written space allocates nothing.
  const size_t before = env.Contents("d.qcow2").size();
  REQUIRE(img->Discard(500000, 10000).ok());
  CHECK(env.Contents("d.qcow2").size() == before);
}

TEST_CASE("images are deterministic byte for byte") {
  MemEnv env;
  for (auto opts : {PlainOptions(100 << 20), ZonedOptions(100 << 20, 8 << 20, 65536, 3),
                    ZonedOptions(7 << 20, 1 << 20, 512, 1, ZonedLayout::kV5)}) {
    REQUIRE(Qcow2Image::Create(&env, "x1", opts, true).ok());
    REQUIRE(Qcow2Image::Create(&env, "x2", opts, true).ok());
    CHECK(env.Contents("x1") == env.Contents("x2"));
    // And the same through the POSIX Env.
    testing::TestDir dir;
    REQUIRE(Qcow2Image::Create(Env::Default(), dir.File("p"), opts, false).ok());
    CHECK(ReadAll(dir.File("p")) == env.Contents("x1"));
  }
}

TEST_CASE("create refuses to overwrite unless asked, and leaves no partial file on error") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "o.qcow2", PlainOptions(1 << 20), false).ok());
  const auto original = env.Contents("o.qcow2");
  Status s = Qcow2Image::Create(&env, "o.qcow2", PlainOptions(2 << 20), false);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("exists") != std::string::npos);
  CHECK(env.Contents("o.qcow2") == original);
  CHECK(Qcow2Image::Create(&env, "o.qcow2", PlainOptions(2 << 20), true).ok());
  CHECK(env.Contents("o.qcow2") != original);
  // A failing write in the middle of Create removes the file.
  for (uint64_t n = 1; n <= 4; ++n) {
    FaultInjectionEnv fenv(&env);
    fenv.FailNthWrite(n);
    s = Qcow2Image::Create(&fenv, "f.qcow2", ZonedOptions(4 << 20, 1 << 20), false);
    CHECK(s.IsIoError());
    CHECK_FALSE(env.FileExists("f.qcow2"));
  }
  // Bad options leave nothing behind either.
  CHECK_FALSE(Qcow2Image::Create(&env, "g.qcow2", ZonedOptions(4 << 20, 3 << 20, 65536, 2), false).ok());
  CHECK_FALSE(env.FileExists("g.qcow2"));
}

TEST_CASE("create option errors name the values") {
  MemEnv env;
  auto expect = [&](const Qcow2CreateOptions& o, const std::vector<std::string>& words) {
    Status s = Qcow2Image::Create(&env, "bad", o, false);
    CHECK(s.IsInvalidArgument());
    for (const auto& w : words) CHECK_MESSAGE(s.message().find(w) != std::string::npos, s.message(), " lacks ", w);
    CHECK_FALSE(env.FileExists("bad"));
  };
  expect(PlainOptions(1 << 20, 1000), {"cluster size 1000"});
  expect(PlainOptions(1 << 20, 256), {"cluster size 256"});
  expect(PlainOptions(1 << 20, 4 << 20), {"cluster size 4194304"});
  expect(PlainOptions(0), {"virtual size 0"});
  expect(PlainOptions(1000), {"virtual size 1000"});
  expect(PlainOptions(1ull << 40, 512), {"virtual size 1099511627776", "cluster size 512"});
  auto z = ZonedOptions(64 << 20, 8ull << 30, 65536, 0, ZonedLayout::kV5);
  z.virtual_size = 16ull << 30;
  expect(z, {"zone size 8589934592", "zone capacity 8589934592"});
  z = ZonedOptions(64 << 20, 16 << 20, 65536, 4);
  expect(z, {"conventional zones 4", "number of zones 4"});
  z = ZonedOptions(64 << 20, 16 << 20);
  z.zoned->zone_capacity = 32 << 20;
  expect(z, {"zone capacity 33554432", "zone size 16777216"});
  z = ZonedOptions(64 << 20, 16 << 20);
  z.zoned->max_open_zones = 3;
  z.zoned->max_active_zones = 2;
  expect(z, {"max open zones 3", "max active zones 2"});
  z = ZonedOptions(64 << 20, 16 << 20, 65536, 1);
  z.zoned->max_active_zones = 4;
  expect(z, {"max active zones 4", "3 sequential zones"});
  z = ZonedOptions(64 << 20, 16 << 20);
  z.zoned->max_append_bytes = 1000;
  expect(z, {"max append bytes 1000"});
  z.zoned->max_append_bytes = 16 << 20;
  expect(z, {"max append bytes 16777216", "zone capacity 16777216"});
  z = ZonedOptions(64 << 20, 16 << 20);
  z.zoned->zone_capacity = 0;
  expect(z, {"zone capacity 0"});
}

TEST_CASE("zoned create: extension, bit 5, write pointers at zone starts, conventional zones flagged") {
  for (ZonedLayout layout : {ZonedLayout::kLatest, ZonedLayout::kV5}) {
    MemEnv env;
    // 100 MiB / 8 MiB zones: 13 zones, the last one 4 MiB.
    auto opts = ZonedOptions(100 << 20, 8 << 20, 65536, 3, layout);
    opts.zoned->max_open_zones = 10;  // == sequential zones: stored as 0 (no limit)
    opts.zoned->max_active_zones = 10;
    REQUIRE(Qcow2Image::Create(&env, "z", opts, false).ok());
    const std::vector<uint8_t> file = env.Contents("z");
    CHECK((LoadBE64(file.data() + 72) & qcow2::kIncompatZoned) != 0);
    uint32_t len = 0;
    const size_t ze = FindExtension(file, qcow2::kExtZoned, &len);
    REQUIRE(ze != 0);
    CHECK(len == (layout == ZonedLayout::kV5 ? 48u : 56u));
    // After the feature table.
    CHECK(ze > FindExtension(file, qcow2::kExtFeatureTable));
    auto img = OpenOrFail(&env, "z");
    REQUIRE(img->zoned().has_value());
    const ZonedExtension& z = *img->zoned();
    CHECK(z.layout == layout);
    CHECK(z.nr_zones == 13);
    CHECK(z.zonedmeta_size == 13 * 8);
    CHECK(z.zonedmeta_offset % 65536 == 0);
    CHECK(z.max_open_zones == 0);
    CHECK(z.max_active_zones == 0);
    CHECK(z.conventional_zones == 3);
    std::vector<uint64_t> wps;
    REQUIRE(img->ReadWritePointers(&wps).ok());
    REQUIRE(wps.size() == 13);
    for (uint32_t i = 0; i < 13; ++i) {
      const uint64_t start = uint64_t(i) * (8 << 20);
      CHECK(wps[i] == (i < 3 ? (start | kConventionalZoneFlag) : start));
      // Little-endian on disk.
      CHECK(LoadLE64(file.data() + z.zonedmeta_offset + i * 8) == wps[i]);
    }
  }
}

TEST_CASE("write pointers: write, persist, bounds; data never lands on the table") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "z", ZonedOptions(16 << 20, 1 << 20, 4096, 1), false).ok());
  uint64_t table = 0;
  {
    auto img = OpenOrFail(&env, "z");
    table = img->zoned()->zonedmeta_offset;
    REQUIRE(img->WriteWritePointer(5, (5 << 20) + 8192).ok());
    REQUIRE(img->WriteWritePointers(14, {(14 << 20) + 512, 16 << 20}).ok());
    CHECK(img->WriteWritePointer(16, 0).IsInvalidArgument());
    CHECK(img->WriteWritePointers(15, {1, 2}).IsInvalidArgument());
    // Fill the whole device: no data cluster may be placed on the table.
    std::vector<uint8_t> d(16 << 20, 0xee);
    REQUIRE(img->Write(0, d.size(), d.data()).ok());
    REQUIRE(img->Flush().ok());
  }
  const std::vector<uint8_t> file = env.Contents("z");
  CHECK(LoadLE64(file.data() + table + 5 * 8) == (5 << 20) + 8192);
  CHECK(LoadLE64(file.data() + table) == kConventionalZoneFlag);
  auto img = OpenOrFail(&env, "z", true);
  std::vector<uint64_t> wps;
  REQUIRE(img->ReadWritePointers(&wps).ok());
  CHECK(wps[0] == kConventionalZoneFlag);
  CHECK(wps[1] == 1 << 20);
  CHECK(wps[5] == (5 << 20) + 8192);
  CHECK(wps[14] == (14 << 20) + 512);
  CHECK(wps[15] == 16 << 20);
  CHECK(img->WriteWritePointer(1, 1 << 20).IsInvalidArgument());  // read-only
}

TEST_CASE("AddZonedExtension keeps data and unknown header extensions") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "p", PlainOptions(24 << 20, 4096), false).ok());
  // Plant an unknown extension before the end marker.
  {
    std::vector<uint8_t> file = env.Contents("p");
    size_t off = 112;
    while (LoadBE32(file.data() + off) != 0) off += 8 + ((LoadBE32(file.data() + off + 4) + 7) & ~7u);
    const uint8_t ext[] = {0x77, 0x66, 0x55, 0x44, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0};
    std::memcpy(file.data() + off, ext, sizeof ext);
    env.SetContents("p", file);
  }
  std::vector<uint8_t> data = Pattern(0, 24 << 20);
  {
    auto img = OpenOrFail(&env, "p");
    REQUIRE(img->Write(0, data.size(), data.data()).ok());
    ZonedExtension z;
    z.zone_size = 4 << 20;
    z.zone_capacity = 3 << 20;
    z.conventional_zones = 1;
    z.max_append_bytes = 65536;
    REQUIRE(img->AddZonedExtension(z).ok());
    CHECK(img->zoned()->nr_zones == 6);
    CHECK(img->AddZonedExtension(z).IsInvalidArgument());  // already zoned
    REQUIRE(img->Flush().ok());
  }
  const std::vector<uint8_t> file = env.Contents("p");
  uint32_t len = 0;
  const size_t unknown = FindExtension(file, 0x77665544, &len);
  REQUIRE(unknown != 0);
  CHECK(len == 5);
  CHECK(std::memcmp(file.data() + unknown, "hello", 5) == 0);
  CHECK(FindExtension(file, qcow2::kExtZoned) < unknown);
  auto img = OpenOrFail(&env, "p");
  REQUIRE(img->zoned().has_value());
  CHECK(img->zoned()->zone_capacity == 3 << 20);
  CHECK(ReadAllOf(*img) == data);
  std::vector<uint64_t> wps;
  REQUIRE(img->ReadWritePointers(&wps).ok());
  CHECK(wps == std::vector<uint64_t>{kConventionalZoneFlag, 4 << 20, 8 << 20, 12 << 20, 16 << 20, 20 << 20});
  // Writing on keeps the table intact.
  std::vector<uint8_t> more = Pattern(1, 5 << 20);
  REQUIRE(img->Discard(0, 24 << 20).ok());
  REQUIRE(img->Write(3 << 20, more.size(), more.data()).ok());
  std::vector<uint64_t> again;
  REQUIRE(img->ReadWritePointers(&again).ok());
  CHECK(again == wps);
}

TEST_CASE("AddZonedExtension fails clearly when the header cluster is full") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "p", PlainOptions(4 << 20, 512), false).ok());
  {
    // Fill the 512-byte header cluster with an unknown extension.
    std::vector<uint8_t> file = env.Contents("p");
    std::vector<uint8_t> area(112);
    std::memcpy(area.data(), file.data(), 112);
    std::vector<qcow2::HeaderExtension> exts = {
        {qcow2::kExtFeatureTable, qcow2::EncodeFeatureTable(qcow2::StandardFeatureNames(true))},
        {0x01020304, std::vector<uint8_t>(80, 1)}};
    qcow2::EncodeExtensions(exts, &area);
    REQUIRE(area.size() <= 512);
    std::fill(file.begin(), file.begin() + 512, 0);
    std::memcpy(file.data(), area.data(), area.size());
    env.SetContents("p", file);
  }
  auto img = OpenOrFail(&env, "p");
  const auto before = env.Contents("p");
  ZonedExtension z;
  z.zone_size = 1 << 20;
  z.zone_capacity = 1 << 20;
  Status s = img->AddZonedExtension(z);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("no room") != std::string::npos);
  CHECK(s.message().find("512") != std::string::npos);
  CHECK_FALSE(img->zoned().has_value());
  CHECK(env.Contents("p") == before);
}

TEST_CASE("read-only opens never modify the file") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "r", ZonedOptions(8 << 20, 1 << 20), false).ok());
  {
    auto img = OpenOrFail(&env, "r");
    std::vector<uint8_t> d(70000, 3);
    REQUIRE(img->Write(5000, d.size(), d.data()).ok());
  }
  // Set an autoclear bit: a read-write open clears it, a read-only one must not.
  std::vector<uint8_t> file = env.Contents("r");
  file[qcow2::kAutoclearFeaturesField + 7] = 1;
  env.SetContents("r", file);
  {
    auto img = OpenOrFail(&env, "r", true);
    ReadAllOf(*img);
    std::vector<uint64_t> wps;
    REQUIRE(img->ReadWritePointers(&wps).ok());
    uint8_t b = 0;
    CHECK(img->Write(0, 1, &b).IsInvalidArgument());
    CHECK(img->Discard(0, 1).IsInvalidArgument());
    CHECK(img->Flush().ok());
  }
  CHECK(env.Contents("r") == file);
  { auto img = OpenOrFail(&env, "r"); }
  CHECK(env.Contents("r")[qcow2::kAutoclearFeaturesField + 7] == 0);
}

TEST_CASE("writing to a compressed cluster copies it and frees the compressed range") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "c", PlainOptions(1 << 20, 4096), false).ok());
  // Craft two compressed clusters sharing one host cluster: guest 0 and 1.
  std::vector<uint8_t> c0(4096), c1(4096);
  for (int i = 0; i < 4096; ++i) {
    c0[i] = static_cast<uint8_t>(i / 16);
    c1[i] = static_cast<uint8_t>(255 - i / 32);
  }
  {
    auto img = OpenOrFail(&env, "c");
    std::vector<uint8_t> filler(8192, 1);
    REQUIRE(img->Write(0, filler.size(), filler.data()).ok());  // allocates L2 and 2 data clusters
  }
  std::vector<uint8_t> file = env.Contents("c");
  const uint64_t l1_offset = LoadBE64(file.data() + 40);
  const uint64_t l2 = LoadBE64(file.data() + l1_offset) & qcow2::kOffsetMask;
  const uint64_t d0 = LoadBE64(file.data() + l2) & qcow2::kOffsetMask;
  std::vector<uint8_t> z0, z1;
  REQUIRE(qcow2::DeflateCluster(c0.data(), c0.size(), &z0).ok());
  REQUIRE(qcow2::DeflateCluster(c1.data(), c1.size(), &z1).ok());
  REQUIRE(z0.size() + z1.size() < 4096);
  // Both streams share host cluster d0 (refcount 2: one per compressed
  // cluster touching it); d1, no longer referenced, gets refcount 0.
  std::memcpy(file.data() + d0, z0.data(), z0.size());
  std::memcpy(file.data() + d0 + 1024, z1.data(), z1.size());
  auto sectors = [](uint64_t off, uint64_t n) { return ((off + n + 511) / 512) - off / 512; };
  qcow2::StoreBE64(file.data() + l2, qcow2::EncodeCompressed({d0, sectors(d0, z0.size())}, 12));
  qcow2::StoreBE64(file.data() + l2 + 8, qcow2::EncodeCompressed({d0 + 1024, sectors(d0 + 1024, z1.size())}, 12));
  const uint64_t rt = LoadBE64(file.data() + 48);
  const uint64_t block = LoadBE64(file.data() + rt);
  const uint64_t d1 = d0 + 4096;
  qcow2::StoreBE16(file.data() + block + (d0 / 4096) * 2, 2);
  qcow2::StoreBE16(file.data() + block + (d1 / 4096) * 2, 0);
  env.SetContents("c", file);
  auto img = OpenOrFail(&env, "c");
  std::vector<uint8_t> got(8192);
  REQUIRE(img->Read(0, 8192, got.data()).ok());
  CHECK(std::equal(c0.begin(), c0.end(), got.begin()));
  CHECK(std::equal(c1.begin(), c1.end(), got.begin() + 4096));
  // Partial write into guest cluster 1: read-modify-write of the decompressed data.
  std::vector<uint8_t> patch(100, 0xcc);
  REQUIRE(img->Write(4096 + 50, patch.size(), patch.data()).ok());
  std::copy(patch.begin(), patch.end(), c1.begin() + 50);
  REQUIRE(img->Read(0, 8192, got.data()).ok());
  CHECK(std::equal(c0.begin(), c0.end(), got.begin()));
  CHECK(std::equal(c1.begin(), c1.end(), got.begin() + 4096));
  // Cluster 1 was copied to the lowest free cluster, d1.
  file = env.Contents("c");
  CHECK(LoadBE64(file.data() + l2 + 8) == (d1 | qcow2::kOflagCopied));
  CHECK(qcow2::LoadBE16(file.data() + block + (d0 / 4096) * 2) == 1);
  // Discarding guest cluster 0 drops d0's last reference; it is reused next.
  REQUIRE(img->Discard(0, 4096).ok());
  file = env.Contents("c");
  CHECK(qcow2::LoadBE16(file.data() + block + (d0 / 4096) * 2) == 0);
  REQUIRE(img->Write(40960, patch.size(), patch.data()).ok());
  file = env.Contents("c");
  CHECK(qcow2::LoadBE16(file.data() + block + (d0 / 4096) * 2) == 1);
  CHECK(LoadBE64(file.data() + l2 + 80) == (d0 | qcow2::kOflagCopied));
}

}  // namespace
}  // namespace zonesim
