// Select All / ALL-bit forms across many zones: which zones each one touches,
// open-all atomic vs partial, and that nothing but open-all ever fails.
#include <doctest/doctest.h>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;

// Zones: 0-1 conventional, then one sequential zone in each condition.
// 2 E, 3 IO, 4 EO(start), 5 EO(written), 6 C, 7 F, 8 RO, 9 OFF.
ZoneModel Mixed(Profile p) {
  DeviceConfig c = SmallConfig(p, 10);
  c.conventional_zones = 2;
  REQUIRE(c.Validate().ok());
  ZoneModel m(c);
  Drive(m, 3, Setup::kImplicitOpen);
  Drive(m, 4, Setup::kExplicitOpenAtStart);
  Drive(m, 5, Setup::kExplicitOpenWritten);
  Drive(m, 6, Setup::kClosed);
  Drive(m, 7, Setup::kFullWritten);
  Drive(m, 8, Setup::kReadOnly);
  Drive(m, 9, Setup::kOffline);
  return m;
}

std::vector<C> Conds(const ZoneModel& m) {
  std::vector<C> out;
  for (uint32_t z = 0; z < m.nr_zones(); ++z) out.push_back(m.zone(z).cond);
  return out;
}

const C NW = C::kNotWp;

TEST_CASE("close all") {
  for (Profile p : kProfiles) {
    CAPTURE(Name(p));
    ZoneModel m = Mixed(p);
    // Linux: one close per zone; the conventional, EMPTY, FULL, READ ONLY and
    // OFFLINE zones fail theirs (EIO), the open zones still close.
    const S want = p == Profile::kLinux ? S::kInvalidZoneStateTransition : S::kOk;
    CHECK(m.ManageAll(ZoneAction::kClose) == want);
    const C at_start = p == Profile::kZns ? C::kClosed : C::kEmpty;
    CHECK(Conds(m) == std::vector<C>{NW, NW, C::kEmpty, C::kClosed, at_start, C::kClosed,
                                     C::kClosed, C::kFull, C::kReadOnly, C::kOffline});
    CHECK(m.counts() == Recount(m));
    CHECK(m.counts().open() == 0);
  }
}

TEST_CASE("finish all: EMPTY zones are not finished (but for linux)") {
  for (Profile p : kProfiles) {
    CAPTURE(Name(p));
    ZoneModel m = Mixed(p);
    // Linux: one finish per zone, so the EMPTY zone is finished as well and
    // the conventional ones fail theirs.
    const bool lx = p == Profile::kLinux;
    CHECK(m.ManageAll(ZoneAction::kFinish) == (lx ? S::kInvalidZoneStateTransition : S::kOk));
    CHECK(Conds(m) == std::vector<C>{NW, NW, lx ? C::kFull : C::kEmpty, C::kFull, C::kFull, C::kFull, C::kFull,
                                     C::kFull, C::kReadOnly, C::kOffline});
    CHECK(m.internal_wp(6) == Start(6) + kZone);
    CHECK(m.counts() == ZoneCounts{});
  }
}

TEST_CASE("reset all skips EMPTY, READ ONLY, OFFLINE and conventional zones") {
  for (Profile p : kProfiles) {
    CAPTURE(Name(p));
    ZoneModel m = Mixed(p);
    const EdgeCoverage before = m.coverage();
    CHECK(m.ManageAll(ZoneAction::kReset) == S::kOk);
    CHECK(Conds(m) == std::vector<C>{NW, NW, C::kEmpty, C::kEmpty, C::kEmpty, C::kEmpty,
                                     C::kEmpty, C::kEmpty, C::kReadOnly, C::kOffline});
    for (uint32_t z = 2; z <= 7; ++z) CHECK(m.internal_wp(z) == Start(z));
    CHECK(!m.zone_data(8).empty());  // read-only data kept
    // Only the zones that changed are recorded: 3, 4, 5, 6, 7.
    uint64_t recorded = 0;
    for (const auto& [e, n] : NewEdges(before, m.coverage())) {
      CHECK(e.trigger == Trigger::kResetAll);
      recorded += n;
    }
    CHECK(recorded == 5);
  }
}

TEST_CASE("offline all: ZNS only, READ ONLY -> OFFLINE") {
  for (Profile p : kProfiles) {
    CAPTURE(Name(p));
    ZoneModel m = Mixed(p);
    const auto before = Conds(m);
    if (p != Profile::kZns) {
      CHECK(m.ManageAll(ZoneAction::kOffline) == S::kNotSupported);
      CHECK(Conds(m) == before);
      continue;
    }
    CHECK(m.ManageAll(ZoneAction::kOffline) == S::kOk);
    auto want = before;
    want[8] = C::kOffline;
    CHECK(Conds(m) == want);
  }
}

