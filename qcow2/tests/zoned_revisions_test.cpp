// Every revision of the zoned layout (qcow2/README.md "Layout revisions"):
// the byte offsets of v11 and v12, round trips through create / write /
// reopen / read / check for each layout, the entry encodings, the 48-byte
// v5-or-v11 decision (both readings fit, neither fits), the rules each
// revision adds, and conversion between layouts.
#include <doctest/doctest.h>

#include "common/mem_env.h"
#include "qcow2/check/image_check.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/qcow2_validate.h"
#include "qcow2/storage/zoned_extension.h"
#include "qcow2/storage/zoned_layout_detect.h"
#include "qcow2/tests/check_test_util.h"
#include "qcow2/zoned/layout_convert.h"
#include "qcow2/zoned/zone_config.h"

namespace zonesim {
namespace {

using checktest::Bytes;
using checktest::Check;
using checktest::ExtensionData;
using checktest::Ids;
using checktest::ZonedImageBytes;
using qcow2::LoadBE32;
using qcow2::LoadBE64;
using qcow2::LoadLE64;
using qcow2::StoreBE32;
using qcow2::StoreBE64;
using qcow2::StoreLE64;

constexpr ZonedLayout kAll[] = {ZonedLayout::kV5, ZonedLayout::kLatest, ZonedLayout::kV11, ZonedLayout::kV12};

ZonedExtension Sample(ZonedLayout layout) {
  ZonedExtension z;
  z.zone_size = 64ull << 20;
  z.zone_capacity = 60ull << 20;
  z.conventional_zones = 2;
  z.nr_zones = 12;
  z.max_active_zones = 6;
  z.max_open_zones = 4;
  z.max_append_bytes = layout == ZonedLayout::kV12 ? qcow2::kV12DefaultMaxAppendBytes : 131072;
  z.zonedmeta_size = 96;
  z.zonedmeta_offset = 0x50000;
  z.layout = layout;
  return z;
}

// The write-pointer table's offset for any layout, from the image's bytes.
uint64_t TableOffset(const Bytes& b) {
  const size_t e = ExtensionData(b, qcow2::kExtZoned);
  ZonedExtension z;
  const uint32_t len = LoadBE32(b.data() + e - 4);
  if (len == 48) {  // v5 and v11 keep it at the same place
    return LoadBE64(b.data() + e + 40);
  }
  REQUIRE(qcow2::DecodeZonedExtension(b.data() + e, len, &z).ok());
  return z.zonedmeta_offset;
}

TEST_CASE("v11 layout: 48 bytes, nr_zones first, no zonedmeta_size") {
  const ZonedExtension z = Sample(ZonedLayout::kV11);
  std::vector<uint8_t> b;
  REQUIRE(qcow2::EncodeZonedExtension(z, &b).ok());
  REQUIRE(b.size() == 48);
  CHECK(b[0] == 1);
  CHECK(LoadBE32(b.data() + 4) == 12);
  CHECK(LoadBE64(b.data() + 8) == 64ull << 20);
  CHECK(LoadBE64(b.data() + 16) == 60ull << 20);
  CHECK(LoadBE32(b.data() + 24) == 2);
  CHECK(LoadBE32(b.data() + 28) == 6);
  CHECK(LoadBE32(b.data() + 32) == 4);
  CHECK(LoadBE32(b.data() + 36) == 131072);
  CHECK(LoadBE64(b.data() + 40) == 0x50000);
  ZonedExtension d;
  REQUIRE(qcow2::DecodeZonedExtensionAs(b.data(), b.size(), ZonedLayout::kV11, &d).ok());
  CHECK(d == z);  // zonedmeta_size implied: 8 * nr_zones
  // The length must match exactly.
  CHECK(qcow2::DecodeZonedExtensionAs(b.data(), 56, ZonedLayout::kV11, &d).IsCorruption());
}

TEST_CASE("v12 layout: 44 bytes, no max_append_bytes, offset at 24") {
  const ZonedExtension z = Sample(ZonedLayout::kV12);
  std::vector<uint8_t> b;
  REQUIRE(qcow2::EncodeZonedExtension(z, &b).ok());
  REQUIRE(b.size() == 44);
  CHECK(LoadBE32(b.data() + 4) == 12);
  CHECK(LoadBE64(b.data() + 8) == 64ull << 20);
  CHECK(LoadBE64(b.data() + 16) == 60ull << 20);
  CHECK(LoadBE64(b.data() + 24) == 0x50000);
  CHECK(LoadBE32(b.data() + 32) == 2);
  CHECK(LoadBE32(b.data() + 36) == 6);
  CHECK(LoadBE32(b.data() + 40) == 4);
  ZonedExtension d;
  REQUIRE(qcow2::DecodeZonedExtension(b.data(), b.size(), &d).ok());
  CHECK(d == z);
  CHECK(d.layout == ZonedLayout::kV12);
  // A limit the layout cannot hold is refused, naming it.
  ZonedExtension other = z;
  other.max_append_bytes = 131072;
  Status s = qcow2::EncodeZonedExtension(other, &b);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("131072") != std::string::npos);
  // Small capacities: the presented limit stays below them.
  CHECK(qcow2::V12MaxAppendBytes(4096) == 3584);
  CHECK(qcow2::V12MaxAppendBytes(1 << 20) == 65536);
  for (size_t n : {45, 46, 47}) CHECK(qcow2::DecodeZonedExtension(b.data(), n, &d).IsCorruption());
}

TEST_CASE("every layout round trips: create, write, reopen, read back, check clean") {
  for (ZonedLayout layout : kAll) {
    CAPTURE(qcow2::ZonedLayoutName(layout));
    MemEnv env;
    env.SetContents("img", ZonedImageBytes(layout));
    std::unique_ptr<ZonedImage> zi;
    REQUIRE(ZonedImage::Open(&env, "img", profile_params(Profile::kLinux), &zi).ok());
    CHECK(zi->extension().layout == layout);
    Bytes d(4096, 0x77);
    REQUIRE(zi->Write((5 << 20), d.size(), d.data()) == ZoneStatus::kOk);
    REQUIRE(zi->Close().ok());
    zi.reset();
    REQUIRE(ZonedImage::Open(&env, "img", profile_params(Profile::kLinux), &zi).ok());
    Bytes back(4096);
    REQUIRE(zi->Read(5 << 20, back.size(), back.data()) == ZoneStatus::kOk);
    CHECK(back == d);
    REQUIRE(zi->Read(2 << 20, back.size(), back.data()) == ZoneStatus::kOk);
    CHECK(back == Bytes(4096, 0x5c));
    std::vector<ZoneReportEntry> zones;
    bool partial = false;
    REQUIRE(zi->Report(0, 12, ReportFilter::kAll, &zones, &partial) == ZoneStatus::kOk);
    CHECK(zones[2].wp == (2u << 20) + (64u << 10));
    CHECK(zones[3].cond == ZoneCondition::kFull);
    CHECK(zones[5].wp == (5u << 20) + 4096);
    REQUIRE(zi->Close().ok());
    zi.reset();
    check::CheckOptions o;
    o.expect_layout = layout;
    const check::CheckReport r = Check(env.Contents("img"), o);
    INFO(Ids(r));
    CHECK(r.exit_code() == 0);
    CHECK(r.summary.zoned->layout == layout);
  }
}

TEST_CASE("entry encodings: v5/v9 little-endian with bit 59, v11/v12 big-endian with bit 63") {
  for (ZonedLayout layout : kAll) {
    CAPTURE(qcow2::ZonedLayoutName(layout));
    const Bytes b = ZonedImageBytes(layout);
    const uint64_t t = TableOffset(b);
    if (IsPostV10Layout(layout)) {
      CHECK(LoadBE64(b.data() + t) == (1ull << 63));                   // conventional zone 0
      CHECK(LoadBE64(b.data() + t + 8) == ((1ull << 63) | (1 << 20)));  // conventional zone 1
      CHECK(LoadBE64(b.data() + t + 16) == (2u << 20) + (64u << 10));   // zone 2, CLOSED
    } else {
      CHECK(LoadLE64(b.data() + t) == (1ull << 59));
      CHECK(LoadLE64(b.data() + t + 8) == ((1ull << 59) | (1 << 20)));
      CHECK(LoadLE64(b.data() + t + 16) == (2u << 20) + (64u << 10));
    }
  }
}

TEST_CASE("a v5 image and a v11 image of the same geometry decode to the same zones") {
  std::vector<std::vector<ZoneReportEntry>> reports;
  std::vector<DeviceConfig> configs;
  for (ZonedLayout layout : {ZonedLayout::kV5, ZonedLayout::kV11}) {
    MemEnv env;
    env.SetContents("img", ZonedImageBytes(layout));
    std::unique_ptr<ZonedImage> zi;
    REQUIRE(ZonedImage::Open(&env, "img", profile_params(Profile::kLinux), &zi).ok());
    std::vector<ZoneReportEntry> zones;
    bool partial = false;
    REQUIRE(zi->Report(0, 12, ReportFilter::kAll, &zones, &partial) == ZoneStatus::kOk);
    reports.push_back(zones);
    configs.push_back(zi->config());
  }
  CHECK(reports[0] == reports[1]);
  CHECK(SameGeometry(configs[0], configs[1]));
}

// A crafted 48-byte image consistent both as v5 and as v11 (qcow2-zoned.md:
// refuse): 512 bytes, read as v5 512 one-byte zones of capacity 1, every
// entry at its zone start (little-endian i); read as v11 one zone of 4 GiB,
// its one entry (big-endian) 0.
Bytes BothFit() {
  MemEnv env;
  Qcow2CreateOptions o;
  o.virtual_size = 256 << 10;
  o.cluster_size = 4096;
  ZonedExtension z;
  z.zone_size = 512;
  z.zone_capacity = 512;
  z.max_append_bytes = 0;
  z.layout = ZonedLayout::kV5;
  o.zoned = z;
  REQUIRE(Qcow2Image::Create(&env, "z", o, false).ok());
  Bytes b = env.Contents("z");
  const size_t e = ExtensionData(b, qcow2::kExtZoned);
  StoreBE64(b.data() + 24, 512);  // virtual size
  StoreBE32(b.data() + e + 4, 1);  // v5 zone_size / v11 nr_zones
  StoreBE32(b.data() + e + 8, 1);  // v5 zone_capacity / high half of v11 zone_size
  const uint64_t t = LoadBE64(b.data() + e + 40);
  for (uint64_t i = 0; i < 512; ++i) StoreLE64(b.data() + t + i * 8, i);
  return b;
}

TEST_CASE("a 48-byte image that fits both v5 and v11 is refused, saying why") {
  const Bytes b = BothFit();
  MemEnv env;
  env.SetContents("img", b);
  std::unique_ptr<Qcow2Image> img;
  Status s = Qcow2Image::Open(&env, "img", true, &img);
  INFO(s.ToString());
  CHECK(s.IsCorruption());
  CHECK(s.message().find("both as v5/v6 and as about-v11") != std::string::npos);
  const check::CheckReport r = Check(b);
  CHECK(r.has("zoned.layout_ambiguous"));
  CHECK(r.exit_code() == 2);
  // A pinned revision decides: the image is then judged as that revision.
  check::CheckOptions pin;
  pin.expect_layout = ZonedLayout::kV11;
  const check::CheckReport p = Check(b, pin);
  REQUIRE(p.summary.zoned.has_value());
  CHECK(p.summary.zoned->layout == ZonedLayout::kV11);
  CHECK(!p.has("zoned.layout_unexpected"));
}

TEST_CASE("a 48-byte image that fits neither v5 nor v11 is refused with both reasons") {
  for (ZonedLayout layout : {ZonedLayout::kV5, ZonedLayout::kV11}) {
    CAPTURE(qcow2::ZonedLayoutName(layout));
    Bytes b = ZonedImageBytes(layout);
    const uint64_t t = TableOffset(b);
    StoreLE64(b.data() + t + 7 * 8, 1);  // zone 7 out of its zone, read in either byte order
    MemEnv env;
    env.SetContents("img", b);
    std::unique_ptr<Qcow2Image> img;
    Status s = Qcow2Image::Open(&env, "img", true, &img);
    INFO(s.ToString());
    CHECK(s.IsCorruption());
    CHECK(s.message().find("fits neither") != std::string::npos);
    CHECK(s.message().find("read as v5 (48-byte)") != std::string::npos);
    CHECK(s.message().find("read as v11 (48-byte)") != std::string::npos);
    CHECK(Check(b).has("zoned.layout_undecided"));
  }
}

TEST_CASE("48-byte images are told apart in both directions") {
  for (ZonedLayout layout : {ZonedLayout::kV5, ZonedLayout::kV11}) {
    const Bytes b = ZonedImageBytes(layout);
    const size_t e = ExtensionData(b, qcow2::kExtZoned);
    const uint64_t file_size = b.size();
    const qcow2::LayoutDecision d = qcow2::DecideZonedLayout(
        b.data() + e, 48, 12 << 20, file_size, [&](uint64_t off, uint64_t n, uint8_t* out) {
          std::copy(b.begin() + static_cast<ptrdiff_t>(off), b.begin() + static_cast<ptrdiff_t>(off + n), out);
          return Status::Ok();
        });
    REQUIRE(d.fitting.size() == 1);
    CHECK(d.fitting[0] == layout);
    CHECK(!d.why_not.empty());  // the other reading, and why it does not fit
  }
}

TEST_CASE("each revision's rules: power-of-two zone size, the 2^20 zone cap, aligned entries") {
  // A 12 MiB image with 768 KiB zones: allowed (warning) in v9, an error in v11.
  for (ZonedLayout layout : {ZonedLayout::kLatest, ZonedLayout::kV11}) {
    MemEnv env;
    Qcow2CreateOptions o;
    o.virtual_size = 12 << 20;
    o.cluster_size = 4096;
    ZonedExtension z;
    z.zone_size = 768 << 10;
    z.zone_capacity = 768 << 10;
    z.max_append_bytes = 4096;
    z.layout = layout;
    o.zoned = z;
    Status s = Qcow2Image::Create(&env, "z", o, false);
    if (layout == ZonedLayout::kV11) {
      CHECK(s.IsInvalidArgument());
      CHECK(s.message().find("power of two") != std::string::npos);
      continue;
    }
    REQUIRE(s.ok());
    const check::CheckReport r = checktest::Strict(env.Contents("z"));  // advice: a --strict warning
    CHECK(r.has("zoned.zone_size_not_power_of_two"));
    CHECK(r.exit_code() == 0);
  }
  // The same field patched into a v12 image is an error there.
  Bytes b = ZonedImageBytes(ZonedLayout::kV12);
  const size_t e = ExtensionData(b, qcow2::kExtZoned);
  StoreBE64(b.data() + e + 8, 768 << 10);  // zone_size
  StoreBE64(b.data() + e + 16, 512 << 10);  // capacity
  StoreBE32(b.data() + e + 4, 16);  // nr_zones = ceil(12 MiB / 768 KiB)
  // (the table is now too short for 16 zones: whatever else is found, the rule is)
  CHECK(Check(b).has("zoned.zone_size_power_of_two_required"));
  // More than 2^20 zones: creatable as v9, refused as v11.
  ZonedExtension many;
  many.zone_size = 4096;
  many.zone_capacity = 4096;
  many.max_append_bytes = 0;
  for (ZonedLayout layout : {ZonedLayout::kLatest, ZonedLayout::kV12}) {
    many.layout = layout;
    ZonedExtension z = many;
    Status s = qcow2::PrepareZonedOptions((4ull << 30) + 4096, &z);
    CHECK(s.ok() == (layout == ZonedLayout::kLatest));
  }
  // An unaligned write pointer: an error in every revision.
  for (ZonedLayout layout : {ZonedLayout::kLatest, ZonedLayout::kV11}) {
    Bytes u = ZonedImageBytes(layout);
    const uint64_t t = TableOffset(u);
    qcow2::StoreWritePointerEntry(u.data() + t + 5 * 8, (5u << 20) + 100, layout);
    CHECK(Check(u).has("zoned.wp_unaligned"));
    CHECK(Check(u).exit_code() == 2);
    // The zone layer refuses it rather than land appends off a sector.
    MemEnv env;
    env.SetContents("u", u);
    std::unique_ptr<ZonedImage> zi;
    CHECK_FALSE(ZonedImage::Open(&env, "u", profile_params(Profile::kLinux), &zi).ok());
  }
}

TEST_CASE("--expect-layout: another revision is an error") {
  check::CheckOptions o;
  o.expect_layout = ZonedLayout::kV11;
  const check::CheckReport r = Check(ZonedImageBytes(ZonedLayout::kLatest), o);
  CHECK(r.has("zoned.layout_unexpected"));
  CHECK(r.exit_code() == 2);
  CHECK(Check(ZonedImageBytes(ZonedLayout::kV11), o).exit_code() == 0);
}

TEST_CASE("v11 entries written little-endian are recognised as such") {
  Bytes b = ZonedImageBytes(ZonedLayout::kV11);
  const uint64_t t = TableOffset(b);
  for (uint32_t z = 0; z < 12; ++z) StoreLE64(b.data() + t + z * 8, LoadBE64(b.data() + t + z * 8));
  // 48 bytes: read as v5 the entries lack bit 59, read as v11 they leave their
  // zones, so neither reading fits. 44 bytes: the checker says what happened.
  CHECK(Check(b).has("zoned.layout_undecided"));
  Bytes v12 = ZonedImageBytes(ZonedLayout::kV12);
  const uint64_t t12 = TableOffset(v12);
  for (uint32_t z = 0; z < 12; ++z) StoreLE64(v12.data() + t12 + z * 8, LoadBE64(v12.data() + t12 + z * 8));
  CHECK(Check(v12).has("zoned.wp_little_endian"));
}

TEST_CASE("conversion between every pair of layouts keeps data and write pointers, source untouched") {
  for (ZonedLayout from : kAll) {
    for (ZonedLayout to : kAll) {
      CAPTURE(qcow2::ZonedLayoutName(from));
      CAPTURE(qcow2::ZonedLayoutName(to));
      MemEnv env;
      const Bytes src = ZonedImageBytes(from);
      env.SetContents("src", src);
      LayoutConvertSummary sum;
      Status s = ConvertLayout(&env, "src", "dst", to, false, &sum);
      INFO(s.ToString());
      REQUIRE(s.ok());
      CHECK(env.Contents("src") == src);
      CHECK(sum.from == from);
      CHECK(sum.to == to);
      check::CheckOptions o;
      o.expect_layout = to;
      const check::CheckReport r = Check(env.Contents("dst"), o);
      INFO(Ids(r));
      CHECK(r.exit_code() == 0);
      std::vector<std::vector<ZoneReportEntry>> reports;
      std::vector<Bytes> data;
      for (const char* path : {"src", "dst"}) {
        std::unique_ptr<ZonedImage> zi;
        REQUIRE(ZonedImage::Open(&env, path, profile_params(Profile::kLinux), &zi).ok());
        std::vector<ZoneReportEntry> zones;
        bool partial = false;
        REQUIRE(zi->Report(0, 12, ReportFilter::kAll, &zones, &partial) == ZoneStatus::kOk);
        reports.push_back(zones);
        Bytes all(12 << 20);
        REQUIRE(zi->Read(0, all.size(), all.data()) == ZoneStatus::kOk);
        data.push_back(all);
        REQUIRE(zi->Close().ok());
      }
      CHECK(reports[0] == reports[1]);
      CHECK(data[0] == data[1]);
      CHECK(env.Contents("src") == src);
    }
  }
}

TEST_CASE("conversion refuses what the target cannot hold and an existing output") {
  MemEnv env;
  env.SetContents("src", ZonedImageBytes(ZonedLayout::kLatest));
  env.SetContents("dst", Bytes(10, 1));
  LayoutConvertSummary sum;
  Status s = ConvertLayout(&env, "src", "dst", ZonedLayout::kV11, false, &sum);
  CHECK(s.IsInvalidArgument());
  CHECK(env.Contents("dst") == Bytes(10, 1));
  // A plain image is not converted.
  env.SetContents("plain", checktest::PlainImageBytes());
  CHECK(!ConvertLayout(&env, "plain", "out", ZonedLayout::kV11, false, &sum).ok());
  CHECK(!env.FileExists("out"));
}

}  // namespace
}  // namespace zonesim
