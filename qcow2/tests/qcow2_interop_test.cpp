// Interoperability with the real qemu-img / qemu-io 7.2 (a declared
// dependency, scripts/install-deps.sh): images QEMU writes read correctly
// here, and images written here pass `qemu-img check` and convert to the same
// raw bytes we read.
#include <doctest/doctest.h>

#include <cstring>
#include <regex>

#include "qcow2/storage/qcow2_format.h"
#include "qcow2/tests/qcow2_test_util.h"

namespace zonesim {
namespace {

using namespace qcow2test;

// A key of `qemu-img check --output=json` (absent keys count as 0).
int64_t JsonInt(const std::string& json, const std::string& key) {
  std::smatch m;
  if (std::regex_search(json, m, std::regex("\"" + key + "\"\\s*:\\s*(-?[0-9]+)"))) return std::stoll(m[1]);
  return 0;
}

std::string Check(const std::string& path, int* rc) {
  std::string out;
  *rc = Run("qemu-img check --output=json " + Quote(path), &out);
  return out;
}

void ExpectClean(const std::string& path) {
  int rc = 0;
  std::string json = Check(path, &rc);
  INFO(json);
  CHECK(rc == 0);
  CHECK(JsonInt(json, "check-errors") == 0);
  CHECK(JsonInt(json, "corruptions") == 0);
  CHECK(JsonInt(json, "leaks") == 0);
}

std::vector<uint8_t> ConvertToRaw(const testing::TestDir& dir, const std::string& image) {
  const std::string raw = dir.File("converted.raw");
  std::string out;
  REQUIRE_MESSAGE(Run("qemu-img convert -O raw " + Quote(image) + " " + Quote(raw), &out) == 0, out);
  std::vector<uint8_t> bytes = ReadAll(raw);
  std::filesystem::remove(raw);
  return bytes;
}

std::vector<uint8_t> ReadWhole(Qcow2Image& img) {
  std::vector<uint8_t> v(img.virtual_size());
  Status s = img.Read(0, v.size(), v.data());
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return v;
}

TEST_CASE("qemu-img images of every cluster size read like qemu-img convert -O raw") {
  RequireQemu();
  testing::TestDir dir;
  for (std::string cluster : {"512", "4096", "65536", "2M"}) {
    CAPTURE(cluster);
    const std::string path = dir.File("q" + cluster + ".qcow2");
    std::string out;
    REQUIRE(Run("qemu-img create -q -f qcow2 -o cluster_size=" + cluster + " " + Quote(path) + " 8M", &out) == 0);
    REQUIRE_MESSAGE(Run("qemu-io -f qcow2 -c 'write -P 0x5a 0 1M' -c 'write -P 0xa5 3000000 70000' -c "
                        "'write -z 4M 64k' -c 'write -P 0x11 7M 512' " + Quote(path), &out) == 0, out);
    auto img = OpenOrFail(Env::Default(), path, /*read_only=*/true);
    CHECK(img->virtual_size() == 8u << 20);
    CHECK(img->cluster_size() == (cluster == "2M" ? 2u << 20 : std::stoul(cluster)));
    CHECK_FALSE(img->zoned().has_value());
    std::vector<uint8_t> ours = ReadWhole(*img);
    CHECK(ours[0] == 0x5a);
    CHECK(ours[(1 << 20) - 1] == 0x5a);
    CHECK(ours[1 << 20] == 0);
    CHECK(ours[3000000] == 0xa5);
    CHECK(ours[7 << 20] == 0x11);
    CHECK(ours == ConvertToRaw(dir, path));
  }
}

TEST_CASE("our writes into a qemu-img image verify with qemu-io and pass qemu-img check") {
  RequireQemu();
  testing::TestDir dir;
  for (std::string cluster : {"512", "65536"}) {
    CAPTURE(cluster);
    const std::string path = dir.File("w.qcow2");
    std::string out;
    REQUIRE(Run("qemu-img create -q -f qcow2 -o cluster_size=" + cluster + " " + Quote(path) + " 32M", &out) == 0);
    REQUIRE(Run("qemu-io -f qcow2 -c 'write -P 0x5a 0 1M' " + Quote(path), &out) == 0);
    {
      auto img = OpenOrFail(Env::Default(), path);
      std::vector<uint8_t> buf(20 << 20, 0x77);  // 20 MiB: with 512-byte clusters the refcount table must grow
      REQUIRE(img->Write(2 << 20, buf.size(), buf.data()).ok());
      std::vector<uint8_t> small(1000, 0x33);
      REQUIRE(img->Write(100, small.size(), small.data()).ok());  // in place, inside QEMU's data
      REQUIRE(img->Discard(4 << 20, 1 << 20).ok());
      REQUIRE(img->Flush().ok());
    }
    ExpectClean(path);
    REQUIRE_MESSAGE(Run("qemu-io -f qcow2 -c 'read -P 0x5a 0 100' -c 'read -P 0x33 100 1000' -c "
                        "'read -P 0x5a 1100 1047476' -c 'read -P 0x77 2M 2M' -c 'read -P 0 4M 1M' -c "
                        "'read -P 0x77 5M 17M' -c 'read -P 0 22M 10M' " + Quote(path), &out) == 0, out);
    CHECK(out.find("Pattern verification failed") == std::string::npos);
    std::filesystem::remove(path);
  }
}

TEST_CASE("compressed images from qemu-img convert -c read correctly and survive copy-on-write") {
  RequireQemu();
  testing::TestDir dir;
  // Compressible but not trivial data, with holes.
  const uint64_t size = 6 << 20;
  std::vector<uint8_t> raw(size, 0);
  for (uint64_t i = 0; i < size; ++i) {
    if ((i >> 16) % 3 != 2) raw[i] = static_cast<uint8_t>("zoned qcow2 compressed cluster "[(i * 7 / 5) % 31] ^ (i >> 12));
  }
  const std::string raw_path = dir.File("src.raw");
  WriteAll(raw_path, raw);
  const std::vector<uint8_t> original = raw;
  for (std::string cluster : {"4096", "65536"}) {
    CAPTURE(cluster);
    raw = original;
    const std::string path = dir.File("c.qcow2");
    std::string out;
    REQUIRE_MESSAGE(Run("qemu-img convert -c -O qcow2 -o cluster_size=" + cluster + " " + Quote(raw_path) +
                        " " + Quote(path), &out) == 0, out);
    {
      auto img = OpenOrFail(Env::Default(), path, true);
      CHECK(ReadWhole(*img) == raw);
      CHECK(ConvertToRaw(dir, path) == raw);
    }
    {
      // Partial writes into compressed clusters: copy-on-write of the
      // decompressed data, and the compressed range's refcounts freed.
      auto img = OpenOrFail(Env::Default(), path);
      std::vector<uint8_t> patch = Pattern(0, 3000);
      REQUIRE(img->Write(10000, patch.size(), patch.data()).ok());
      std::memcpy(raw.data() + 10000, patch.data(), patch.size());
      REQUIRE(img->Discard(1 << 20, 256 << 10).ok());
      std::fill(raw.begin() + (1 << 20), raw.begin() + (1 << 20) + (256 << 10), 0);
      REQUIRE(img->Flush().ok());
      CHECK(ReadWhole(*img) == raw);
    }
    ExpectClean(path);
    CHECK(ConvertToRaw(dir, path) == raw);
    std::filesystem::remove(path);
  }
}

TEST_CASE("a plain image we create passes qemu-img check, before and after I/O") {
  RequireQemu();
  testing::TestDir dir;
  for (uint32_t cluster : {512u, 65536u, 2u << 20}) {
    CAPTURE(cluster);
    const std::string path = dir.File("plain.qcow2");
    REQUIRE(Qcow2Image::Create(Env::Default(), path, PlainOptions(16 << 20, cluster), false).ok());
    ExpectClean(path);
    std::string info;
    REQUIRE(Run("qemu-img info " + Quote(path), &info) == 0);
    CHECK(info.find("virtual size: 16 MiB") != std::string::npos);
    std::vector<uint8_t> expect(16 << 20, 0);
    {
      auto img = OpenOrFail(Env::Default(), path);
      for (uint64_t off : {0ull, 777777ull, 5000000ull, 12000000ull}) {
        std::vector<uint8_t> d = Pattern(off, 300000);
        REQUIRE(img->Write(off, d.size(), d.data()).ok());
        std::memcpy(expect.data() + off, d.data(), d.size());
      }
      REQUIRE(img->Discard(800000, 100000).ok());
      std::fill(expect.begin() + 800000, expect.begin() + 900000, 0);
      REQUIRE(img->Flush().ok());
    }
    ExpectClean(path);
    CHECK(ConvertToRaw(dir, path) == expect);
    std::filesystem::remove(path);
  }
}

TEST_CASE("our zoned image with bit 5 cleared: qemu-img check reports only the zonedmeta clusters as leaked") {
  RequireQemu();
  testing::TestDir dir;
  for (ZonedLayout layout : {ZonedLayout::kLatest, ZonedLayout::kV5}) {
    const std::string path = dir.File("z.qcow2");
    const uint64_t size = 24 << 20, zone = 2 << 20;
    REQUIRE(Qcow2Image::Create(Env::Default(), path, ZonedOptions(size, zone, 65536, 2, layout), false).ok());
    std::vector<uint8_t> expect(size, 0);
    {
      auto img = OpenOrFail(Env::Default(), path);
      REQUIRE(img->zoned().has_value());
      for (uint64_t off : {0ull, 3ull * zone, 3ull * zone + 131072, 11ull * zone}) {
        std::vector<uint8_t> d = Pattern(off, 131072, 7);
        REQUIRE(img->Write(off, d.size(), d.data()).ok());
        std::memcpy(expect.data() + off, d.data(), d.size());
      }
      REQUIRE(img->WriteWritePointer(3, 3 * zone + 262144).ok());
      REQUIRE(img->Flush().ok());
      CHECK(ReadWhole(*img) == expect);
    }
    // Stock QEMU refuses bit 5; a copy without it must be a sound qcow2 image.
    std::vector<uint8_t> bytes = ReadAll(path);
    bytes[qcow2::kIncompatibleFeaturesField + 7] &= static_cast<uint8_t>(~qcow2::kIncompatZoned);
    const std::string copy = dir.File("z-nobit5.qcow2");
    WriteAll(copy, bytes);
    int rc = 0;
    std::string json = Check(copy, &rc);
    INFO(json);
    CHECK(JsonInt(json, "check-errors") == 0);
    CHECK(JsonInt(json, "corruptions") == 0);
    // 12 zones * 8 bytes = one cluster of write pointers.
    CHECK(JsonInt(json, "leaks") == 1);
    CHECK(ConvertToRaw(dir, copy) == expect);
    // And stock QEMU refuses the real one, naming the feature from our table.
    std::string out;
    CHECK(Run("qemu-img info " + Quote(path), &out) != 0);
    CHECK(out.find("zoned format") != std::string::npos);
    std::filesystem::remove(path);
    std::filesystem::remove(copy);
  }
}

TEST_CASE("AddZonedExtension on qemu-img images: data kept, only the new table leaked for stock QEMU") {
  RequireQemu();
  testing::TestDir dir;
  for (std::string cluster : {"512", "65536"}) {
    CAPTURE(cluster);
    const std::string path = dir.File("from.qcow2");
    std::string out;
    REQUIRE(Run("qemu-img create -q -f qcow2 -o cluster_size=" + cluster + " " + Quote(path) + " 16M", &out) == 0);
    REQUIRE(Run("qemu-io -f qcow2 -c 'write -P 0x5a 0 1M' -c 'write -P 0x21 9M 300k' " + Quote(path), &out) == 0);
    const std::vector<uint8_t> before = ConvertToRaw(dir, path);
    {
      auto img = OpenOrFail(Env::Default(), path);
      ZonedExtension z;
      z.zone_size = 4 << 20;
      z.zone_capacity = 4 << 20;
      z.conventional_zones = 1;
      z.max_append_bytes = 65536;
      Status s = img->AddZonedExtension(z);
      REQUIRE_MESSAGE(s.ok(), s.ToString());
      REQUIRE(img->Flush().ok());
    }
    {
      auto img = OpenOrFail(Env::Default(), path, true);
      REQUIRE(img->zoned().has_value());
      CHECK(img->zoned()->nr_zones == 4);
      CHECK(ReadWhole(*img) == before);
      std::vector<uint64_t> wps;
      REQUIRE(img->ReadWritePointers(&wps).ok());
      CHECK(wps == std::vector<uint64_t>{kConventionalZoneFlag, 4 << 20, 8 << 20, 12 << 20});
    }
    std::vector<uint8_t> bytes = ReadAll(path);
    bytes[qcow2::kIncompatibleFeaturesField + 7] &= static_cast<uint8_t>(~qcow2::kIncompatZoned);
    const std::string copy = dir.File("from-nobit5.qcow2");
    WriteAll(copy, bytes);
    int rc = 0;
    std::string json = Check(copy, &rc);
    INFO(json);
    CHECK(JsonInt(json, "corruptions") == 0);
    CHECK(JsonInt(json, "check-errors") == 0);
    CHECK(JsonInt(json, "leaks") == 1);  // 4 zones * 8 bytes: one cluster
    CHECK(ConvertToRaw(dir, copy) == before);
    std::filesystem::remove(path);
    std::filesystem::remove(copy);
  }
}

TEST_CASE("qemu-img features we do not implement are refused by name; the ones we can handle open") {
  RequireQemu();
  testing::TestDir dir;
  const std::string path = dir.File("f.qcow2");
  struct Case {
    std::string options;
    bool opens;
    std::string words;
  };
  const Case cases[] = {
      {"-o extended_l2=on", false, "extended L2"},
      {"-o compression_type=zstd", false, "compression type 1"},
      {"-o compat=0.10", false, "version 2"},
      {"-b " + dir.File("base.qcow2") + " -F qcow2", false, "backing file"},
      {"-o lazy_refcounts=on", true, ""},
      {"-o refcount_bits=1", true, ""},
      {"-o refcount_bits=64,cluster_size=4096", true, ""},
  };
  std::string out;
  REQUIRE(Run("qemu-img create -q -f qcow2 " + Quote(dir.File("base.qcow2")) + " 4M", &out) == 0);
  for (const Case& c : cases) {
    CAPTURE(c.options);
    std::filesystem::remove(path);
    REQUIRE_MESSAGE(Run("qemu-img create -q -f qcow2 " + c.options + " " + Quote(path) + " 4M", &out) == 0, out);
    std::unique_ptr<Qcow2Image> img;
    Status s = Qcow2Image::Open(Env::Default(), path, false, &img);
    if (!c.opens) {
      CHECK(s.IsNotSupported());
      CHECK_MESSAGE(s.message().find(c.words) != std::string::npos, s.message());
      continue;
    }
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    // Refcount widths other than 16 bits: writes keep the image consistent.
    std::vector<uint8_t> d = Pattern(0, 600000);
    REQUIRE(img->Write(12345, d.size(), d.data()).ok());
    REQUIRE(img->Discard(65536, 131072).ok());
    REQUIRE(img->Flush().ok());
    img.reset();
    ExpectClean(path);
    REQUIRE(Run("qemu-io -f qcow2 -c 'read -P 0 65536 131072' " + Quote(path), &out) == 0);
    CHECK(out.find("Pattern verification failed") == std::string::npos);
  }
}

}  // namespace
}  // namespace zonesim
