// Open and active limits, the resource-check order, and implicit close: every
// victim policy, the overrides a checker may set, and the knobs that change
// the check (implicit_close_on_explicit_open,
// implicit_close_before_resource_check, swap_closed_when_active_full, finish).
#include <doctest/doctest.h>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;

DeviceConfig Limits(Profile p, uint32_t max_open, uint32_t max_active, uint32_t zones = 6,
                    uint32_t conventional = 0) {
  DeviceConfig c = SmallConfig(p, zones);
  c.conventional_zones = conventional;
  c.max_open_zones = max_open;
  c.max_active_zones = max_active;
  REQUIRE_MESSAGE(c.Validate().ok(), c.Validate().ToString());
  return c;
}

DeviceConfig WithPolicy(ImplicitClosePolicy policy, uint32_t max_open, uint32_t zones = 6,
                        uint32_t conventional = 0) {
  DeviceConfig c = Limits(Profile::kLinux, max_open, 0, zones, conventional);
  c.params.implicit_close = policy;
  return c;
}

// One block at the zone's write pointer.
S W(ZoneModel& m, uint32_t z) {
  return m.Write(m.internal_wp(z), kBlock, Payload::Fill(static_cast<uint8_t>(z)));
}

C Cond(const ZoneModel& m, uint32_t z) { return m.zone(z).cond; }

TEST_CASE("unlimited: every zone can be open at once") {
  ZoneModel m(Limits(Profile::kZns, 0, 0));
  for (uint32_t z = 0; z < 6; ++z) REQUIRE(W(m, z) == S::kOk);
  CHECK(m.counts().implicit_open == 6);
  for (uint32_t z = 0; z < 6; ++z) REQUIRE(m.Manage(ZoneAction::kOpen, Start(z)) == S::kOk);
  CHECK(m.counts().explicit_open == 6);
  CHECK(!m.last_implicit_close());
}

TEST_CASE("open limit only") {
  SUBCASE("policy fail: Too Many Open Zones, nothing changes") {
    ZoneModel m(WithPolicy(ImplicitClosePolicy::kFail, 2));
    REQUIRE(W(m, 0) == S::kOk);
    REQUIRE(W(m, 1) == S::kOk);
    CHECK(W(m, 2) == S::kTooManyOpenZones);
    CHECK(m.Manage(ZoneAction::kOpen, Start(2)) == S::kTooManyOpenZones);
    CHECK(Cond(m, 2) == C::kEmpty);
    CHECK(m.counts().implicit_open == 2);
    // Zones already open need nothing.
    CHECK(W(m, 0) == S::kOk);
    CHECK(m.Manage(ZoneAction::kOpen, Start(1)) == S::kOk);
    // Closing one frees an open resource.
    REQUIRE(m.Manage(ZoneAction::kClose, Start(0)) == S::kOk);
    CHECK(W(m, 2) == S::kOk);
    CHECK(m.counts() == Recount(m));
  }
  SUBCASE("only EXPLICIT OPEN zones: no victim, for every policy") {
    for (auto policy : {ImplicitClosePolicy::kAny, ImplicitClosePolicy::kAnyVictim,
                        ImplicitClosePolicy::kOldestOpened, ImplicitClosePolicy::kLowestIndex,
                        ImplicitClosePolicy::kRoundRobin, ImplicitClosePolicy::kLeastRecentlyWritten}) {
      CAPTURE(to_string(policy));
      ZoneModel m(WithPolicy(policy, 2));
      REQUIRE(m.Manage(ZoneAction::kOpen, Start(0)) == S::kOk);
      REQUIRE(m.Manage(ZoneAction::kOpen, Start(1)) == S::kOk);
      CHECK(W(m, 2) == S::kTooManyOpenZones);
      CHECK(m.Manage(ZoneAction::kOpen, Start(2)) == S::kTooManyOpenZones);
      CHECK(m.ImplicitCloseCandidates().empty());
      CHECK(Cond(m, 0) == C::kExplicitOpen);
      CHECK(Cond(m, 1) == C::kExplicitOpen);
    }
  }
}

