// ZonedImage open/active resources: implicit-close victims per policy, the
// active limit, null_blk's refusal to swap a CLOSED zone in, QEMU's early
// implicit close, finish resource rules.
#include <doctest/doctest.h>

#include "qcow2/tests/zoned_image_fixture.h"

namespace zonesim::test {
namespace {

constexpr uint64_t kZ = 64 << 10;
constexpr ZoneStatus kOk = ZoneStatus::kOk;

struct Fixture {
  testing::TestDir dir;
  Env* env = Env::Default();
  std::string path = dir.File("img.qcow2");
  std::unique_ptr<ZonedImage> zi;
  Fixture(const Geometry& g, const ZoneParams& p) {
    MakeImage(env, path, g);
    zi = OpenImage(env, path, p);
  }
  // Writes 512 bytes at the zone's write pointer.
  ZoneStatus Touch(uint32_t i) {
    uint64_t wp = ReportOne(zi.get(), i * kZ).wp;
    return WritePattern(zi.get(), wp, 512);
  }
  ZoneCondition C(uint32_t i) { return Cond(zi.get(), i * kZ); }
};

ZoneParams WithPolicy(ImplicitClosePolicy policy) {
  ZoneParams p = profile_params(Profile::kLinux);
  p.implicit_close = policy;
  return p;
}

Geometry OpenLimit(uint32_t max_open, uint32_t conventional = 0) {
  Geometry g;
  g.max_open_zones = max_open;
  g.conventional_zones = conventional;
  return g;
}

TEST_CASE("implicit close: oldest closes the zone that entered IMPLICIT OPEN first") {
  for (ImplicitClosePolicy policy : {ImplicitClosePolicy::kOldestOpened, ImplicitClosePolicy::kAny}) {
    Fixture f(OpenLimit(2), WithPolicy(policy));
    REQUIRE(f.Touch(3) == kOk);
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.Touch(3) == kOk);  // a later write does not refresh its FIFO position
    REQUIRE(f.Touch(2) == kOk);
    CHECK(f.C(3) == ZoneCondition::kClosed);
    CHECK(f.C(1) == ZoneCondition::kImplicitOpen);
    CHECK(f.C(2) == ZoneCondition::kImplicitOpen);
    CHECK(f.zi->Counts() == ZoneCounts{2, 0, 1});
    REQUIRE(f.Touch(4) == kOk);
    CHECK(f.C(1) == ZoneCondition::kClosed);
    // The closed zone re-enters at the tail of the FIFO.
    REQUIRE(f.Touch(3) == kOk);
    CHECK(f.C(2) == ZoneCondition::kClosed);
    CHECK(f.zi->table().implicit_open().Members() == std::vector<uint32_t>{4, 3});
  }
}

TEST_CASE("implicit close: lowest_index closes the lowest-numbered IO zone") {
  for (ImplicitClosePolicy policy :
       {ImplicitClosePolicy::kLowestIndex, ImplicitClosePolicy::kAnyVictim}) {
    Fixture f(OpenLimit(2), WithPolicy(policy));
    REQUIRE(f.Touch(3) == kOk);
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.Touch(2) == kOk);
    CHECK(f.C(1) == ZoneCondition::kClosed);
    CHECK(f.C(3) == ZoneCondition::kImplicitOpen);
    REQUIRE(f.Touch(5) == kOk);
    CHECK(f.C(2) == ZoneCondition::kClosed);
  }
}

TEST_CASE("implicit close: round_robin scans on from the previous victim, wrapping") {
  // One conventional zone: the cursor starts at zone 1.
  Fixture f(OpenLimit(2, 1), WithPolicy(ImplicitClosePolicy::kRoundRobin));
  CHECK(f.zi->table().round_robin_cursor() == 1);
  REQUIRE(f.Touch(4) == kOk);
  REQUIRE(f.Touch(2) == kOk);
  REQUIRE(f.Touch(6) == kOk);  // first IO zone >= 1 is 2
  CHECK(f.C(2) == ZoneCondition::kClosed);
  CHECK(f.zi->table().round_robin_cursor() == 3);
  REQUIRE(f.Touch(3) == kOk);  // IO {4, 6}: first >= 3 is 4
  CHECK(f.C(4) == ZoneCondition::kClosed);
  CHECK(f.zi->table().round_robin_cursor() == 5);
  REQUIRE(f.Touch(15) == kOk);  // IO {6, 3}: first >= 5 is 6
  CHECK(f.C(6) == ZoneCondition::kClosed);
  REQUIRE(f.Touch(5) == kOk);  // IO {3, 15}: first >= 7 is 15; cursor wraps to 1
  CHECK(f.C(15) == ZoneCondition::kClosed);
  CHECK(f.zi->table().round_robin_cursor() == 1);
  REQUIRE(f.Touch(8) == kOk);  // IO {3, 5}: first >= 1 is 3
  CHECK(f.C(3) == ZoneCondition::kClosed);
  CHECK(f.C(5) == ZoneCondition::kImplicitOpen);
}

