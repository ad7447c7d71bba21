// ZoneList and ZoneTable on their own: list order, counters that follow
// conditions, victim choice per policy, dirty tracking.
#include <doctest/doctest.h>

#include "qcow2/zoned/zone_list.h"
#include "qcow2/zoned/zone_table.h"

namespace zonesim {
namespace {

TEST_CASE("zone list: keeps insertion order, removes anywhere, ignores duplicates") {
  ZoneList l;
  l.Resize(8);
  CHECK(l.empty());
  CHECK(l.front() == ZoneList::kNone);
  for (uint32_t z : {5u, 1u, 7u, 3u}) l.PushBack(z);
  l.PushBack(1);  // already in: no change
  CHECK(l.Members() == std::vector<uint32_t>{5, 1, 7, 3});
  l.Remove(5);  // head
  l.Remove(3);  // tail
  l.Remove(4);  // not in
  CHECK(l.Members() == std::vector<uint32_t>{1, 7});
  CHECK(l.size() == 2);
  l.PushBack(5);
  CHECK(l.Members() == std::vector<uint32_t>{1, 7, 5});
  CHECK(l.Contains(7));
  CHECK_FALSE(l.Contains(3));
  l.Remove(7);  // middle
  CHECK(l.Members() == std::vector<uint32_t>{1, 5});
  CHECK(l.front() == 1);
  CHECK(l.next(1) == 5);
  CHECK(l.next(5) == ZoneList::kNone);
}

TEST_CASE("zone table: NextInCondition finds what a scan of the records finds") {
  // A filtered report visits only what NextInCondition returns: it must
  // agree with a scan over several 64-zone bitmap words.
  DeviceConfig c;
  c.size = uint64_t{300} << 20;
  c.zone_size = c.zone_capacity = 1 << 20;
  c.conventional_zones = 3;
  ZoneTable t;
  REQUIRE(t.Init(c).ok());
  const ZoneCondition conds[] = {ZoneCondition::kEmpty,    ZoneCondition::kImplicitOpen, ZoneCondition::kExplicitOpen,
                                 ZoneCondition::kClosed,   ZoneCondition::kFull,         ZoneCondition::kReadOnly,
                                 ZoneCondition::kOffline};
  uint64_t x = 5;
  for (int step = 0; step < 4000; ++step) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    t.SetCondition(3 + static_cast<uint32_t>((x >> 33) % 297), conds[(x >> 20) % 7]);
    if (step % 250 != 0) continue;
    for (ZoneCondition want : {ZoneCondition::kNotWp, ZoneCondition::kEmpty, ZoneCondition::kImplicitOpen,
                               ZoneCondition::kExplicitOpen, ZoneCondition::kClosed, ZoneCondition::kFull,
                               ZoneCondition::kReadOnly, ZoneCondition::kOffline}) {
      for (uint32_t z = 0; z <= 300; z += 3) {
        uint32_t expect = 300;
        for (uint32_t i = z; i < 300; ++i)
          if (t[i].cond == want) { expect = i; break; }
        CHECK(t.NextInCondition(want, z) == expect);
      }
    }
    uint32_t non_empty = 0;
    for (uint32_t i = 3; i < 300; ++i) non_empty += t[i].cond != ZoneCondition::kEmpty;
    CHECK(t.non_empty().size() == non_empty);
  }
}

TEST_CASE("zone table: records are stored only for pages where a zone changed") {
  // Issue 14: an image of millions of zones keeps no record per untouched
  // zone; the table computes the initial record instead.
  DeviceConfig c;
  c.zone_size = c.zone_capacity = 1 << 20;
  c.size = uint64_t{100000} * c.zone_size;
  c.conventional_zones = 2;
  ZoneTable t;
  REQUIRE(t.Init(c).ok());
  CHECK(t.pages_allocated() == 0);
  CHECK(t[0].cond == ZoneCondition::kNotWp);
  CHECK(t[1].wp == c.zone_start(1));
  const ZoneRecord r = t[77777];
  CHECK(r.cond == ZoneCondition::kEmpty);
  CHECK(r.wp == c.zone_start(77777));
  CHECK(r.persisted_wp == r.wp);
  CHECK(r.last_write == 0);
  t.SetCondition(77777, ZoneCondition::kEmpty);  // no change: no page
  CHECK(t.pages_allocated() == 0);
  t.at(77777).wp += 4096;
  t.SetCondition(77777, ZoneCondition::kImplicitOpen);
  t.SetCondition(99999, ZoneCondition::kFull);
  CHECK(t.pages_allocated() == 2);
  CHECK(t[77777].wp == c.zone_start(77777) + 4096);
  CHECK(t[77777].cond == ZoneCondition::kImplicitOpen);
  // The other zones of the allocated page start in their initial state.
  CHECK(t[77776].cond == ZoneCondition::kEmpty);
  CHECK(t[77776].wp == c.zone_start(77776));
  CHECK(t[77778].persisted_wp == c.zone_start(77778));
  CHECK(t[99999].cond == ZoneCondition::kFull);
  CHECK(t.NextInCondition(ZoneCondition::kEmpty, 77777) == 77778);
  CHECK(t.NextInCondition(ZoneCondition::kEmpty, 99999) == 100000);
  CHECK(t.NextInCondition(ZoneCondition::kNotWp, 0) == 0);
  CHECK(t.NextInCondition(ZoneCondition::kEmpty, 0) == 2);
}

TEST_CASE("zone table: conditions drive the lists and counters") {
  DeviceConfig c;
  c.size = 16 << 20;
  c.zone_size = c.zone_capacity = 1 << 20;
  c.conventional_zones = 2;
  ZoneTable t;
  t.Init(c);
  CHECK(t.size() == 16);
  CHECK(t[0].cond == ZoneCondition::kNotWp);
  CHECK(t[2].cond == ZoneCondition::kEmpty);
  CHECK(t[5].wp == 5u << 20);
  CHECK(t.round_robin_cursor() == 2);
  t.SetCondition(4, ZoneCondition::kImplicitOpen);
  t.SetCondition(3, ZoneCondition::kImplicitOpen);
  t.SetCondition(6, ZoneCondition::kExplicitOpen);
  t.SetCondition(7, ZoneCondition::kClosed);
  CHECK(t.counts() == ZoneCounts{2, 1, 1});
  t.SetCondition(4, ZoneCondition::kImplicitOpen);  // same condition: FIFO position kept
  CHECK(t.implicit_open().Members() == std::vector<uint32_t>{4, 3});
  t.SetCondition(6, ZoneCondition::kClosed);
  t.SetCondition(7, ZoneCondition::kFull);
  CHECK(t.counts() == ZoneCounts{2, 0, 1});
  t.SetCondition(3, ZoneCondition::kReadOnly);
  CHECK(t.counts() == ZoneCounts{1, 0, 1});
}

TEST_CASE("zone table: victims per policy") {
  DeviceConfig c;
  c.size = 8 << 20;
  c.zone_size = c.zone_capacity = 1 << 20;
  ZoneTable t;
  t.Init(c);
  CHECK_FALSE(t.PickVictim(ImplicitClosePolicy::kOldestOpened).has_value());
  for (uint32_t z : {5u, 2u, 6u}) {
    t.SetCondition(z, ZoneCondition::kImplicitOpen);
    t.NoteWrite(z);
  }
  t.NoteWrite(5);  // 2 is now the least recently written
  CHECK(t.PickVictim(ImplicitClosePolicy::kFail) == std::nullopt);
  CHECK(t.PickVictim(ImplicitClosePolicy::kOldestOpened) == 5u);
  CHECK(t.PickVictim(ImplicitClosePolicy::kAny) == 5u);
  CHECK(t.PickVictim(ImplicitClosePolicy::kLowestIndex) == 2u);
  CHECK(t.PickVictim(ImplicitClosePolicy::kAnyVictim) == 2u);
  CHECK(t.PickVictim(ImplicitClosePolicy::kLeastRecentlyWritten) == 2u);
  CHECK(t.PickVictim(ImplicitClosePolicy::kRoundRobin) == 2u);
  t.NoteVictimClosed(5);
  CHECK(t.round_robin_cursor() == 6);
  CHECK(t.PickVictim(ImplicitClosePolicy::kRoundRobin) == 6u);
  t.NoteVictimClosed(7);  // past the last zone: wraps to the first sequential zone
  CHECK(t.round_robin_cursor() == 0);
}

TEST_CASE("zone table: dirty zones come back once, in order") {
  DeviceConfig c;
  c.size = 8 << 20;
  c.zone_size = c.zone_capacity = 1 << 20;
  ZoneTable t;
  t.Init(c);
  t.MarkDirty(4);
  t.MarkDirty(1);
  t.MarkDirty(4);
  CHECK(t.TakeDirty() == std::vector<uint32_t>{4, 1});
  CHECK(t.TakeDirty().empty());
}

}  // namespace
}  // namespace zonesim