TEST_CASE("active limit only") {
  ZoneModel m(Limits(Profile::kLinux, 0, 2));
  REQUIRE(W(m, 0) == S::kOk);
  REQUIRE(W(m, 1) == S::kOk);
  CHECK(W(m, 2) == S::kTooManyActiveZones);
  CHECK(m.Manage(ZoneAction::kOpen, Start(2)) == S::kTooManyActiveZones);
  // A CLOSED zone keeps its active resource.
  REQUIRE(m.Manage(ZoneAction::kClose, Start(0)) == S::kOk);
  CHECK(W(m, 2) == S::kTooManyActiveZones);
  // ... and needs no new one to reopen.
  CHECK(W(m, 0) == S::kOk);
  REQUIRE(m.Manage(ZoneAction::kClose, Start(0)) == S::kOk);
  CHECK(m.Manage(ZoneAction::kOpen, Start(0)) == S::kOk);
  // Finishing frees it.
  REQUIRE(m.Manage(ZoneAction::kFinish, Start(0)) == S::kOk);
  CHECK(W(m, 2) == S::kOk);
  CHECK(m.counts() == Recount(m));
  CHECK(m.counts().active() == 2);
}

TEST_CASE("both limits: the active check comes first") {
  ZoneModel m(Limits(Profile::kLinux, 1, 2));  // round_robin, no swap
  REQUIRE(W(m, 0) == S::kOk);
  REQUIRE(W(m, 1) == S::kOk);  // closes zone 0 implicitly
  CHECK(Cond(m, 0) == C::kClosed);
  CHECK(m.last_implicit_close() == 0u);
  // Both limits reached: EMPTY target fails on the active limit, no victim closed.
  CHECK(W(m, 2) == S::kTooManyActiveZones);
  CHECK(Cond(m, 1) == C::kImplicitOpen);
  CHECK(!m.last_implicit_close());
  CHECK(m.counts() == Recount(m));
}

TEST_CASE("swap_closed_when_active_full") {
  for (bool swap : {false, true}) {
    CAPTURE(swap);
    DeviceConfig c = Limits(Profile::kLinux, 1, 2);
    c.params.swap_closed_when_active_full = swap;
    ZoneModel m(c);
    REQUIRE(W(m, 0) == S::kOk);
    REQUIRE(W(m, 1) == S::kOk);  // zone 0 -> CLOSED
    // Reopening CLOSED zone 0 needs an open resource; zone 1 could be closed
    // and the active count would not change, but null_blk refuses.
    const S st = W(m, 0);
    if (swap) {
      CHECK(st == S::kOk);
      CHECK(Cond(m, 0) == C::kImplicitOpen);
      CHECK(Cond(m, 1) == C::kClosed);
    } else {
      CHECK(st == S::kTooManyOpenZones);
      CHECK(Cond(m, 0) == C::kClosed);
      CHECK(Cond(m, 1) == C::kImplicitOpen);
    }
    // The rule does not apply below the active limit.
    DeviceConfig d = Limits(Profile::kLinux, 1, 3);
    d.params.swap_closed_when_active_full = swap;
    ZoneModel n(d);
    REQUIRE(W(n, 0) == S::kOk);
    REQUIRE(W(n, 1) == S::kOk);
    CHECK(W(n, 0) == S::kOk);
  }
}

TEST_CASE("implicit_close_before_resource_check: the victim stays closed when the command fails") {
  for (bool early : {false, true}) {
    CAPTURE(early);
    DeviceConfig c = Limits(Profile::kZns, 1, 1);
    c.params.implicit_close_before_resource_check = early;
    ZoneModel m(c);
    REQUIRE(W(m, 0) == S::kOk);
    const EdgeCoverage before = m.coverage();
    CHECK(W(m, 1) == S::kTooManyActiveZones);
    CHECK(Cond(m, 1) == C::kEmpty);
    if (early) {
      CHECK(Cond(m, 0) == C::kClosed);  // QEMU nvme_zrm_auto_transition_zone
      CHECK(m.last_implicit_close() == 0u);
      CHECK(NewEdges(before, m.coverage()) ==
            std::map<Edge, uint64_t>{{Edge{C::kImplicitOpen, Trigger::kImplicitClose, C::kClosed}, 1}});
    } else {
      CHECK(Cond(m, 0) == C::kImplicitOpen);
      CHECK(!m.last_implicit_close());
      CHECK(NewEdges(before, m.coverage()).empty());
    }
    CHECK(m.counts() == Recount(m));
  }
}

