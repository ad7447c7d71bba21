// Power cycle policies and fault injection.
#include <doctest/doctest.h>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;

// 0 E, 1 IO, 2 EO(start), 3 EO(written), 4 C, 5 C(start, ZNS only), 6 F, 7 RO, 8 OFF.
ZoneModel Mixed(PowerCyclePolicy policy) {
  DeviceConfig c = SmallConfig(Profile::kZns, 9);
  c.params.power_cycle = policy;
  ZoneModel m(c);
  Drive(m, 1, Setup::kImplicitOpen);
  Drive(m, 2, Setup::kExplicitOpenAtStart);
  Drive(m, 3, Setup::kExplicitOpenWritten);
  Drive(m, 4, Setup::kClosed);
  Drive(m, 5, Setup::kClosedAtStart);
  Drive(m, 6, Setup::kFullWritten);
  Drive(m, 7, Setup::kReadOnly);
  Drive(m, 8, Setup::kOffline);
  return m;
}

std::vector<C> Conds(const ZoneModel& m) {
  std::vector<C> out;
  for (uint32_t z = 0; z < m.nr_zones(); ++z) out.push_back(m.zone(z).cond);
  return out;
}

TEST_CASE("power cycle: close_open") {
  ZoneModel m = Mixed(PowerCyclePolicy::kCloseOpenZones);
  m.PowerCycle();
  CHECK(Conds(m) == std::vector<C>{C::kEmpty, C::kClosed, C::kEmpty, C::kClosed, C::kClosed,
                                   C::kEmpty, C::kFull, C::kReadOnly, C::kOffline});
  CHECK(m.counts().open() == 0);
  CHECK(m.counts() == Recount(m));
  // Data persists.
  std::vector<uint8_t> buf(kBlock);
  REQUIRE(m.Read(Start(1), kBlock, buf.data()) == S::kOk);
  CHECK(buf[0] == 0x11);
  CHECK(m.internal_wp(4) == Start(4) + kBlock);
}

TEST_CASE("power cycle: keep") {
  ZoneModel m = Mixed(PowerCyclePolicy::kKeep);
  const auto before = Conds(m);
  const EdgeCoverage cov = m.coverage();
  m.PowerCycle();
  CHECK(Conds(m) == before);
  CHECK(NewEdges(cov, m.coverage()).empty());
}

TEST_CASE("power cycle: wipe") {
  ZoneModel m = Mixed(PowerCyclePolicy::kWipeToEmpty);
  m.PowerCycle();
  CHECK(Conds(m) == std::vector<C>{C::kEmpty, C::kEmpty, C::kEmpty, C::kEmpty, C::kEmpty,
                                   C::kEmpty, C::kEmpty, C::kReadOnly, C::kOffline});
  for (uint32_t z = 0; z <= 6; ++z) {
    CHECK(m.internal_wp(z) == Start(z));
    CHECK(m.zone_data(z).empty());
  }
  CHECK(!m.zone_data(7).empty());  // READ ONLY data survives
  CHECK(m.counts() == ZoneCounts{});
}

TEST_CASE("power cycle: all_full") {
  ZoneModel m = Mixed(PowerCyclePolicy::kAllFull);
  const EdgeCoverage cov = m.coverage();
  m.PowerCycle();
  CHECK(Conds(m) == std::vector<C>{C::kFull, C::kFull, C::kFull, C::kFull, C::kFull, C::kFull,
                                   C::kFull, C::kReadOnly, C::kOffline});
  for (uint32_t z = 0; z <= 6; ++z) CHECK(m.internal_wp(z) == Start(z) + kZone);
  // Only zones that changed are recorded (zone 6 was already FULL).
  uint64_t n = 0;
  for (const auto& [e, k] : NewEdges(cov, m.coverage())) n += k;
  CHECK(n == 6);
  std::vector<uint8_t> buf(kBlock);
  REQUIRE(m.Read(Start(1), kBlock, buf.data()) == S::kOk);
  CHECK(buf[0] == 0x11);  // data persists
}

