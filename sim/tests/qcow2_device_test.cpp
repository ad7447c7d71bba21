// The Device adapter over a zoned qcow2 image (sim/devices/qcow2_device.cpp):
// payload materialisation and every power-cycle policy, with READ ONLY and
// OFFLINE zones carried across the reopen.
#include <doctest/doctest.h>

#include "common/testing/test_files.h"
#include "qcow2/tests/zoned_image_fixture.h"
#include "sim/devices/qcow2_device.h"

namespace zonesim::test {
namespace {

constexpr uint64_t kZ = 64 << 10;
constexpr ZoneStatus kOk = ZoneStatus::kOk;

struct DeviceFixture {
  testing::TestDir dir;
  Env* env = Env::Default();
  std::string path = dir.File("dev.qcow2");
  std::unique_ptr<Device> dev;
  DeviceFixture(const ZoneParams& p, Geometry g = Geometry{}) {
    g.zone_capacity = 48 << 10;
    MakeImage(env, path, g);
    Status s;
    dev = OpenImageDevice(env, path, p, &s);
    INFO(s.ToString());
    REQUIRE(dev != nullptr);
  }
  ZoneReportEntry Zone(uint32_t i) {
    std::vector<ZoneReportEntry> r;
    REQUIRE(dev->Report(i * kZ, 1, ReportFilter::kAll, &r, nullptr) == kOk);
    REQUIRE(r.size() == 1);
    return r[0];
  }
  std::vector<uint8_t> Read(uint64_t off, uint64_t len) {
    std::vector<uint8_t> out(len);
    REQUIRE(dev->Read(off, len, out.data()) == kOk);
    return out;
  }
};

std::vector<uint8_t> Expected(const Payload& p, uint64_t len) {
  std::vector<uint8_t> v(len);
  p.Generate(0, len, v.data());
  return v;
}

TEST_CASE("qcow2 device: opens images only, names itself, stores payload bytes") {
  {
    testing::TestDir dir;
    Status s;
    CHECK(OpenImageDevice(Env::Default(), dir.File("none.qcow2"), profile_params(Profile::kLinux), &s) ==
          nullptr);
    CHECK_FALSE(s.ok());
  }
  DeviceFixture f(profile_params(Profile::kLinux));
  CHECK(f.dev->name() == "qcow2:" + f.path);
  CHECK(f.dev->config().zone_capacity == (48 << 10));
  CHECK(f.dev->config().params == profile_params(Profile::kLinux));
  const Payload seeded = Payload::Seeded(42);
  REQUIRE(f.dev->Write(0, 8192, seeded) == kOk);
  CHECK(f.Read(0, 8192) == Expected(seeded, 8192));
  uint64_t at = 0;
  REQUIRE(f.dev->Append(kZ, 4096, Payload::Fill(0xcd), &at) == kOk);
  CHECK(at == kZ);
  CHECK(f.Read(kZ, 4096) == std::vector<uint8_t>(4096, 0xcd));
  CHECK(f.dev->Counts().implicit_open == 2);
  CHECK(f.dev->Flush() == kOk);
  REQUIRE(f.dev->Manage(ZoneAction::kFinish, 0) == kOk);
  REQUIRE(f.dev->ManageAll(ZoneAction::kReset) == kOk);
  CHECK(f.dev->Counts() == ZoneCounts{});
}

TEST_CASE("qcow2 device: power cycle close_open, with RO/OFF zones re-injected") {
  DeviceFixture f(profile_params(Profile::kZns));
  REQUIRE(f.dev->Write(0, 4096, Payload::Seeded(1)) == kOk);      // IO -> C
  REQUIRE(f.dev->Manage(ZoneAction::kOpen, kZ) == kOk);           // EO, unwritten -> E
  REQUIRE(f.dev->Write(2 * kZ, 4096, Payload::Seeded(2)) == kOk);
  REQUIRE(f.dev->Inject(ZoneFault::kReadOnly, 2 * kZ) == kOk);   // RO with data
  REQUIRE(f.dev->Inject(ZoneFault::kReadOnly, 3 * kZ) == kOk);
  REQUIRE(f.dev->Manage(ZoneAction::kOffline, 3 * kZ) == kOk);    // RO -> OFF
  REQUIRE(f.dev->PowerCycle().ok());
  CHECK(f.Zone(0).cond == ZoneCondition::kClosed);
  CHECK(f.Zone(0).wp == 4096);
  CHECK(f.Zone(1).cond == ZoneCondition::kEmpty);
  CHECK(f.Zone(2).cond == ZoneCondition::kReadOnly);
  CHECK(f.Zone(3).cond == ZoneCondition::kOffline);
  CHECK(f.dev->Counts() == ZoneCounts{0, 0, 1});
  CHECK(f.Read(0, 4096) == Expected(Payload::Seeded(1), 4096));
  CHECK(f.Read(2 * kZ, 4096) == Expected(Payload::Seeded(2), 4096));
  std::vector<uint8_t> out(512);
  CHECK(f.dev->Read(3 * kZ, 512, out.data()) == ZoneStatus::kZoneIsOffline);
  // A second cycle keeps them too.
  REQUIRE(f.dev->PowerCycle().ok());
  CHECK(f.Zone(2).cond == ZoneCondition::kReadOnly);
  CHECK(f.Zone(3).cond == ZoneCondition::kOffline);
}

TEST_CASE("qcow2 device: power cycle keep restores open and closed conditions") {
  ZoneParams p = profile_params(Profile::kZns);
  p.power_cycle = PowerCyclePolicy::kKeep;
  DeviceFixture f(p);
  REQUIRE(f.dev->Write(0, 4096, Payload::Seeded(1)) == kOk);     // IO
  REQUIRE(f.dev->Manage(ZoneAction::kOpen, kZ) == kOk);          // EO, unwritten
  REQUIRE(f.dev->Manage(ZoneAction::kOpen, 2 * kZ) == kOk);
  REQUIRE(f.dev->Manage(ZoneAction::kClose, 2 * kZ) == kOk);     // ZNS: C with wp == start
  REQUIRE(f.dev->Inject(ZoneFault::kReadOnly, 3 * kZ) == kOk);
  const ZoneCounts before = f.dev->Counts();
  REQUIRE(f.dev->PowerCycle().ok());
  CHECK(f.Zone(0).cond == ZoneCondition::kImplicitOpen);
  CHECK(f.Zone(1).cond == ZoneCondition::kExplicitOpen);
  CHECK(f.Zone(2).cond == ZoneCondition::kClosed);
  CHECK(f.Zone(2).wp == 2 * kZ);
  CHECK(f.Zone(3).cond == ZoneCondition::kReadOnly);
  CHECK(f.dev->Counts() == before);
  REQUIRE(f.dev->Write(4096, 4096, Payload::Seeded(3)) == kOk);  // continues at the wp
}

TEST_CASE("qcow2 device: power cycle wipe and all_full spare RO/OFF zones") {
  for (PowerCyclePolicy pc : {PowerCyclePolicy::kWipeToEmpty, PowerCyclePolicy::kAllFull}) {
    ZoneParams p = profile_params(Profile::kLinux);
    p.power_cycle = pc;
    Geometry g;
    g.conventional_zones = 1;
    DeviceFixture f(p, g);
    REQUIRE(f.dev->Write(0, 4096, Payload::Seeded(9)) == kOk);        // conventional
    REQUIRE(f.dev->Write(kZ, 4096, Payload::Seeded(1)) == kOk);
    REQUIRE(f.dev->Manage(ZoneAction::kFinish, 2 * kZ) == kOk);
    REQUIRE(f.dev->Write(3 * kZ, 4096, Payload::Seeded(2)) == kOk);
    REQUIRE(f.dev->Inject(ZoneFault::kReadOnly, 3 * kZ) == kOk);
    REQUIRE(f.dev->Inject(ZoneFault::kOffline, 4 * kZ) == kOk);
    REQUIRE(f.dev->PowerCycle().ok());
    CHECK(f.Read(0, 4096) == Expected(Payload::Seeded(9), 4096));
    CHECK(f.Zone(3).cond == ZoneCondition::kReadOnly);
    CHECK(f.Read(3 * kZ, 4096) == Expected(Payload::Seeded(2), 4096));
    CHECK(f.Zone(4).cond == ZoneCondition::kOffline);
    CHECK(f.dev->Counts() == ZoneCounts{});
    for (uint32_t i : {1u, 2u, 5u, 15u}) {
      CAPTURE(i);
      ZoneReportEntry e = f.Zone(i);
      if (pc == PowerCyclePolicy::kWipeToEmpty) {
        CHECK(e.cond == ZoneCondition::kEmpty);
        CHECK(e.wp == i * kZ);
      } else {
        CHECK(e.cond == ZoneCondition::kFull);
        CHECK(e.wp == i * kZ + (48 << 10));  // start + capacity, even for the finished zone
      }
    }
    std::vector<uint8_t> z1 = f.Read(kZ, 8192);
    if (pc == PowerCyclePolicy::kWipeToEmpty) {
      CHECK(std::all_of(z1.begin(), z1.end(), [](uint8_t b) { return b == 0; }));
    } else {  // data persists; the never-written rest reads as the fill
      CHECK(std::vector<uint8_t>(z1.begin(), z1.begin() + 4096) == Expected(Payload::Seeded(1), 4096));
      CHECK(std::all_of(z1.begin() + 4096, z1.end(), [](uint8_t b) { return b == 0; }));
    }
  }
}

}  // namespace
}  // namespace zonesim::test

