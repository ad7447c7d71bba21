// Write and Zone Append: every error path in the contract's check order, the
// precedence switch, zone capacity below the zone size, a smaller last zone,
// conventional zones, append limits and assigned offsets.
#include <doctest/doctest.h>

#include <cerrno>
#include <limits>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

const Payload kData = Payload::Fill(0xab);

// Every zone's report, to check that a failed command changed nothing.
std::vector<ZoneReportEntry> Snapshot(const ZoneModel& m) {
  std::vector<ZoneReportEntry> all;
  REQUIRE(m.Report(0, 0, ReportFilter::kAll, &all) == ZoneStatus::kOk);
  return all;
}

TEST_CASE("write argument errors, in check order, change nothing") {
  for (Profile p : kProfiles) {
    CAPTURE(Name(p));
    ZoneModel m(SmallConfig(p));
    const auto before = Snapshot(m);
    const uint64_t size = m.config().size;
    CHECK(m.Write(0, 0, kData) == ZoneStatus::kInvalidField);
    CHECK(m.Write(1, kBlock, kData) == ZoneStatus::kUnalignedRequest);
    CHECK(m.Write(0, kBlock + 1, kData) == ZoneStatus::kUnalignedRequest);
    CHECK(m.Write(size, kBlock, kData) == ZoneStatus::kLbaOutOfRange);
    CHECK(m.Write(size - kBlock, 2 * kBlock, kData) == ZoneStatus::kLbaOutOfRange);
    // offset + length overflowing 64 bits is out of range, not a wrap-around.
    const uint64_t huge = std::numeric_limits<uint64_t>::max() / kBlock * kBlock;
    CHECK(m.Write(kBlock, huge, kData) == ZoneStatus::kLbaOutOfRange);
    // length 0 wins over misalignment; misalignment over range.
    CHECK(m.Write(size + 1, 0, kData) == ZoneStatus::kInvalidField);
    CHECK(m.Write(size + 1, kBlock, kData) == ZoneStatus::kUnalignedRequest);
    CHECK(Snapshot(m) == before);
    CHECK(m.coverage().empty());
  }
}

TEST_CASE("write precedence: state_first vs boundary_first") {
  // A FULL zone and a write from its start that crosses the zone end.
  for (auto prec : {ErrorPrecedence::kStateFirst, ErrorPrecedence::kBoundaryFirst}) {
    DeviceConfig c = SmallConfig(Profile::kLinux);
    c.params.precedence = prec;
    ZoneModel m(c);
    REQUIRE(m.Write(Start(1), kZone, kData) == ZoneStatus::kOk);
    REQUIRE(m.zone(1).cond == ZoneCondition::kFull);
    const bool state_first = prec == ErrorPrecedence::kStateFirst;
    CHECK(m.Write(Start(1), kZone + kBlock, kData) ==
          (state_first ? ZoneStatus::kZoneIsFull : ZoneStatus::kZoneBoundaryError));
    // Not at wp AND crossing: wp error first only with state_first.
    REQUIRE(m.Write(Start(2), kBlock, kData) == ZoneStatus::kOk);
    CHECK(m.Write(Start(2) + 4 * kBlock, kZone, kData) ==
          (state_first ? ZoneStatus::kZoneInvalidWrite : ZoneStatus::kZoneBoundaryError));
    // READ ONLY and OFFLINE zones likewise.
    REQUIRE(m.Inject(ZoneFault::kReadOnly, Start(3)) == ZoneStatus::kOk);
    REQUIRE(m.Inject(ZoneFault::kOffline, Start(4)) == ZoneStatus::kOk);
    CHECK(m.Write(Start(3), kZone + kBlock, kData) ==
          (state_first ? ZoneStatus::kZoneIsReadOnly : ZoneStatus::kZoneBoundaryError));
    CHECK(m.Write(Start(4), kZone + kBlock, kData) ==
          (state_first ? ZoneStatus::kZoneIsOffline : ZoneStatus::kZoneBoundaryError));
    // Without a crossing both agree on the state error.
    CHECK(m.Write(Start(3), kBlock, kData) == ZoneStatus::kZoneIsReadOnly);
    CHECK(m.Write(Start(4), kBlock, kData) == ZoneStatus::kZoneIsOffline);
    CHECK(m.Write(Start(1), kBlock, kData) == ZoneStatus::kZoneIsFull);
  }
}