TEST_CASE("open all with no limit opens every CLOSED zone and nothing else") {
  ZoneModel m = Mixed(Profile::kZns);
  REQUIRE(m.Manage(ZoneAction::kClose, Start(3)) == S::kOk);
  CHECK(m.ManageAll(ZoneAction::kOpen) == S::kOk);
  CHECK(Conds(m) == std::vector<C>{NW, NW, C::kEmpty, C::kExplicitOpen, C::kExplicitOpen,
                                   C::kExplicitOpen, C::kExplicitOpen, C::kFull, C::kReadOnly,
                                   C::kOffline});
  // Nothing CLOSED: success, no change.
  CHECK(m.ManageAll(ZoneAction::kOpen) == S::kOk);
}

TEST_CASE("open all at the open limit: atomic vs partial") {
  for (bool atomic : {true, false}) {
    CAPTURE(atomic);
    DeviceConfig c = SmallConfig(Profile::kZns, 6);
    c.max_open_zones = 3;
    c.params.open_all_atomic = atomic;
    ZoneModel m(c);
    // Zones 1, 2, 4 CLOSED; zone 0 IMPLICIT OPEN: open = 1, closed = 3.
    for (uint32_t z : {1u, 2u, 4u}) Drive(m, z, Setup::kClosed);
    Drive(m, 0, Setup::kImplicitOpen);
    const EdgeCoverage before = m.coverage();
    CHECK(m.ManageAll(ZoneAction::kOpen) == S::kTooManyOpenZones);
    if (atomic) {
      // Nothing changes, and no implicit close happens either.
      CHECK(m.zone(1).cond == C::kClosed);
      CHECK(m.zone(2).cond == C::kClosed);
      CHECK(m.zone(4).cond == C::kClosed);
      CHECK(m.zone(0).cond == C::kImplicitOpen);
      CHECK(NewEdges(before, m.coverage()).empty());
    } else {
      // QEMU: in index order until the limit; the earlier ones stay open.
      CHECK(m.zone(1).cond == C::kExplicitOpen);
      CHECK(m.zone(2).cond == C::kExplicitOpen);
      CHECK(m.zone(4).cond == C::kClosed);
      CHECK(m.zone(0).cond == C::kImplicitOpen);
      CHECK(NewEdges(before, m.coverage()) ==
            std::map<Edge, uint64_t>{{Edge{C::kClosed, Trigger::kOpenAll, C::kExplicitOpen}, 2}});
    }
    CHECK(m.counts() == Recount(m));
    CHECK(m.counts().open() <= 3);
    // Exactly at the limit succeeds.
    REQUIRE(m.Manage(ZoneAction::kClose, Start(0)) == S::kOk);
    if (!atomic) {
      CHECK(m.ManageAll(ZoneAction::kOpen) == S::kTooManyOpenZones);  // 2 EO + 2 C > 3
    } else {
      CHECK(m.ManageAll(ZoneAction::kOpen) == S::kTooManyOpenZones);  // 4 C > 3
      REQUIRE(m.Manage(ZoneAction::kReset, Start(0)) == S::kOk);
      CHECK(m.ManageAll(ZoneAction::kOpen) == S::kOk);  // 3 C == 3
      CHECK(m.counts().explicit_open == 3);
    }
  }
}

TEST_CASE("select all never fails for resources") {
  DeviceConfig c = SmallConfig(Profile::kZns, 6);
  c.max_open_zones = 1;
  c.max_active_zones = 2;
  ZoneModel m(c);
  Drive(m, 0, Setup::kImplicitOpen);
  Drive(m, 1, Setup::kImplicitOpen);  // closes 0
  CHECK(m.ManageAll(ZoneAction::kFinish) == S::kOk);
  CHECK(m.counts() == ZoneCounts{});
  CHECK(m.ManageAll(ZoneAction::kReset) == S::kOk);
  CHECK(m.ManageAll(ZoneAction::kClose) == S::kOk);
}

}  // namespace
}  // namespace zonesim::test

