// ZoneIndex agrees with a scan of every zone: counts, the k-th zone of a
// condition (EMPTY by complement) and the non-EMPTY zones, after a
// deterministic stream of condition changes.
#include <doctest/doctest.h>

#include <vector>

#include "model/zone_index.h"

namespace zonesim {

TEST_CASE("ZoneIndex answers like a scan of every zone") {
  using C = ZoneCondition;
  const C kConds[] = {C::kEmpty, C::kImplicitOpen, C::kExplicitOpen, C::kClosed,
                      C::kReadOnly, C::kFull, C::kOffline};
  const uint32_t first = 3, n = 1000;  // several 64-zone words, the first partly conventional
  std::vector<C> cond(n, C::kEmpty);
  ZoneIndex index;
  index.Init(first, n);
  uint64_t x = 12345;
  for (int step = 0; step < 6000; ++step) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t z = first + static_cast<uint32_t>((x >> 33) % (n - first));
    C to = kConds[(x >> 20) % 7];
    index.Move(z, cond[z], to);
    cond[z] = to;
    if (step % 97 != 0) continue;
    std::vector<uint32_t> non_empty;
    for (uint32_t i = first; i < n; ++i)
      if (cond[i] != C::kEmpty) non_empty.push_back(i);
    CHECK(index.non_empty() == non_empty);
    for (C c : kConds) {
      std::vector<uint32_t> in;
      for (uint32_t i = first; i < n; ++i)
        if (cond[i] == c) in.push_back(i);
      REQUIRE(index.count(c) == in.size());
      for (uint32_t k = 0; k < in.size(); ++k) CHECK(index.nth(c, k) == in[k]);
      if (c != C::kEmpty) CHECK(index.members(c) == in);
      // next(c, z): the first member at or after z, or n.
      for (uint32_t z = 0; z <= n; z += 7) {
        uint32_t want = n;
        for (uint32_t i : in)
          if (i >= z) { want = i; break; }
        CHECK(index.next(c, z) == want);
      }
    }
  }
  CHECK(index.count(C::kNotWp) == 0);
}

}  // namespace zonesim
