// ZoneHistories: the per-zone power-loss histories since the last flush,
// kept by slot so a whole-device command allocates nothing per zone.
#include <doctest/doctest.h>

#include "model/zone_history.h"

namespace zonesim {
namespace {

HistorySegment Segment(uint64_t wp) {
  HistorySegment s;
  s.from.wp = wp;
  return s;
}

TEST_CASE("zone histories: find, create once, erase anywhere, hand over by zone") {
  ZoneHistories h;
  h.Resize(10);
  CHECK(h.size() == 0);
  CHECK(h.find(3) == nullptr);
  for (uint32_t z : {7u, 2u, 9u, 4u}) {
    auto [hist, created] = h.try_emplace(z);
    REQUIRE(created);
    hist->segments.push_back(Segment(z * 100));
  }
  CHECK_FALSE(h.try_emplace(2).second);  // already there: the same history
  CHECK(h.find(2)->segments.front().from.wp == 200);
  h.erase(7);  // the first one: the last takes its slot
  h.erase(5);  // never created: nothing happens
  CHECK(h.size() == 3);
  CHECK(h.find(7) == nullptr);
  CHECK(h.find(4)->segments.front().from.wp == 400);
  CHECK(h.find(9)->segments.front().from.wp == 900);
  h[7].segments.push_back(Segment(701));  // a reused history starts empty
  CHECK(h.find(7)->segments.size() == 1);
  std::map<uint32_t, ZoneHistory> by_zone = h.TakeByZone();
  CHECK(h.size() == 0);
  CHECK(h.find(2) == nullptr);
  std::vector<uint32_t> zones;
  for (const auto& [z, hist] : by_zone) {
    zones.push_back(z);
    REQUIRE(hist.segments.size() == 1);
    CHECK(hist.segments.front().from.wp == (z == 7 ? 701 : z * 100));
  }
  CHECK(zones == std::vector<uint32_t>{2, 4, 7, 9});
}

TEST_CASE("zone histories: clear forgets every zone and keeps nothing of their contents") {
  ZoneHistories h;
  h.Resize(4);
  for (uint32_t z = 0; z < 4; ++z) h[z].segments.push_back(Segment(z));
  h.clear();
  CHECK(h.size() == 0);
  for (uint32_t z = 0; z < 4; ++z) {
    CHECK(h.find(z) == nullptr);
    auto [hist, created] = h.try_emplace(z);
    CHECK(created);
    CHECK(hist->segments.empty());
    CHECK(hist->writes.empty());
  }
}

}  // namespace
}  // namespace zonesim