namespace zonesim::test {
namespace {

// Issue 18: Linux has a whole-device command only for reset
// (REQ_OP_ZONE_RESET_ALL). block/blk-zoned.c blkdev_zone_mgmt sends open,
// close and finish of [0, capacity) as one chained bio per zone, all of them
// submitted; null_blk (drivers/block/null_blk/zoned.c) answers each as the
// per-zone command, and the whole call fails if any zone failed.
TEST_CASE("linux: whole-device open, close and finish are per-zone commands") {
  DeviceConfig c = SmallConfig(Profile::kLinux, 6);
  c.max_open_zones = 2;
  c.max_active_zones = 3;
  REQUIRE(c.Validate().ok());

  SUBCASE("close meeting EMPTY zones fails, but closes the open ones") {
    ZoneModel m(c);
    Drive(m, 1, Setup::kImplicitOpen);
    Drive(m, 3, Setup::kExplicitOpenWritten);
    CHECK(m.ManageAll(ZoneAction::kClose) == S::kInvalidZoneStateTransition);  // EIO
    CHECK(m.zone(0).cond == ZoneCondition::kEmpty);
    CHECK(m.zone(1).cond == ZoneCondition::kClosed);
    CHECK(m.zone(3).cond == ZoneCondition::kClosed);
    CHECK(m.coverage().counts().count(Edge{C::kImplicitOpen, Trigger::kCloseAll, C::kClosed}) == 0);
    CHECK(m.coverage().counts().count(Edge{C::kImplicitOpen, Trigger::kClose, C::kClosed}) == 1);
  }
  SUBCASE("close with every zone open or closed succeeds") {
    DeviceConfig two = SmallConfig(Profile::kLinux, 2);
    ZoneModel m(two);
    Drive(m, 0, Setup::kImplicitOpen);
    Drive(m, 1, Setup::kClosed);
    CHECK(m.ManageAll(ZoneAction::kClose) == S::kOk);
    CHECK(m.counts() == ZoneCounts{0, 0, 2});
  }
  SUBCASE("finish finishes EMPTY zones too, until the resources run out") {
    ZoneModel m(c);
    Drive(m, 4, Setup::kClosed);
    // null_finish_zone of EMPTY/CLOSED needs an active (EMPTY) and an open
    // resource; the zones finish one by one, so resources free up again.
    CHECK(m.ManageAll(ZoneAction::kFinish) == S::kOk);
    for (uint32_t z = 0; z < 6; ++z) CHECK(m.zone(z).cond == ZoneCondition::kFull);
  }
  SUBCASE("open opens EMPTY zones until the open limit, then fails") {
    ZoneModel m(c);
    CHECK(m.ManageAll(ZoneAction::kOpen) == S::kTooManyOpenZones);
    CHECK(m.zone(0).cond == ZoneCondition::kExplicitOpen);
    CHECK(m.zone(1).cond == ZoneCondition::kExplicitOpen);
    CHECK(m.zone(2).cond == ZoneCondition::kEmpty);
  }
  SUBCASE("conventional zones fail each command, the sequential ones still run") {
    DeviceConfig cv = c;
    cv.conventional_zones = 1;
    cv.max_open_zones = cv.max_active_zones = 0;
    REQUIRE(cv.Validate().ok());
    ZoneModel m(cv);
    Drive(m, 2, Setup::kImplicitOpen);
    Drive(m, 3, Setup::kImplicitOpen);
    Drive(m, 4, Setup::kClosed);
    Drive(m, 5, Setup::kFullWritten);
    Drive(m, 1, Setup::kFullWritten);
    CHECK(m.ManageAll(ZoneAction::kClose) == S::kInvalidZoneStateTransition);
    CHECK(m.counts() == ZoneCounts{0, 0, 3});
  }
  SUBCASE("reset keeps its whole-device form: EMPTY and conventional zones are skipped") {
    DeviceConfig cv = c;
    cv.conventional_zones = 1;
    ZoneModel m(cv);
    Drive(m, 2, Setup::kFullWritten);
    CHECK(m.ManageAll(ZoneAction::kReset) == S::kOk);
    CHECK(m.coverage().counts().count(Edge{C::kFull, Trigger::kResetAll, C::kEmpty}) == 1);
  }
  SUBCASE("zns and zbc keep Select All") {
    for (Profile p : {Profile::kZns, Profile::kZbc}) {
      ZoneModel m(SmallConfig(p, 6));
      Drive(m, 1, Setup::kImplicitOpen);
      CHECK(m.ManageAll(ZoneAction::kClose) == S::kOk);
      CHECK(m.ManageAll(ZoneAction::kFinish) == S::kOk);
      CHECK(m.zone(0).cond == ZoneCondition::kEmpty);
      CHECK(m.zone(1).cond == ZoneCondition::kFull);
    }
  }
}

}  // namespace
}  // namespace zonesim::test
