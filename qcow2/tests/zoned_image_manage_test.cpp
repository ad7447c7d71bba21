// ZonedImage zone management, Select All, Report and Inject on real image
// files: the transition table of the semantics contract, cell by cell.
#include <doctest/doctest.h>

#include "qcow2/tests/zoned_image_fixture.h"

namespace zonesim::test {
namespace {

constexpr uint64_t kZ = 64 << 10;
constexpr ZoneStatus kOk = ZoneStatus::kOk;
constexpr ZoneStatus kBad = ZoneStatus::kInvalidZoneStateTransition;

struct Fixture {
  testing::TestDir dir;
  Env* env = Env::Default();
  std::string path = dir.File("img.qcow2");
  std::unique_ptr<ZonedImage> zi;
  Fixture(const Geometry& g, const ZoneParams& p) {
    MakeImage(env, path, g);
    zi = OpenImage(env, path, p);
  }
};

// Puts zone i (start i * kZ) into condition c. Uses zones as given, so
// callers pick distinct zones.
void Prepare(ZonedImage* zi, uint32_t i, ZoneCondition c) {
  const uint64_t s = i * kZ;
  switch (c) {
    case ZoneCondition::kEmpty: break;
    case ZoneCondition::kImplicitOpen: REQUIRE(WritePattern(zi, s, 4096) == kOk); break;
    case ZoneCondition::kExplicitOpen: REQUIRE(zi->Manage(ZoneAction::kOpen, s) == kOk); break;
    case ZoneCondition::kClosed:
      REQUIRE(WritePattern(zi, s, 4096) == kOk);
      REQUIRE(zi->Manage(ZoneAction::kClose, s) == kOk);
      break;
    case ZoneCondition::kFull: REQUIRE(zi->Manage(ZoneAction::kFinish, s) == kOk); break;
    case ZoneCondition::kReadOnly: REQUIRE(zi->Inject(ZoneFault::kReadOnly, s) == kOk); break;
    case ZoneCondition::kOffline: REQUIRE(zi->Inject(ZoneFault::kOffline, s) == kOk); break;
    default: FAIL("bad condition");
  }
  REQUIRE(Cond(zi, s) == c);
}

constexpr ZoneCondition kSeqConds[] = {
    ZoneCondition::kEmpty,  ZoneCondition::kImplicitOpen, ZoneCondition::kExplicitOpen,
    ZoneCondition::kClosed, ZoneCondition::kFull,         ZoneCondition::kReadOnly,
    ZoneCondition::kOffline};

struct Cell {
  ZoneStatus status;
  ZoneCondition after;
};

// The contract's table for one action, profile and starting condition.
Cell Expected(ZoneAction a, const ZoneParams& p, ZoneCondition c) {
  using C = ZoneCondition;
  const bool ro_off = c == C::kReadOnly || c == C::kOffline;
  switch (a) {
    case ZoneAction::kOpen:
      if (ro_off) return {kBad, c};
      if (c == C::kFull) return {p.open_full_zone == PointlessOp::kNoOp ? kOk : kBad, c};
      return {kOk, C::kExplicitOpen};
    case ZoneAction::kClose:
      if (ro_off) return {kBad, c};
      if (c == C::kEmpty || c == C::kFull)
        return {p.close_empty_or_full_zone == PointlessOp::kNoOp ? kOk : kBad, c};
      if (c == C::kExplicitOpen)  // prepared without data: wp == start
        return {kOk, p.close_empty_open_zone == CloseEmptyResult::kEmpty ? C::kEmpty : C::kClosed};
      return {kOk, C::kClosed};
    case ZoneAction::kFinish:
      if (ro_off) return {kBad, c};
      return {kOk, C::kFull};
    case ZoneAction::kReset:
      if (ro_off) return {kBad, c};
      return {kOk, C::kEmpty};
    case ZoneAction::kOffline:
      if (p.profile != Profile::kZns) return {ZoneStatus::kNotSupported, c};
      if (c == C::kReadOnly || c == C::kOffline) return {kOk, C::kOffline};
      return {kBad, c};
  }
  return {kBad, c};
}

TEST_CASE("zoned image: single-zone management follows the transition table") {
  for (const ZoneParams& p : kProfiles) {
    for (ZoneAction a : {ZoneAction::kOpen, ZoneAction::kClose, ZoneAction::kFinish,
                         ZoneAction::kReset, ZoneAction::kOffline}) {
      Fixture f(Geometry{}, p);
      uint32_t i = 1;
      for (ZoneCondition c : kSeqConds) {
        CAPTURE(to_string(p.profile));
        CAPTURE(to_string(a));
        CAPTURE(to_string(c));
        Prepare(f.zi.get(), i, c);
        Cell want = Expected(a, p, c);
        CHECK(f.zi->Manage(a, i * kZ) == want.status);
        CHECK(Cond(f.zi.get(), i * kZ) == want.after);
        ++i;
      }
    }
  }
}

TEST_CASE("zoned image: management argument checks") {
  Geometry g;
  g.conventional_zones = 1;
  for (const ZoneParams& p : kProfiles) {
    CAPTURE(to_string(p.profile));
    Fixture f(g, p);
    for (ZoneAction a : {ZoneAction::kOpen, ZoneAction::kClose, ZoneAction::kFinish,
                         ZoneAction::kReset}) {
      CHECK(f.zi->Manage(a, 1 << 20) == ZoneStatus::kLbaOutOfRange);
      CHECK(f.zi->Manage(a, kZ + 512) == ZoneStatus::kInvalidField);
      CHECK(f.zi->Manage(a, 0) == kBad);  // conventional
    }
    // Offline outside ZNS is not supported, checked before anything else.
    CHECK(f.zi->Manage(ZoneAction::kOffline, 1 << 20) ==
          (p.profile == Profile::kZns ? ZoneStatus::kLbaOutOfRange : ZoneStatus::kNotSupported));
  }
}

TEST_CASE("zoned image: close of an unwritten open zone, ZNS vs Linux") {
  for (Profile prof : {Profile::kZns, Profile::kLinux}) {
    Fixture f(Geometry{}, profile_params(prof));
    REQUIRE(f.zi->Manage(ZoneAction::kOpen, 0) == kOk);
    CHECK(f.zi->Counts().explicit_open == 1);
    REQUIRE(f.zi->Manage(ZoneAction::kClose, 0) == kOk);
    if (prof == Profile::kZns) {
      CHECK(Cond(f.zi.get(), 0) == ZoneCondition::kClosed);
      CHECK(f.zi->Counts().closed == 1);  // keeps its active resource
    } else {
      CHECK(Cond(f.zi.get(), 0) == ZoneCondition::kEmpty);
      CHECK(f.zi->Counts() == ZoneCounts{});
    }
  }
}

TEST_CASE("zoned image: finish sets wp to the zone end; reset forgets the data") {
  Geometry g;
  g.zone_capacity = 48 << 10;
  Fixture f(g, profile_params(Profile::kLinux));
  REQUIRE(WritePattern(f.zi.get(), kZ, 4096) == kOk);
  REQUIRE(f.zi->Manage(ZoneAction::kFinish, kZ) == kOk);
  ZoneReportEntry e = ReportOne(f.zi.get(), kZ);
  CHECK(e.cond == ZoneCondition::kFull);
  CHECK(e.wp == 2 * kZ);  // as_written after finish: start + zone length
  std::vector<uint8_t> got = ReadBack(f.zi.get(), kZ, kZ);
  CHECK(std::vector<uint8_t>(got.begin(), got.begin() + 4096) == Pattern(kZ, 4096));
  CHECK(std::all_of(got.begin() + 4096, got.end(), [](uint8_t b) { return b == 0; }));
  REQUIRE(f.zi->Manage(ZoneAction::kReset, kZ) == kOk);
  e = ReportOne(f.zi.get(), kZ);
  CHECK(e.cond == ZoneCondition::kEmpty);
  CHECK(e.wp == kZ);
  got = ReadBack(f.zi.get(), kZ, kZ);
  CHECK(std::all_of(got.begin(), got.end(), [](uint8_t b) { return b == 0; }));
  // The zone is writable from its start again.
  REQUIRE(WritePattern(f.zi.get(), kZ, 1024, 5) == kOk);
  CHECK(ReadBack(f.zi.get(), kZ, 1024) == Pattern(kZ, 1024, 5));
}

TEST_CASE("zoned image: FULL write pointer reports per full_wp") {
  Geometry g;
  g.zone_capacity = 48 << 10;
  for (FullWpReport w : {FullWpReport::kAsWritten, FullWpReport::kCapacityEnd,
                         FullWpReport::kZoneEnd, FullWpReport::kAllOnes}) {
    ZoneParams p = profile_params(Profile::kLinux);
    p.full_wp = w;
    Fixture f(g, p);
    REQUIRE(WritePattern(f.zi.get(), 0, 48 << 10) == kOk);  // full by writing
    REQUIRE(f.zi->Manage(ZoneAction::kFinish, kZ) == kOk);  // full by finish
    uint64_t written = ReportOne(f.zi.get(), 0).wp, finished = ReportOne(f.zi.get(), kZ).wp;
    switch (w) {
      case FullWpReport::kAsWritten:
        CHECK(written == (48 << 10));
        CHECK(finished == 2 * kZ);
        break;
      case FullWpReport::kCapacityEnd:
        CHECK(written == (48 << 10));
        CHECK(finished == kZ + (48 << 10));
        break;
      case FullWpReport::kZoneEnd:
        CHECK(written == kZ);
        CHECK(finished == 2 * kZ);
        break;
      case FullWpReport::kAllOnes:
        CHECK(written == UINT64_MAX);
        CHECK(finished == UINT64_MAX);
        break;
    }
  }
}

TEST_CASE("zoned image: open all, atomic and partial") {
  Geometry g;
  g.max_open_zones = 3;
  for (bool atomic : {true, false}) {
    // ZBC: a device Open All (Linux has none: its whole-device open is one
    // open per zone, see the linux test below).
    ZoneParams p = profile_params(Profile::kZbc);
    p.open_all_atomic = atomic;
    Fixture f(g, p);
    for (uint32_t i = 0; i < 3; ++i) Prepare(f.zi.get(), i, ZoneCondition::kClosed);
    REQUIRE(f.zi->Manage(ZoneAction::kOpen, 5 * kZ) == kOk);
    REQUIRE(f.zi->Manage(ZoneAction::kOpen, 6 * kZ) == kOk);
    // 2 open + 3 closed > 3.
    CHECK(f.zi->ManageAll(ZoneAction::kOpen) == ZoneStatus::kTooManyOpenZones);
    ZoneCounts c = f.zi->Counts();
    if (atomic) {
      CHECK(c.closed == 3);
      CHECK(c.explicit_open == 2);
    } else {  // the lowest-numbered closed zone got the last open slot
      CHECK(c.closed == 2);
      CHECK(c.explicit_open == 3);
      CHECK(Cond(f.zi.get(), 0) == ZoneCondition::kExplicitOpen);
      CHECK(Cond(f.zi.get(), kZ) == ZoneCondition::kClosed);
    }
    REQUIRE(f.zi->ManageAll(ZoneAction::kClose) == kOk);
    c = f.zi->Counts();
    CHECK(c.open() == 0);
    CHECK(c.closed == 3);  // the two unwritten EO zones went EMPTY (ZBC)
    REQUIRE(f.zi->ManageAll(ZoneAction::kOpen) == kOk);
    CHECK(f.zi->Counts().explicit_open == 3);
  }
}

TEST_CASE("zoned image: close/finish/reset/offline all") {
  Geometry g;
  g.conventional_zones = 1;
  Fixture f(g, profile_params(Profile::kZns));
  ZonedImage* zi = f.zi.get();
  Prepare(zi, 1, ZoneCondition::kImplicitOpen);
  Prepare(zi, 2, ZoneCondition::kExplicitOpen);
  Prepare(zi, 3, ZoneCondition::kClosed);
  Prepare(zi, 4, ZoneCondition::kFull);
  Prepare(zi, 5, ZoneCondition::kReadOnly);
  Prepare(zi, 6, ZoneCondition::kReadOnly);
  Prepare(zi, 7, ZoneCondition::kOffline);
  REQUIRE(WritePattern(zi, 0, 4096) == kOk);  // conventional data survives everything
  REQUIRE(zi->ManageAll(ZoneAction::kClose) == kOk);
  CHECK(Cond(zi, kZ) == ZoneCondition::kClosed);
  CHECK(Cond(zi, 2 * kZ) == ZoneCondition::kClosed);  // ZNS: unwritten EO -> CLOSED
  REQUIRE(zi->ManageAll(ZoneAction::kFinish) == kOk);
  for (uint32_t i : {1, 2, 3, 4}) CHECK(Cond(zi, i * kZ) == ZoneCondition::kFull);
  CHECK(Cond(zi, 8 * kZ) == ZoneCondition::kEmpty);  // EMPTY zones are not finished
  CHECK(zi->Counts() == ZoneCounts{});
  REQUIRE(zi->ManageAll(ZoneAction::kReset) == kOk);
  for (uint32_t i : {1, 2, 3, 4}) CHECK(Cond(zi, i * kZ) == ZoneCondition::kEmpty);
  CHECK(Cond(zi, 5 * kZ) == ZoneCondition::kReadOnly);
  CHECK(Cond(zi, 7 * kZ) == ZoneCondition::kOffline);
  CHECK(Cond(zi, 0) == ZoneCondition::kNotWp);
  CHECK(ReadBack(zi, 0, 4096) == Pattern(0, 4096));
  REQUIRE(zi->ManageAll(ZoneAction::kOffline) == kOk);
  CHECK(Cond(zi, 5 * kZ) == ZoneCondition::kOffline);
  CHECK(Cond(zi, 6 * kZ) == ZoneCondition::kOffline);
  // Outside ZNS there is no offline action.
  Fixture l(g, profile_params(Profile::kLinux));
  CHECK(l.zi->ManageAll(ZoneAction::kOffline) == ZoneStatus::kNotSupported);
}

// Issue 18: Linux's block layer has a whole-device command only for reset;
// open, close and finish of the whole device are one command per zone
// (block/blk-zoned.c blkdev_zone_mgmt), each answered as null_blk answers it.
TEST_CASE("zoned image: linux whole-device open/close/finish are per-zone commands") {
  Geometry g;
  g.conventional_zones = 1;
  g.max_open_zones = 3;
  Fixture f(g, profile_params(Profile::kLinux));
  ZonedImage* zi = f.zi.get();
  Prepare(zi, 1, ZoneCondition::kImplicitOpen);
  Prepare(zi, 2, ZoneCondition::kFull);
  // Conventional, EMPTY and FULL zones fail their close (EIO); zone 1 closes.
  CHECK(zi->ManageAll(ZoneAction::kClose) == ZoneStatus::kInvalidZoneStateTransition);
  CHECK(Cond(zi, kZ) == ZoneCondition::kClosed);
  CHECK(Cond(zi, 3 * kZ) == ZoneCondition::kEmpty);
  // Open: zone 1 and the EMPTY zones 3, 4 take the three open resources;
  // zone 2 (FULL) and the zones past the limit fail.
  CHECK(zi->ManageAll(ZoneAction::kOpen) == ZoneStatus::kInvalidZoneStateTransition);
  CHECK(zi->Counts() == ZoneCounts{0, 3, 0});
  CHECK(Cond(zi, 4 * kZ) == ZoneCondition::kExplicitOpen);
  CHECK(Cond(zi, 5 * kZ) == ZoneCondition::kEmpty);
  // Finish reaches the EMPTY zones too.
  CHECK(zi->ManageAll(ZoneAction::kFinish) == ZoneStatus::kInvalidZoneStateTransition);
  for (uint32_t i = 1; i < 16; ++i) CHECK(Cond(zi, i * kZ) == ZoneCondition::kFull);
  // Reset keeps its whole-device form: it skips the conventional zone.
  CHECK(zi->ManageAll(ZoneAction::kReset) == kOk);
  CHECK(Cond(zi, 5 * kZ) == ZoneCondition::kEmpty);
}

TEST_CASE("zoned image: report filters, limits and partial") {
  Geometry g;
  g.conventional_zones = 2;
  Fixture f(g, profile_params(Profile::kLinux));
  ZonedImage* zi = f.zi.get();
  Prepare(zi, 3, ZoneCondition::kImplicitOpen);
  Prepare(zi, 5, ZoneCondition::kFull);
  Prepare(zi, 6, ZoneCondition::kReadOnly);
  Prepare(zi, 7, ZoneCondition::kOffline);
  std::vector<ZoneReportEntry> r;
  bool partial = true;
  REQUIRE(zi->Report(0, 0, ReportFilter::kAll, &r, &partial) == kOk);
  CHECK(r.size() == 16);
  CHECK_FALSE(partial);
  CHECK(r[1].cond == ZoneCondition::kNotWp);
  CHECK(r[1].wp == kZ);
  CHECK(r[3].wp == 3 * kZ + 4096);
  CHECK(r[6].wp == UINT64_MAX);
  CHECK(r[7].wp == UINT64_MAX);
  REQUIRE(zi->Report(kZ + 4096, 0, ReportFilter::kEmpty, &r, &partial) == kOk);
  CHECK(r.size() == 16 - 2 - 4);
  CHECK(r.front().start == 2 * kZ);
  REQUIRE(zi->Report(0, 2, ReportFilter::kEmpty, &r, &partial) == kOk);
  CHECK(r.size() == 2);
  CHECK(partial);
  REQUIRE(zi->Report(15 * kZ, 1, ReportFilter::kEmpty, &r, &partial) == kOk);
  CHECK(r.size() == 1);
  CHECK_FALSE(partial);
  REQUIRE(zi->Report(0, 5, ReportFilter::kNotWp, &r, &partial) == kOk);
  CHECK(r.size() == 2);
  CHECK_FALSE(partial);
  REQUIRE(zi->Report(0, 0, ReportFilter::kClosed, &r, &partial) == kOk);
  CHECK(r.empty());
  CHECK(zi->Report(1 << 20, 0, ReportFilter::kAll, &r, &partial) == ZoneStatus::kLbaOutOfRange);
}

TEST_CASE("zoned image: inject read-only and offline") {
  Geometry g;
  g.conventional_zones = 1;
  g.max_active_zones = 2;
  Fixture f(g, profile_params(Profile::kLinux));
  ZonedImage* zi = f.zi.get();
  CHECK(zi->Inject(ZoneFault::kReadOnly, 1 << 20) == ZoneStatus::kLbaOutOfRange);
  CHECK(zi->Inject(ZoneFault::kReadOnly, kZ + 512) == ZoneStatus::kInvalidField);
  CHECK(zi->Inject(ZoneFault::kOffline, 0) == kBad);
  Prepare(zi, 1, ZoneCondition::kImplicitOpen);
  Prepare(zi, 2, ZoneCondition::kClosed);
  CHECK(zi->Counts().active() == 2);
  REQUIRE(zi->Inject(ZoneFault::kReadOnly, kZ) == kOk);  // frees its resources
  CHECK(zi->Counts().active() == 1);
  CHECK(ReadBack(zi, kZ, 4096) == Pattern(kZ, 4096));  // data kept readable
  CHECK(zi->Inject(ZoneFault::kReadOnly, kZ) == kOk);    // no-op
  REQUIRE(zi->Inject(ZoneFault::kOffline, kZ) == kOk);
  CHECK(zi->Inject(ZoneFault::kReadOnly, kZ) == kBad);
  CHECK(zi->Inject(ZoneFault::kOffline, kZ) == kOk);
  REQUIRE(zi->Inject(ZoneFault::kOffline, 2 * kZ) == kOk);
  CHECK(zi->Counts() == ZoneCounts{});
  std::vector<uint8_t> out(512);
  CHECK(zi->Read(2 * kZ, 512, out.data()) == ZoneStatus::kZoneIsOffline);
}

}  // namespace
}  // namespace zonesim::test