TEST_CASE("implicit_close_on_explicit_open") {
  for (bool allowed : {false, true}) {
    CAPTURE(allowed);
    DeviceConfig c = Limits(Profile::kZns, 1, 0);
    c.params.implicit_close_on_explicit_open = allowed;
    c.params.implicit_close_before_resource_check = true;  // must not bypass the rule
    ZoneModel m(c);
    REQUIRE(W(m, 0) == S::kOk);
    const S st = m.Manage(ZoneAction::kOpen, Start(1));
    CHECK(st == (allowed ? S::kOk : S::kTooManyOpenZones));
    CHECK(Cond(m, 0) == (allowed ? C::kClosed : C::kImplicitOpen));
    CHECK(Cond(m, 1) == (allowed ? C::kExplicitOpen : C::kEmpty));
    // Writes may always close a victim.
    REQUIRE(m.Manage(ZoneAction::kReset, Start(1)) == S::kOk);
    REQUIRE(m.Manage(ZoneAction::kReset, Start(0)) == S::kOk);
    REQUIRE(W(m, 0) == S::kOk);
    CHECK(W(m, 1) == S::kOk);
    CHECK(Cond(m, 0) == C::kClosed);
  }
}

TEST_CASE("finish and resources per profile") {
  SUBCASE("linux: finish of EMPTY needs an active and an open resource") {
    ZoneModel m(Limits(Profile::kLinux, 1, 1));
    REQUIRE(m.Manage(ZoneAction::kOpen, Start(0)) == S::kOk);
    CHECK(m.Manage(ZoneAction::kFinish, Start(1)) == S::kTooManyActiveZones);
    CHECK(Cond(m, 1) == C::kEmpty);
  }
  SUBCASE("linux: finish of CLOSED needs an open resource") {
    ZoneModel m(Limits(Profile::kLinux, 1, 2));
    REQUIRE(W(m, 1) == S::kOk);
    REQUIRE(m.Manage(ZoneAction::kClose, Start(1)) == S::kOk);
    REQUIRE(m.Manage(ZoneAction::kOpen, Start(0)) == S::kOk);
    CHECK(m.Manage(ZoneAction::kFinish, Start(1)) == S::kTooManyOpenZones);
    CHECK(Cond(m, 1) == C::kClosed);
  }
  SUBCASE("zns: finish never needs resources") {
    ZoneModel m(Limits(Profile::kZns, 1, 1));
    REQUIRE(m.Manage(ZoneAction::kOpen, Start(0)) == S::kOk);
    CHECK(m.Manage(ZoneAction::kFinish, Start(1)) == S::kOk);
    CHECK(Cond(m, 1) == C::kFull);
    CHECK(Cond(m, 0) == C::kExplicitOpen);
  }
  SUBCASE("zbc: finish of EMPTY at the open limit closes an IMPLICIT OPEN zone") {
    ZoneModel m(Limits(Profile::kZbc, 1, 0));
    REQUIRE(W(m, 0) == S::kOk);
    CHECK(m.Manage(ZoneAction::kFinish, Start(1)) == S::kOk);
    CHECK(Cond(m, 1) == C::kFull);
    CHECK(Cond(m, 0) == C::kClosed);
    CHECK(m.last_implicit_close() == 0u);
  }
  SUBCASE("zbc: finish with only EXPLICIT OPEN zones fails") {
    ZoneModel m(Limits(Profile::kZbc, 1, 0));
    REQUIRE(m.Manage(ZoneAction::kOpen, Start(0)) == S::kOk);
    CHECK(m.Manage(ZoneAction::kFinish, Start(1)) == S::kTooManyOpenZones);
  }
}

