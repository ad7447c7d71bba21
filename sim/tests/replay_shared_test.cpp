// The real captures in ../shared/traces (third-party data, not part of the
// project) through replay: the image must agree with the model on every one.
// Each case returns early when the folder is absent, as in a user's clone.
// Event counts are those of ../shared/traces/README.md; the violation counts
// follow from the workloads (none of them is zone-aware).
#include <doctest/doctest.h>

#include "sim/tests/replay_test_util.h"

namespace zonesim {
namespace {

using namespace replaytest;

TEST_CASE("shared traces replay without divergence") {
  const std::string dir = SharedTraces();
  if (dir.empty()) return;
  struct Case {
    std::string trace;
    AddressMap map;
    uint64_t io_events;
  };
  const std::vector<Case> cases = {
      {"sample.blktrace.0", AddressMap::kZoneRebase, 963},   // 963 readahead reads
      {"sda", AddressMap::kIdentity, 113},                    // 113 queued writes, 2 per-CPU files
      {"sda", AddressMap::kZoneRebase, 113},
      {"nvme0n1.blktrace.txt", AddressMap::kZoneRebase, 248},
      {"t0038.iolog", AddressMap::kIdentity, 20},             // ten 2 GiB trims, ten 4 KiB writes
      {"fio-seqwrite.v3.iolog", AddressMap::kIdentity, 64},
      {"fio-randrw-trim.merged.v3.iolog", AddressMap::kIdentity, 1800},
      {"fio-randrw-trim.v2.iolog", AddressMap::kIdentity, 1800},
  };
  for (const Case& c : cases) {
    CAPTURE(c.trace);
    CAPTURE(to_string(c.map));
    ReplayResult r = Replay({dir + "/" + c.trace}, "", [&](ReplayOptions& o) {
      o.map = c.map;
      o.infer_resets = true;
      o.power_cycle_every = 97;
    });
    CHECK(r.io_events == c.io_events);
    CHECK_FALSE(r.divergence);
    if (r.divergence) MESSAGE(r.divergence_text);
  }
}

TEST_CASE("shared: fio's sequential write conforms; its random mix breaks the rules it must") {
  const std::string dir = SharedTraces();
  if (dir.empty()) return;
  ReplayResult seq = Replay({dir + "/fio-seqwrite.v3.iolog"});
  CHECK(seq.violations == 0);
  // 300 4 KiB trims (no whole zone) and 752 random writes, none at the write
  // pointer of the one zone: the first lands at 6 MiB while the wp is at 0,
  // and no write is ever at 0.
  ReplayResult mix = Replay({dir + "/fio-randrw-trim.merged.v3.iolog"});
  CHECK(Count(mix.violations_by_kind, "discard_on_zoned_device") == 300);
  CHECK(Count(mix.violations_by_kind, "zone_invalid_write") == 752);
  CHECK(mix.violations == 1052);
  // t0038: every 2 GiB trim is a violation; the 4 KiB writes walk the wp.
  ReplayResult t38 = Replay({dir + "/t0038.iolog"});
  CHECK(t38.violations == 10);
  CHECK(Count(t38.violations_by_kind, "discard_on_zoned_device") == 10);
}

}  // namespace
}  // namespace zonesim
