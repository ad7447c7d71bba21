// ZoneData: the extent list that remembers what each zone holds.
#include <doctest/doctest.h>

#include <vector>

#include "model/zone_data.h"

namespace zonesim {
namespace {

std::vector<uint8_t> Read(const ZoneData& d, uint64_t off, uint64_t n) {
  std::vector<uint8_t> out(n, 0xEE);
  d.Read(off, n, out.data());
  return out;
}

std::vector<uint8_t> Gen(const Payload& p, uint64_t off, size_t n) {
  std::vector<uint8_t> out(n);
  p.Generate(off, n, out.data());
  return out;
}

TEST_CASE("appends merge when the bytes continue") {
  ZoneData d;
  d.Write(100, 10, Payload::Fill(1), 0);
  d.Write(110, 10, Payload::Fill(1), 0);  // fill: always continues
  CHECK(d.extents().size() == 1);
  CHECK(d.extents()[0].length == 20);
  d.Write(120, 10, Payload::Seeded(5), 0);
  d.Write(130, 10, Payload::Seeded(5), 10);  // continues the same request
  CHECK(d.extents().size() == 2);
  d.Write(140, 10, Payload::Seeded(5), 0);  // a new request with the same seed does not
  CHECK(d.extents().size() == 3);
  d.Write(160, 10, Payload::Fill(1), 0);  // a gap does not
  CHECK(d.extents().size() == 4);
  auto got = Read(d, 120, 30);
  auto want = Gen(Payload::Seeded(5), 0, 20);
  auto again = Gen(Payload::Seeded(5), 0, 10);
  want.insert(want.end(), again.begin(), again.end());
  CHECK(got == want);
  // Unwritten bytes are left as the caller filled them.
  auto gap = Read(d, 150, 10);
  CHECK(gap == std::vector<uint8_t>(10, 0xEE));
}

TEST_CASE("overwrites split and trim extents, keeping request positions") {
  ZoneData d;
  const Payload a = Payload::Seeded(1), b = Payload::Seeded(2), c = Payload::Fill(9);
  d.Write(0, 100, a, 0);
  d.Write(40, 20, b, 0);  // middle: head + new + tail
  REQUIRE(d.extents().size() == 3);
  CHECK(d.extents()[2].offset == 60);
  CHECK(d.extents()[2].payload_offset == 60);
  std::vector<uint8_t> want = Gen(a, 0, 100);
  auto wb = Gen(b, 0, 20);
  std::copy(wb.begin(), wb.end(), want.begin() + 40);
  CHECK(Read(d, 0, 100) == want);
  // Covering several extents at once, overlapping both ends.
  d.Write(30, 50, c, 0);
  std::fill(want.begin() + 30, want.begin() + 80, 9);
  CHECK(Read(d, 0, 100) == want);
  CHECK(d.extents().size() == 3);
  // Before everything.
  d.Write(0, 10, b, 5);
  auto w2 = Gen(b, 5, 10);
  std::copy(w2.begin(), w2.end(), want.begin());
  CHECK(Read(d, 0, 100) == want);
  // Extents stay sorted and disjoint.
  for (size_t i = 1; i < d.extents().size(); ++i)
    CHECK(d.extents()[i - 1].end() <= d.extents()[i].offset);
  d.Clear();
  CHECK(d.empty());
  CHECK(Read(d, 0, 4) == std::vector<uint8_t>(4, 0xEE));
}

}  // namespace
}  // namespace zonesim