TEST_CASE("power cycle forgets the victim history") {
  // oldest + keep: IO zones survive; their order restarts in index order.
  DeviceConfig c = SmallConfig(Profile::kLinux, 6);
  c.max_open_zones = 3;
  c.params.implicit_close = ImplicitClosePolicy::kOldestOpened;
  c.params.power_cycle = PowerCyclePolicy::kKeep;
  ZoneModel m(c);
  for (uint32_t z : {2u, 1u, 0u}) REQUIRE(m.Write(Start(z), kBlock, Payload::Fill(1)) == S::kOk);
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{2});
  m.PowerCycle();
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{0});
  // round_robin: the cursor goes back to the first sequential zone.
  DeviceConfig r = SmallConfig(Profile::kLinux, 6);
  r.max_open_zones = 2;
  r.params.power_cycle = PowerCyclePolicy::kKeep;
  ZoneModel rr(r);
  for (uint32_t z : {0u, 1u, 2u, 3u}) REQUIRE(rr.Write(Start(z), kBlock, Payload::Fill(1)) == S::kOk);
  REQUIRE(rr.last_implicit_close() == 1u);  // victims 0 then 1: cursor now 2, IO = {2, 3}
  REQUIRE(rr.Manage(ZoneAction::kClose, Start(2)) == S::kOk);
  REQUIRE(rr.Write(Start(0) + kBlock, kBlock, Payload::Fill(1)) == S::kOk);  // IO = {0, 3}
  CHECK(rr.ImplicitCloseCandidates() == std::vector<uint32_t>{3});  // first IO at/after 2
  rr.PowerCycle();
  CHECK(rr.ImplicitCloseCandidates() == std::vector<uint32_t>{0});  // cursor back at 0
  REQUIRE(rr.Write(Start(4), kBlock, Payload::Fill(1)) == S::kOk);
  CHECK(rr.last_implicit_close() == 0u);
}

TEST_CASE("inject: argument checks and per-condition results") {
  DeviceConfig c = SmallConfig(Profile::kLinux, 6);
  c.conventional_zones = 1;
  ZoneModel m(c);
  CHECK(m.Inject(ZoneFault::kReadOnly, c.size) == S::kLbaOutOfRange);
  CHECK(m.Inject(ZoneFault::kReadOnly, Start(2) + kBlock) == S::kInvalidField);
  CHECK(m.Inject(ZoneFault::kOffline, Start(0)) == S::kInvalidZoneStateTransition);
  // Resources are freed when an open zone becomes READ ONLY.
  Drive(m, 2, Setup::kImplicitOpen);
  Drive(m, 3, Setup::kClosed);
  REQUIRE(m.counts().active() == 2);
  CHECK(m.Inject(ZoneFault::kReadOnly, Start(2)) == S::kOk);
  CHECK(m.Inject(ZoneFault::kReadOnly, Start(3)) == S::kOk);
  CHECK(m.counts() == ZoneCounts{});
  CHECK(m.zone(2).wp == UINT64_MAX);
  // READ ONLY -> OFFLINE by fault; OFFLINE cannot become READ ONLY.
  CHECK(m.Inject(ZoneFault::kOffline, Start(2)) == S::kOk);
  CHECK(m.zone(2).cond == C::kOffline);
  CHECK(m.Inject(ZoneFault::kReadOnly, Start(2)) == S::kInvalidZoneStateTransition);
  CHECK(m.Inject(ZoneFault::kOffline, Start(2)) == S::kOk);  // no-op
  // Nothing leaves OFFLINE, READ ONLY only by offline.
  for (ZoneAction a : {ZoneAction::kOpen, ZoneAction::kClose, ZoneAction::kFinish, ZoneAction::kReset}) {
    CHECK(m.Manage(a, Start(2)) == S::kInvalidZoneStateTransition);
    CHECK(m.Manage(a, Start(3)) == S::kInvalidZoneStateTransition);
  }
}

TEST_CASE("zone management argument errors") {
  for (Profile p : kProfiles) {
    CAPTURE(Name(p));
    ZoneModel m(SmallConfig(p));
    const uint64_t size = m.config().size;
    for (ZoneAction a : {ZoneAction::kOpen, ZoneAction::kClose, ZoneAction::kFinish, ZoneAction::kReset}) {
      CHECK(m.Manage(a, size) == S::kLbaOutOfRange);
      CHECK(m.Manage(a, size + kZone + 1) == S::kLbaOutOfRange);
      CHECK(m.Manage(a, Start(1) + kBlock) == S::kInvalidField);
      CHECK(m.Manage(a, 1) == S::kInvalidField);
    }
    // Offline outside ZNS is not supported, before any argument check.
    const S off = p == Profile::kZns ? S::kLbaOutOfRange : S::kNotSupported;
    CHECK(m.Manage(ZoneAction::kOffline, size) == off);
    CHECK(m.coverage().empty());
  }
}

}  // namespace
}  // namespace zonesim::test