// Runs writes to `zones` in order, returning the implicit-close victim of
// each (or -1).
std::vector<int> Victims(ZoneModel& m, const std::vector<uint32_t>& zones) {
  std::vector<int> out;
  for (uint32_t z : zones) {
    REQUIRE_MESSAGE(W(m, z) == S::kOk, "write to zone ", z);
    out.push_back(m.last_implicit_close() ? static_cast<int>(*m.last_implicit_close()) : -1);
    REQUIRE(m.counts().open() <= m.config().max_open_zones);
    REQUIRE(m.counts() == Recount(m));
  }
  return out;
}

TEST_CASE("victim policy: oldest (FIFO of entering IMPLICIT OPEN)") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kOldestOpened, 3));
  // Open 1, 0, 2; writing zone 1 again does not refresh its place.
  CHECK(Victims(m, {1, 0, 2, 1}) == std::vector<int>{-1, -1, -1, -1});
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{1});
  CHECK(!m.ImplicitCloseMayFail());
  CHECK(Victims(m, {3, 4}) == std::vector<int>{1, 0});
  // Zone 1 comes back (CLOSED -> IO): it is now the youngest.
  CHECK(Victims(m, {1, 5}) == std::vector<int>{2, 3});
}

TEST_CASE("victim policy: least_recently_written") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kLeastRecentlyWritten, 3));
  CHECK(Victims(m, {1, 0, 2, 1}) == std::vector<int>{-1, -1, -1, -1});
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{0});
  // LRW order now 0, 2, 1; zone 3 evicts 0; rewrite 2; zone 4 evicts 1.
  CHECK(Victims(m, {3, 2, 4}) == std::vector<int>{0, -1, 1});
}

TEST_CASE("victim policy: lowest_index") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kLowestIndex, 3));
  CHECK(Victims(m, {2, 1, 3}) == std::vector<int>{-1, -1, -1});
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{1});
  CHECK(Victims(m, {4, 0, 5}) == std::vector<int>{1, 2, 0});
}

TEST_CASE("victim policy: round_robin cursor, including both wraps") {
  for (uint32_t conv : {0u, 1u}) {
    CAPTURE(conv);
    // Zone numbers below are sequential-zone numbers; add `conv`.
    ZoneModel m(WithPolicy(ImplicitClosePolicy::kRoundRobin, 2, 6 + conv, conv));
    auto zs = [conv](std::vector<uint32_t> v) {
      for (auto& z : v) z += conv;
      return v;
    };
    auto vs = [conv](std::vector<int> v) {
      for (auto& z : v) if (z >= 0) z += static_cast<int>(conv);
      return v;
    };
    // Cursor starts at the first sequential zone: 4 is the first IO at/after it.
    CHECK(Victims(m, zs({4, 5, 0})) == vs({-1, -1, 4}));  // cursor -> 5
    REQUIRE(m.Manage(ZoneAction::kClose, Start(5 + conv)) == S::kOk);
    CHECK(Victims(m, zs({1})) == vs({-1}));  // IO = {0, 1}
    // No IO zone at/after the cursor (5): the search wraps to zone 0.
    CHECK(m.ImplicitCloseCandidates() == zs({0}));
    CHECK(Victims(m, zs({2, 3})) == vs({0, 1}));  // cursor 1 -> 2
    // Closing zone 5 (the last zone) moves the cursor past the end: it wraps
    // to the first sequential zone.
    CHECK(Victims(m, zs({5, 4, 0, 1, 2})) == vs({2, 3, 4, 5, 0}));
  }
}

TEST_CASE("victim policy: round_robin moves the cursor past the victim") {
  // The victim comes back to IMPLICIT OPEN without needing a close; the next
  // search starts after it, so it is not picked again straight away.
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kRoundRobin, 2));
  CHECK(Victims(m, {0, 1, 2}) == std::vector<int>{-1, -1, 0});  // cursor 1
  REQUIRE(m.Manage(ZoneAction::kClose, Start(2)) == S::kOk);
  CHECK(Victims(m, {0}) == std::vector<int>{-1});  // IO = {0, 1}
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{1});
  CHECK(Victims(m, {3}) == std::vector<int>{1});
}