namespace zonesim::test {
namespace {

CrashSpec Spec(CrashMode m, uint64_t seed = 0) {
  CrashSpec c;
  c.mode = m;
  c.seed = seed;
  return c;
}

TEST_CASE("qcow2 device: power loss keeps what was flushed, drops the rest, re-injects RO/OFF") {
  for (CrashMode m : {CrashMode::kLoseAll, CrashMode::kKeepAll, CrashMode::kTorn, CrashMode::kReorder}) {
    INFO(static_cast<int>(m));
    DeviceFixture f(profile_params(Profile::kZns));
    REQUIRE(f.dev->Write(0, 8192, Payload::Seeded(1)) == kOk);
    REQUIRE(f.dev->Inject(ZoneFault::kReadOnly, 2 * kZ) == kOk);
    REQUIRE(f.dev->Flush() == kOk);
    REQUIRE(f.dev->Write(8192, 8192, Payload::Seeded(2)) == kOk);  // never flushed
    REQUIRE(f.dev->Write(kZ, 4096, Payload::Seeded(3)) == kOk);    // never flushed
    Status lost = f.dev->PowerLoss(Spec(m, 7));
    INFO(lost.ToString());
    REQUIRE(lost.ok());
    // No write-pointer entry was written after the flush, whatever survived of the data.
    CHECK(f.Zone(0).cond == ZoneCondition::kClosed);
    CHECK(f.Zone(0).wp == 8192);
    CHECK(f.Read(0, 8192) == Expected(Payload::Seeded(1), 8192));
    CHECK(f.Zone(1).cond == ZoneCondition::kEmpty);
    CHECK(f.Read(kZ, 4096) == std::vector<uint8_t>(4096, 0));
    CHECK(f.Zone(2).cond == ZoneCondition::kReadOnly);
    // The device goes on from the recovered write pointer.
    REQUIRE(f.dev->Write(8192, 4096, Payload::Seeded(4)) == kOk);
    REQUIRE(f.dev->Flush() == kOk);
    REQUIRE(f.dev->PowerLoss(Spec(CrashMode::kLoseAll)).ok());
    CHECK(f.Zone(0).wp == 12288);
    CHECK(f.Read(8192, 4096) == Expected(Payload::Seeded(4), 4096));
  }
}

TEST_CASE("qcow2 device: power loss under keep restores conditions only where the write pointer survived") {
  ZoneParams p = profile_params(Profile::kZns);
  p.power_cycle = PowerCyclePolicy::kKeep;
  DeviceFixture f(p);
  REQUIRE(f.dev->Write(0, 4096, Payload::Seeded(1)) == kOk);
  REQUIRE(f.dev->Flush() == kOk);                               // zone 0: IO at a durable wp
  REQUIRE(f.dev->Write(kZ, 4096, Payload::Seeded(2)) == kOk);   // zone 1: IO, wp not durable
  REQUIRE(f.dev->PowerLoss(Spec(CrashMode::kLoseAll)).ok());
  CHECK(f.Zone(0).cond == ZoneCondition::kImplicitOpen);
  CHECK(f.Zone(1).cond == ZoneCondition::kEmpty);
}

}  // namespace
}  // namespace zonesim::test