TEST_CASE("implicit close: least_recently_written closes the zone written longest ago") {
  Fixture f(OpenLimit(2), WithPolicy(ImplicitClosePolicy::kLeastRecentlyWritten));
  REQUIRE(f.Touch(1) == kOk);
  REQUIRE(f.Touch(2) == kOk);
  REQUIRE(f.Touch(1) == kOk);  // zone 2 is now the least recently written
  REQUIRE(f.Touch(3) == kOk);
  CHECK(f.C(2) == ZoneCondition::kClosed);
  CHECK(f.C(1) == ZoneCondition::kImplicitOpen);
  REQUIRE(f.Touch(3) == kOk);
  REQUIRE(f.Touch(4) == kOk);
  CHECK(f.C(1) == ZoneCondition::kClosed);
}

TEST_CASE("implicit close: fail policy and explicit opens") {
  {
    Fixture f(OpenLimit(2), WithPolicy(ImplicitClosePolicy::kFail));
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.Touch(2) == kOk);
    CHECK(f.Touch(3) == ZoneStatus::kTooManyOpenZones);
    CHECK(f.C(3) == ZoneCondition::kEmpty);
    CHECK(f.zi->Manage(ZoneAction::kOpen, 3 * kZ) == ZoneStatus::kTooManyOpenZones);
  }
  {
    // Explicit open may implicitly close an IO zone, unless configured off.
    ZoneParams p = WithPolicy(ImplicitClosePolicy::kLowestIndex);
    Fixture f(OpenLimit(2), p);
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.Touch(2) == kOk);
    REQUIRE(f.zi->Manage(ZoneAction::kOpen, 3 * kZ) == kOk);
    CHECK(f.C(1) == ZoneCondition::kClosed);
    CHECK(f.C(3) == ZoneCondition::kExplicitOpen);
    // EO zones are never victims: with 2 EO... make zone 2 EO too.
    REQUIRE(f.zi->Manage(ZoneAction::kOpen, 2 * kZ) == kOk);
    CHECK(f.Touch(4) == ZoneStatus::kTooManyOpenZones);
  }
  {
    ZoneParams p = WithPolicy(ImplicitClosePolicy::kLowestIndex);
    p.implicit_close_on_explicit_open = false;
    Fixture f(OpenLimit(2), p);
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.Touch(2) == kOk);
    CHECK(f.zi->Manage(ZoneAction::kOpen, 3 * kZ) == ZoneStatus::kTooManyOpenZones);
    CHECK(f.Touch(3) == kOk);  // a write still may
    CHECK(f.C(1) == ZoneCondition::kClosed);
  }
}

TEST_CASE("resources: the active limit") {
  Geometry g;
  g.max_active_zones = 2;
  Fixture f(g, profile_params(Profile::kLinux));
  REQUIRE(f.Touch(1) == kOk);
  REQUIRE(f.Touch(2) == kOk);
  REQUIRE(f.zi->Manage(ZoneAction::kClose, 2 * kZ) == kOk);
  CHECK(f.Touch(3) == ZoneStatus::kTooManyActiveZones);
  CHECK(f.zi->Manage(ZoneAction::kOpen, 3 * kZ) == ZoneStatus::kTooManyActiveZones);
  CHECK(f.Touch(2) == kOk);  // CLOSED -> IO needs no new active resource
  REQUIRE(f.zi->Manage(ZoneAction::kFinish, kZ) == kOk);
  CHECK(f.Touch(3) == kOk);
}