TEST_CASE("victim policy: fail") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kFail, 1));
  REQUIRE(W(m, 0) == S::kOk);
  CHECK(m.ImplicitCloseCandidates().empty());
  CHECK(m.ImplicitCloseMayFail());
  CHECK(W(m, 1) == S::kTooManyOpenZones);
  // An override cannot make the model close a zone under `fail`.
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 0});
  CHECK(W(m, 1) == S::kTooManyOpenZones);
  CHECK(Cond(m, 0) == C::kImplicitOpen);
}

TEST_CASE("victim policy: any (ZNS) -- picks like oldest, overrides honoured, failing allowed") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kAny, 2));
  CHECK(Victims(m, {3, 1}) == std::vector<int>{-1, -1});
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{3, 1});  // oldest first
  CHECK(m.ImplicitCloseMayFail());
  // Override: close zone 1 instead of the oldest (3).
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 1});
  CHECK(Victims(m, {0}) == std::vector<int>{1});
  // Override: fail. Nothing changes.
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kFail, 0});
  CHECK(W(m, 2) == S::kTooManyOpenZones);
  CHECK(Cond(m, 2) == C::kEmpty);
  CHECK(Cond(m, 3) == C::kImplicitOpen);
  CHECK(Cond(m, 0) == C::kImplicitOpen);
  // Illegal overrides are ignored: a zone that is not IMPLICIT OPEN, a zone
  // beyond the device. The policy's pick (oldest: 3, then 0) is used.
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 5});
  CHECK(Victims(m, {2}) == std::vector<int>{3});
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 999});
  CHECK(Victims(m, {4}) == std::vector<int>{0});
  // The default (no override) is the oldest.
  CHECK(Victims(m, {5}) == std::vector<int>{2});
}

TEST_CASE("victim policy: any_victim (ZBC-2) -- picks lowest, failing is not allowed") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kAnyVictim, 2));
  CHECK(Victims(m, {3, 1}) == std::vector<int>{-1, -1});
  CHECK(m.ImplicitCloseCandidates() == std::vector<uint32_t>{1, 3});  // index order
  CHECK(!m.ImplicitCloseMayFail());
  // A kFail override is not an allowed outcome: ignored, the lowest is closed.
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kFail, 0});
  CHECK(Victims(m, {0}) == std::vector<int>{1});
  // Any IMPLICIT OPEN zone may be named.
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 3});
  CHECK(Victims(m, {2}) == std::vector<int>{3});
  CHECK(Victims(m, {4}) == std::vector<int>{0});
}

TEST_CASE("overrides on a deterministic policy are ignored") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kLowestIndex, 2));
  CHECK(Victims(m, {1, 2}) == std::vector<int>{-1, -1});
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 2});
  CHECK(Victims(m, {3}) == std::vector<int>{1});
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kFail, 0});
  CHECK(Victims(m, {4}) == std::vector<int>{2});
}

TEST_CASE("an override lasts for the next state-changing call only") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kAny, 2));
  CHECK(Victims(m, {3, 1}) == std::vector<int>{-1, -1});
  // Set, then a call that needs no implicit close: the choice is dropped.
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 1});
  REQUIRE(W(m, 3) == S::kOk);
  CHECK(Victims(m, {0}) == std::vector<int>{3});  // policy (oldest), not 1
  // A Flush in between drops it too.
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kFail, 0});
  REQUIRE(m.Flush() == S::kOk);
  CHECK(Victims(m, {2}) == std::vector<int>{1});
  // Reads do not consume it (they change nothing).
  m.SetNextImplicitClose({ImplicitCloseChoice::Kind::kCloseZone, 2});
  uint8_t buf[kBlock];
  REQUIRE(m.Read(0, kBlock, buf) == S::kOk);
  CHECK(Victims(m, {4}) == std::vector<int>{2});
}

TEST_CASE("last_implicit_close is per call") {
  ZoneModel m(WithPolicy(ImplicitClosePolicy::kLowestIndex, 1));
  REQUIRE(W(m, 0) == S::kOk);
  CHECK(!m.last_implicit_close());
  REQUIRE(W(m, 1) == S::kOk);
  CHECK(m.last_implicit_close() == 0u);
  REQUIRE(W(m, 1) == S::kOk);
  CHECK(!m.last_implicit_close());
}

}  // namespace
}  // namespace zonesim::test
