// ZonedImage across close and reopen: open-to-closed recovery from the
// write-pointer table, persistence of reset/finish, cluster release, the
// over-the-active-limit warning, read-only opens and refused images.
#include <doctest/doctest.h>

#include "qcow2/tests/zoned_image_fixture.h"

namespace zonesim::test {
namespace {

constexpr uint64_t kZ = 64 << 10;
constexpr ZoneStatus kOk = ZoneStatus::kOk;

TEST_CASE("recovery: open zones come back CLOSED, unwritten ones EMPTY, FULL by wp") {
  for (const ZoneParams& p : kProfiles) {
    CAPTURE(to_string(p.profile));
    testing::TestDir dir;
    Env* env = Env::Default();
    const std::string path = dir.File("img.qcow2");
    Geometry g;
    g.zone_capacity = 48 << 10;
    if (p.profile == Profile::kZbc) {  // ZBC has no zone capacity: the geometry is refused
      DeviceConfig c = g.config();
      c.params = p;
      CHECK(!c.Validate().ok());
      continue;
    }
    g.conventional_zones = 1;
    MakeImage(env, path, g);
    {
      auto zi = OpenImage(env, path, p);
      REQUIRE(WritePattern(zi.get(), 0, 8192, 1) == kOk);          // conventional
      REQUIRE(WritePattern(zi.get(), kZ, 4096) == kOk);            // 1: IO
      REQUIRE(zi->Manage(ZoneAction::kOpen, 2 * kZ) == kOk);       // 2: EO, unwritten
      REQUIRE(WritePattern(zi.get(), 3 * kZ, 8192) == kOk);        // 3: EO with data
      REQUIRE(zi->Manage(ZoneAction::kOpen, 3 * kZ) == kOk);
      REQUIRE(WritePattern(zi.get(), 4 * kZ, 48 << 10) == kOk);    // 4: FULL by writes
      REQUIRE(WritePattern(zi.get(), 5 * kZ, 4096) == kOk);        // 5: FULL by finish
      REQUIRE(zi->Manage(ZoneAction::kFinish, 5 * kZ) == kOk);
      REQUIRE(WritePattern(zi.get(), 6 * kZ, 4096) == kOk);        // 6: CLOSED
      REQUIRE(zi->Manage(ZoneAction::kClose, 6 * kZ) == kOk);
      REQUIRE(zi->Inject(ZoneFault::kReadOnly, 7 * kZ) == kOk);    // 7: RO, memory only
      CHECK(zi->Counts() == ZoneCounts{1, 2, 1});
      REQUIRE(zi->Close().ok());
      CHECK(zi->Read(0, 512, std::vector<uint8_t>(512).data()) == ZoneStatus::kMediaError);
      CHECK(zi->Close().ok());  // idempotent
    }
    auto zi = OpenImage(env, path, p);
    CHECK(zi->warnings().empty());
    CHECK(Cond(zi.get(), kZ) == ZoneCondition::kClosed);
    CHECK(Cond(zi.get(), 2 * kZ) == ZoneCondition::kEmpty);
    CHECK(Cond(zi.get(), 3 * kZ) == ZoneCondition::kClosed);
    CHECK(Cond(zi.get(), 4 * kZ) == ZoneCondition::kFull);
    CHECK(Cond(zi.get(), 5 * kZ) == ZoneCondition::kFull);
    CHECK(Cond(zi.get(), 6 * kZ) == ZoneCondition::kClosed);
    CHECK(Cond(zi.get(), 7 * kZ) == ZoneCondition::kEmpty);  // RO is not stored in the image
    CHECK(zi->Counts() == ZoneCounts{0, 0, 3});               // closed zones hold active resources
    CHECK(ReportOne(zi.get(), kZ).wp == kZ + 4096);
    CHECK(ReportOne(zi.get(), 3 * kZ).wp == 3 * kZ + 8192);
    if (p.full_wp == FullWpReport::kAsWritten) {
      CHECK(ReportOne(zi.get(), 4 * kZ).wp == 4 * kZ + (48 << 10));
      CHECK(ReportOne(zi.get(), 5 * kZ).wp == 6 * kZ);  // finish persisted start + zone length
    }
    CHECK(ReadBack(zi.get(), 0, 8192) == Pattern(0, 8192, 1));
    CHECK(ReadBack(zi.get(), kZ, 4096) == Pattern(kZ, 4096));
    CHECK(ReadBack(zi.get(), 4 * kZ, 48 << 10) == Pattern(4 * kZ, 48 << 10));
    // Writing continues at the recovered write pointer.
    CHECK(WritePattern(zi.get(), kZ + 4096, 4096) == kOk);
    CHECK(Cond(zi.get(), kZ) == ZoneCondition::kImplicitOpen);
  }
}

TEST_CASE("recovery: reopening keeps records only for the zones the image says were written") {
  // Issue 14: 100,000 zones, three written; the reopened table allocates the
  // pages of those three and computes every other zone's record.
  testing::TestDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("img.qcow2");
  Geometry g;
  g.zone_size = g.zone_capacity = 64 << 10;
  g.size = uint64_t{100000} * g.zone_size;
  g.cluster_size = 64 << 10;
  MakeImage(env, path, g);
  {
    auto zi = OpenImage(env, path, kProfiles[0]);
    CHECK(zi->table().pages_allocated() == 0);
    REQUIRE(WritePattern(zi.get(), 5 * kZ, 4096) == kOk);
    REQUIRE(WritePattern(zi.get(), 50000 * kZ, 4096) == kOk);
    REQUIRE(WritePattern(zi.get(), 99999 * kZ, 64 << 10) == kOk);
    REQUIRE(zi->Close().ok());
  }
  auto zi = OpenImage(env, path, kProfiles[0]);
  CHECK(zi->table().pages_allocated() == 3);
  CHECK(Cond(zi.get(), 5 * kZ) == ZoneCondition::kClosed);
  CHECK(Cond(zi.get(), 50000 * kZ) == ZoneCondition::kClosed);
  CHECK(Cond(zi.get(), 99999 * kZ) == ZoneCondition::kFull);
  CHECK(Cond(zi.get(), 6 * kZ) == ZoneCondition::kEmpty);
  CHECK(ReportOne(zi.get(), 50001 * kZ).wp == 50001 * kZ);
  CHECK(ReportOne(zi.get(), 50000 * kZ).wp == 50000 * kZ + 4096);
  CHECK(zi->Counts() == ZoneCounts{0, 0, 2});
}

TEST_CASE("recovery: more CLOSED zones than max_active opens with a warning") {
  testing::TestDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("img.qcow2");
  Geometry g;
  g.max_active_zones = 2;
  MakeImage(env, path, g);
  {
    // Write-pointer entries as another writer (or a damaged limit) left them.
    std::unique_ptr<Qcow2Image> img;
    REQUIRE(Qcow2Image::Open(env, path, false, &img).ok());
    for (uint32_t z : {1u, 2u, 3u}) REQUIRE(img->WriteWritePointer(z, z * kZ + 4096).ok());
    REQUIRE(img->Flush().ok());
  }
  auto zi = OpenImage(env, path, profile_params(Profile::kLinux));
  REQUIRE(zi->warnings().size() == 1);
  CHECK(zi->warnings()[0].find("max_active_zones 2") != std::string::npos);
  CHECK(zi->Counts() == ZoneCounts{0, 0, 3});
  CHECK(WritePattern(zi.get(), 5 * kZ, 512) == ZoneStatus::kTooManyActiveZones);
  CHECK(WritePattern(zi.get(), kZ + 4096, 512) == kOk);  // CLOSED -> IO needs no new one
  REQUIRE(zi->Manage(ZoneAction::kReset, 2 * kZ) == kOk);
  REQUIRE(zi->Manage(ZoneAction::kReset, 3 * kZ) == kOk);
  CHECK(WritePattern(zi.get(), 5 * kZ, 512) == kOk);
}

TEST_CASE("recovery: reset frees clusters, the file does not grow over 50 write/reset cycles") {
  testing::TestDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("img.qcow2");
  MakeImage(env, path, Geometry{});
  auto zi = OpenImage(env, path, profile_params(Profile::kLinux));
  uint64_t after_first = 0;
  for (uint32_t cycle = 0; cycle < 50; ++cycle) {
    REQUIRE(WritePattern(zi.get(), 2 * kZ, kZ, cycle) == kOk);
    REQUIRE(WritePattern(zi.get(), 3 * kZ, kZ / 2, cycle) == kOk);
    REQUIRE(zi->Flush() == kOk);
    CHECK(ReadBack(zi.get(), 2 * kZ, 4096) == Pattern(2 * kZ, 4096, cycle));
    if (cycle % 2 == 0) {
      REQUIRE(zi->Manage(ZoneAction::kReset, 2 * kZ) == kOk);
      REQUIRE(zi->Manage(ZoneAction::kReset, 3 * kZ) == kOk);
    } else {
      REQUIRE(zi->ManageAll(ZoneAction::kReset) == kOk);
    }
    REQUIRE(zi->Flush() == kOk);
    std::vector<uint8_t> z = ReadBack(zi.get(), 2 * kZ, 2 * kZ);
    REQUIRE(std::all_of(z.begin(), z.end(), [](uint8_t b) { return b == 0; }));
    if (cycle == 0) after_first = FileSize(path);
  }
  CHECK(FileSize(path) == after_first);
  // And the written-then-reset space really was given back: the file is far
  // smaller than 50 cycles of 96 KiB.
  CHECK(after_first < (1u << 20));
}

TEST_CASE("recovery: finish and reset persist without an explicit flush") {
  testing::TestDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("img.qcow2");
  MakeImage(env, path, Geometry{});
  {
    auto zi = OpenImage(env, path, profile_params(Profile::kZns));
    REQUIRE(WritePattern(zi.get(), kZ, 4096) == kOk);
    REQUIRE(zi->Flush() == kOk);
    REQUIRE(zi->Manage(ZoneAction::kFinish, 2 * kZ) == kOk);
    REQUIRE(zi->Manage(ZoneAction::kReset, kZ) == kOk);
  }
  auto zi = OpenImage(env, path, profile_params(Profile::kZns));
  CHECK(Cond(zi.get(), kZ) == ZoneCondition::kEmpty);
  CHECK(Cond(zi.get(), 2 * kZ) == ZoneCondition::kFull);
  std::vector<uint8_t> got = ReadBack(zi.get(), kZ, 4096);
  CHECK(std::all_of(got.begin(), got.end(), [](uint8_t b) { return b == 0; }));
}

TEST_CASE("recovery: a read-only open never writes and refuses changes") {
  testing::TestDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("img.qcow2");
  MakeImage(env, path, Geometry{});
  {
    auto zi = OpenImage(env, path, profile_params(Profile::kLinux));
    REQUIRE(WritePattern(zi.get(), 0, 4096) == kOk);
  }
  const std::vector<uint8_t> before = FileBytes(env, path);
  {
    std::unique_ptr<ZonedImage> zi;
    REQUIRE(ZonedImage::OpenReadOnly(env, path, profile_params(Profile::kLinux), &zi).ok());
    CHECK(zi->read_only());
    CHECK(Cond(zi.get(), 0) == ZoneCondition::kClosed);
    CHECK(ReadBack(zi.get(), 0, 4096) == Pattern(0, 4096));
    CHECK(WritePattern(zi.get(), 4096, 512) == ZoneStatus::kMediaError);
    CHECK(zi->last_error().message().find("read-only") != std::string::npos);
    CHECK(zi->Manage(ZoneAction::kReset, 0) == ZoneStatus::kMediaError);
    CHECK(zi->ManageAll(ZoneAction::kFinish) == ZoneStatus::kMediaError);
    CHECK(zi->Flush() == kOk);
    CHECK(zi->Inject(ZoneFault::kReadOnly, kZ) == kOk);  // memory only
    CHECK(zi->Close().ok());
  }
  CHECK(FileBytes(env, path) == before);
}

TEST_CASE("recovery: images that are not zoned, or whose write pointers are corrupt, are refused") {
  testing::TestDir dir;
  Env* env = Env::Default();
  {
    const std::string plain = dir.File("plain.qcow2");
    Qcow2CreateOptions o;
    o.virtual_size = 1 << 20;
    REQUIRE(Qcow2Image::Create(env, plain, o, false).ok());
    std::unique_ptr<ZonedImage> zi;
    Status s = ZonedImage::Open(env, plain, profile_params(Profile::kLinux), &zi);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("not a zoned image") != std::string::npos);
    CHECK(zi == nullptr);
  }
  {
    const std::string path = dir.File("bad-wp.qcow2");
    MakeImage(env, path, Geometry{});
    {
      std::unique_ptr<Qcow2Image> img;
      REQUIRE(Qcow2Image::Open(env, path, false, &img).ok());
      REQUIRE(img->WriteWritePointer(3, 5 * kZ).ok());  // past zone 3's end
      REQUIRE(img->Flush().ok());
    }
    std::unique_ptr<ZonedImage> zi;
    Status s = ZonedImage::Open(env, path, profile_params(Profile::kLinux), &zi);
    CHECK_FALSE(s.ok());
    CHECK(zi == nullptr);
  }
}

TEST_CASE("recovery: the v5 layout behaves the same") {
  testing::TestDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("v5.qcow2");
  Geometry g;
  g.layout = ZonedLayout::kV5;
  g.conventional_zones = 2;
  MakeImage(env, path, g);
  {
    auto zi = OpenImage(env, path, profile_params(Profile::kLinux));
    CHECK(zi->extension().layout == ZonedLayout::kV5);
    REQUIRE(WritePattern(zi.get(), 2 * kZ, 4096) == kOk);
  }
  auto zi = OpenImage(env, path, profile_params(Profile::kLinux));
  CHECK(Cond(zi.get(), 2 * kZ) == ZoneCondition::kClosed);
  CHECK(ReadBack(zi.get(), 2 * kZ, 4096) == Pattern(2 * kZ, 4096));
  CHECK(zi->config().conventional_zones == 2);
}

}  // namespace
}  // namespace zonesim::test