TEST_CASE("write at the wp advances it; below or above the wp fails") {
  ZoneModel m(SmallConfig(Profile::kZns));
  REQUIRE(m.Write(Start(1), 2 * kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.internal_wp(1) == Start(1) + 2 * kBlock);
  CHECK(m.zone(1).wp == Start(1) + 2 * kBlock);
  CHECK(m.Write(Start(1), kBlock, kData) == ZoneStatus::kZoneInvalidWrite);              // below
  CHECK(m.Write(Start(1) + 3 * kBlock, kBlock, kData) == ZoneStatus::kZoneInvalidWrite);  // above
  CHECK(m.Write(Start(1) + 2 * kBlock, kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.internal_wp(1) == Start(1) + 3 * kBlock);
  // Exactly up to the capacity makes the zone FULL and frees its resources.
  CHECK(m.Write(Start(1) + 3 * kBlock, kZone - 3 * kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.zone(1).cond == ZoneCondition::kFull);
  CHECK(m.counts() == ZoneCounts{});
}

TEST_CASE("zone capacity below the zone size") {
  for (Profile p : {Profile::kZns, Profile::kLinux}) {  // ZBC has no zone capacity
    CAPTURE(Name(p));
    DeviceConfig c = SmallConfig(p);
    c.zone_capacity = 12 * kBlock;
    REQUIRE(c.Validate().ok());
    ZoneModel m(c);
    const uint64_t cap_end = Start(1) + 12 * kBlock;
    CHECK(m.zone(1).capacity == 12 * kBlock);
    CHECK(m.zone(1).length == kZone);
    // Crossing the capacity (not the zone end) is already a boundary error.
    CHECK(m.Write(Start(1), 13 * kBlock, kData) == ZoneStatus::kZoneBoundaryError);
    CHECK(m.Write(Start(1), 12 * kBlock, kData) == ZoneStatus::kOk);
    CHECK(m.zone(1).cond == ZoneCondition::kFull);
    CHECK(m.internal_wp(1) == cap_end);
    // Finish moves the wp to the zone end instead (null_finish_zone).
    REQUIRE(m.Write(Start(2), kBlock, kData) == ZoneStatus::kOk);
    REQUIRE(m.Manage(ZoneAction::kFinish, Start(2)) == ZoneStatus::kOk);
    CHECK(m.internal_wp(2) == Start(2) + kZone);
    // Writing between capacity and zone end: boundary error after state?
    // The zone is FULL, so with state_first the state wins.
    CHECK(m.Write(cap_end, kBlock, kData) == ZoneStatus::kZoneIsFull);
  }
}

TEST_CASE("smaller last zone: length and capacity capped") {
  DeviceConfig c = SmallConfig(Profile::kLinux);
  c.size = 5 * kZone + 3 * kBlock;  // zone 5 has 3 blocks
  c.zone_capacity = 12 * kBlock;
  REQUIRE(c.Validate().ok());
  ZoneModel m(c);
  REQUIRE(m.nr_zones() == 6);
  CHECK(m.zone(5).length == 3 * kBlock);
  CHECK(m.zone(5).capacity == 3 * kBlock);
  CHECK(m.Write(Start(5), 4 * kBlock, kData) == ZoneStatus::kLbaOutOfRange);
  CHECK(m.Write(Start(5), 3 * kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.zone(5).cond == ZoneCondition::kFull);
  CHECK(m.zone(5).wp == Start(5) + 3 * kBlock);
  CHECK(m.Manage(ZoneAction::kReset, Start(5)) == ZoneStatus::kOk);
  CHECK(m.Manage(ZoneAction::kFinish, Start(5)) == ZoneStatus::kOk);
  CHECK(m.internal_wp(5) == Start(5) + 3 * kBlock);
}

TEST_CASE("conventional zones: random writes, boundary into sequential, no zone management") {
  DeviceConfig c = SmallConfig(Profile::kZbc);
  c.conventional_zones = 2;
  REQUIRE(c.Validate().ok());
  ZoneModel m(c);
  // Random order, overwrites, spanning the two conventional zones.
  CHECK(m.Write(5 * kBlock, kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.Write(0, kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.Write(5 * kBlock, 2 * kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.Write(kZone - kBlock, 2 * kBlock, kData) == ZoneStatus::kOk);
  CHECK(m.Write(0, 2 * kZone, kData) == ZoneStatus::kOk);
  // Reaching into the first sequential zone (zone 2) is a boundary error.
  CHECK(m.Write(2 * kZone - kBlock, 2 * kBlock, kData) == ZoneStatus::kZoneBoundaryError);
  CHECK(m.zone(2).cond == ZoneCondition::kEmpty);
  // No zone is ever opened by these writes and no edge is recorded.
  CHECK(m.counts() == ZoneCounts{});
  CHECK(m.coverage().empty());
  // Zone management, append and fault injection refuse conventional zones.
  for (ZoneAction a : {ZoneAction::kOpen, ZoneAction::kClose, ZoneAction::kFinish, ZoneAction::kReset})
    CHECK_MESSAGE(m.Manage(a, Start(1)) == ZoneStatus::kInvalidZoneStateTransition, to_string(a));
  uint64_t assigned = 0;
  DeviceConfig cl = c;
  cl.params = profile_params(Profile::kLinux);
  ZoneModel linux_model(cl);
  // Linux block/blk-core.c blk_check_zone_append and null_blk: EIO (issue 18).
  CHECK(linux_model.Append(Start(0), kBlock, kData, &assigned) == ZoneStatus::kZoneInvalidWrite);
  CHECK(linux_errno(ZoneStatus::kZoneInvalidWrite) == EIO);
  CHECK(m.Inject(ZoneFault::kReadOnly, Start(0)) == ZoneStatus::kInvalidZoneStateTransition);
  CHECK(m.Inject(ZoneFault::kOffline, Start(1)) == ZoneStatus::kInvalidZoneStateTransition);
  // Select All leaves them alone.
  for (ZoneAction a : {ZoneAction::kOpen, ZoneAction::kClose, ZoneAction::kFinish, ZoneAction::kReset})
    CHECK(m.ManageAll(a) == ZoneStatus::kOk);
  CHECK(m.zone(0).cond == ZoneCondition::kNotWp);
  CHECK(m.zone(1).cond == ZoneCondition::kNotWp);
  CHECK(m.zone(0).type == ZoneType::kConventional);
  CHECK(m.zone(0).wp == Start(0));
  CHECK(m.zone(0).capacity == kZone);
}

TEST_CASE("append errors in the contract's order") {
  DeviceConfig c = SmallConfig(Profile::kLinux);
  c.conventional_zones = 1;
  ZoneModel m(c);
  uint64_t assigned = 777;
  const uint64_t size = c.size;
  CHECK(m.Append(Start(1), 0, kData, &assigned) == ZoneStatus::kInvalidField);
  CHECK(m.Append(Start(1) + 1, kBlock, kData, &assigned) == ZoneStatus::kUnalignedRequest);
  CHECK(m.Append(Start(1), kBlock + 1, kData, &assigned) == ZoneStatus::kUnalignedRequest);
  CHECK(m.Append(size, kBlock, kData, &assigned) == ZoneStatus::kLbaOutOfRange);
  // The block layer's checks (blk_check_zone_append): EIO, not EINVAL.
  CHECK(m.Append(Start(1) + kBlock, kBlock, kData, &assigned) == ZoneStatus::kZoneInvalidWrite);
  CHECK(m.Append(Start(0), kBlock, kData, &assigned) == ZoneStatus::kZoneInvalidWrite);  // conventional
  CHECK(m.Append(Start(1), c.max_append_bytes + kBlock, kData, &assigned) ==
        ZoneStatus::kZoneBoundaryError);
  CHECK(assigned == 777);  // untouched on failure
  CHECK(m.coverage().empty());

  // The standards answer Invalid Field (ZNS 3.4.1 ZSLBA, Figure 50 ZASL).
  DeviceConfig n = c;
  n.params = profile_params(Profile::kZns);
  ZoneModel zns(n);
  CHECK(zns.Append(Start(1) + kBlock, kBlock, kData, &assigned) == ZoneStatus::kInvalidField);
  CHECK(zns.Append(Start(0), kBlock, kData, &assigned) == ZoneStatus::kInvalidField);
  CHECK(zns.Append(Start(1), c.max_append_bytes + kBlock, kData, &assigned) ==
        ZoneStatus::kInvalidField);

  DeviceConfig z = SmallConfig(Profile::kZbc);
  ZoneModel zbc(z);
  CHECK(zbc.Append(Start(1), kBlock, kData, &assigned) == ZoneStatus::kNotSupported);
  // kNotSupported comes before every argument check.
  CHECK(zbc.Append(Start(1) + 1, 0, kData, &assigned) == ZoneStatus::kNotSupported);
}

TEST_CASE("append assigns consecutive offsets and fills the zone") {
  for (Profile p : {Profile::kZns, Profile::kLinux}) {
    CAPTURE(Name(p));
    DeviceConfig c = SmallConfig(p);
    ZoneModel m(c);
    uint64_t assigned = 0;
    uint64_t expect = Start(3);
    // Exactly max_append_bytes is allowed.
    for (int i = 0; i < 4; ++i) {
      REQUIRE(m.Append(Start(3), c.max_append_bytes, Payload::Seeded(i), &assigned) == ZoneStatus::kOk);
      CHECK(assigned == expect);
      expect += c.max_append_bytes;
    }
    CHECK(m.zone(3).cond == ZoneCondition::kFull);
    CHECK(m.Append(Start(3), kBlock, kData, &assigned) == ZoneStatus::kZoneIsFull);
    // Data landed where the offsets say.
    std::vector<uint8_t> got(c.max_append_bytes), want(c.max_append_bytes);
    REQUIRE(m.Read(Start(3) + 2 * c.max_append_bytes, c.max_append_bytes, got.data()) == ZoneStatus::kOk);
    Payload::Seeded(2).Generate(0, want.size(), want.data());
    CHECK(got == want);
    // An append crossing the capacity is a boundary error.
    REQUIRE(m.Write(Start(4), kZone - kBlock, kData) == ZoneStatus::kOk);
    CHECK(m.Append(Start(4), 2 * kBlock, kData, &assigned) == ZoneStatus::kZoneBoundaryError);
    CHECK(m.Append(Start(4), kBlock, kData, &assigned) == ZoneStatus::kOk);
    CHECK(assigned == Start(4) + kZone - kBlock);
    // Read only / offline zones.
    REQUIRE(m.Inject(ZoneFault::kReadOnly, Start(1)) == ZoneStatus::kOk);
    REQUIRE(m.Inject(ZoneFault::kOffline, Start(2)) == ZoneStatus::kOk);
    CHECK(m.Append(Start(1), kBlock, kData, &assigned) == ZoneStatus::kZoneIsReadOnly);
    CHECK(m.Append(Start(2), kBlock, kData, &assigned) == ZoneStatus::kZoneIsOffline);
    // A null `assigned` is allowed.
    CHECK(m.Append(Start(0), kBlock, kData, nullptr) == ZoneStatus::kOk);
  }
}

TEST_CASE("append precedence: boundary_first reports the boundary of a FULL zone") {
  DeviceConfig c = SmallConfig(Profile::kLinux);
  c.params.precedence = ErrorPrecedence::kBoundaryFirst;
  ZoneModel m(c);
  uint64_t assigned = 0;
  REQUIRE(m.Write(Start(1), kZone, kData) == ZoneStatus::kOk);
  // The internal wp of a FULL zone is at its capacity: any append crosses it.
  CHECK(m.Append(Start(1), kBlock, kData, &assigned) == ZoneStatus::kZoneBoundaryError);
  c.params.precedence = ErrorPrecedence::kStateFirst;
  ZoneModel s(c);
  REQUIRE(s.Write(Start(1), kZone, kData) == ZoneStatus::kOk);
  CHECK(s.Append(Start(1), kBlock, kData, &assigned) == ZoneStatus::kZoneIsFull);
}

TEST_CASE("flush always succeeds and changes nothing") {
  ZoneModel m(SmallConfig(Profile::kZns));
  REQUIRE(m.Write(0, kBlock, kData) == ZoneStatus::kOk);
  const auto before = Snapshot(m);
  CHECK(m.Flush() == ZoneStatus::kOk);
  CHECK(Snapshot(m) == before);
}

}  // namespace
}  // namespace zonesim::test