TEST_CASE("resources: a CLOSED zone swaps in only with swap_closed_when_active_full") {
  Geometry g;
  g.max_open_zones = 1;
  g.max_active_zones = 2;
  for (bool swap : {false, true}) {
    ZoneParams p = WithPolicy(ImplicitClosePolicy::kLowestIndex);
    p.swap_closed_when_active_full = swap;
    Fixture f(g, p);
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.Touch(2) == kOk);  // zone 1 implicitly closed
    REQUIRE(f.C(1) == ZoneCondition::kClosed);
    if (swap) {
      CHECK(f.Touch(1) == kOk);
      CHECK(f.C(2) == ZoneCondition::kClosed);
      CHECK(f.C(1) == ZoneCondition::kImplicitOpen);
    } else {  // null_blk null_check_open
      CHECK(f.Touch(1) == ZoneStatus::kTooManyOpenZones);
      CHECK(f.C(2) == ZoneCondition::kImplicitOpen);
      CHECK(f.C(1) == ZoneCondition::kClosed);
    }
  }
}

TEST_CASE("resources: QEMU closes the victim before the check, even when it then fails") {
  Geometry g;
  g.max_open_zones = 1;
  g.max_active_zones = 1;
  for (bool early : {false, true}) {
    ZoneParams p = WithPolicy(ImplicitClosePolicy::kOldestOpened);
    p.implicit_close_before_resource_check = early;
    Fixture f(g, p);
    REQUIRE(f.Touch(1) == kOk);
    CHECK(f.Touch(2) == ZoneStatus::kTooManyActiveZones);
    CHECK(f.C(1) == (early ? ZoneCondition::kClosed : ZoneCondition::kImplicitOpen));
  }
}

TEST_CASE("resources: finish of EMPTY/CLOSED zones per profile") {
  Geometry g;
  g.max_open_zones = 1;
  g.max_active_zones = 1;
  {
    // Linux (null_blk): finish of EMPTY needs an active and an open resource.
    Fixture f(g, profile_params(Profile::kLinux));
    REQUIRE(f.Touch(1) == kOk);
    CHECK(f.zi->Manage(ZoneAction::kFinish, 2 * kZ) == ZoneStatus::kTooManyActiveZones);
    CHECK(f.C(2) == ZoneCondition::kEmpty);
  }
  {
    // Without the active rule the open resource comes from an implicit close.
    ZoneParams p = WithPolicy(ImplicitClosePolicy::kLowestIndex);
    p.finish_empty_requires_active = false;
    Geometry g2 = g;
    g2.max_active_zones = 2;
    Fixture f(g2, p);
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.zi->Manage(ZoneAction::kFinish, 2 * kZ) == kOk);
    CHECK(f.C(1) == ZoneCondition::kClosed);
    CHECK(f.C(2) == ZoneCondition::kFull);
  }
  {
    // ZNS: finish needs no resources at all.
    Fixture f(g, profile_params(Profile::kZns));
    REQUIRE(f.Touch(1) == kOk);
    REQUIRE(f.zi->Manage(ZoneAction::kFinish, 2 * kZ) == kOk);
    CHECK(f.C(1) == ZoneCondition::kImplicitOpen);
    CHECK(f.C(2) == ZoneCondition::kFull);
  }
}

TEST_CASE("resources: counters always match the conditions") {
  Geometry g;
  g.max_open_zones = 3;
  g.max_active_zones = 4;
  Fixture f(g, WithPolicy(ImplicitClosePolicy::kRoundRobin));
  uint64_t x = 12345;
  for (int step = 0; step < 300; ++step) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t zone = static_cast<uint32_t>((x >> 33) % 8);
    switch ((x >> 20) % 6) {
      case 0:
      case 1: (void)f.Touch(zone); break;
      case 2: (void)f.zi->Manage(ZoneAction::kOpen, zone * kZ); break;
      case 3: (void)f.zi->Manage(ZoneAction::kClose, zone * kZ); break;
      case 4: (void)f.zi->Manage(ZoneAction::kFinish, zone * kZ); break;
      case 5: (void)f.zi->Manage(ZoneAction::kReset, zone * kZ); break;
    }
    std::vector<ZoneReportEntry> r;
    REQUIRE(f.zi->Report(0, 0, ReportFilter::kAll, &r, nullptr) == kOk);
    ZoneCounts c;
    for (const ZoneReportEntry& e : r) {
      c.implicit_open += e.cond == ZoneCondition::kImplicitOpen;
      c.explicit_open += e.cond == ZoneCondition::kExplicitOpen;
      c.closed += e.cond == ZoneCondition::kClosed;
    }
    REQUIRE(c == f.zi->Counts());
    REQUIRE(c.open() <= 3);
    REQUIRE(c.active() <= 4);
  }
}

}  // namespace
}  // namespace zonesim::test
