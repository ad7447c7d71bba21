// The defects of the deliberately broken builds, seen at the qcow2 level.
// Compiled into qcow2_tests (the correct layers: no defect may show) and into
// one qcow2_mutant_<name>_tests per mutant (qcow2/CMakeLists.txt: the same
// sources with ZONESIM_MUTANT_<NAME>: the defect must show).
//   wp_before_data: a write-pointer entry written before the data below it is
//     durable; some crash state keeps the entry and loses the data.
//   reset_leaks: a reset clears the zone's L2 entries but leaks the clusters'
//     refcounts; `zonesim check` reports leaks after a clean close.
#include <doctest/doctest.h>

#include "common/crash_env.h"
#include "common/mem_env.h"
#include "qcow2/check/image_check.h"
#include "qcow2/tests/zoned_image_fixture.h"

namespace zonesim::test {
namespace {

#ifdef ZONESIM_MUTANT_WP_BEFORE_DATA
constexpr bool kWpBeforeData = true;
#else
constexpr bool kWpBeforeData = false;
#endif
#ifdef ZONESIM_MUTANT_RESET_LEAKS
constexpr bool kResetLeaks = true;
#else
constexpr bool kResetLeaks = false;
#endif

constexpr uint64_t kZ = 64 << 10;
const std::string kPath = "/mutant/img.qcow2";

// Zone 1 holds 512 durable bytes, then 512 more written in place (the same
// cluster: no allocation, no barrier) and not flushed; power is lost keeping
// the unsynced writes in `keep` (all subsets are tried by the caller).
// Returns true if the recovered zone's write pointer covers bytes that are not
// what was written.
bool WpOverMissingData(uint32_t keep_mask, size_t* pending) {
  MemEnv mem;
  MakeImage(&mem, kPath, Geometry{});
  CrashEnv env(&mem);
  {
    auto zi = OpenImage(&env, kPath, profile_params(Profile::kZns));
    REQUIRE(WritePattern(zi.get(), kZ, 512) == ZoneStatus::kOk);
    REQUIRE(zi->Flush() == ZoneStatus::kOk);
    REQUIRE(WritePattern(zi.get(), kZ + 512, 512) == ZoneStatus::kOk);
    env.Fence();
    *pending = env.PendingWrites();
  }
  CrashChoice c;
  c.mode = CrashChoice::Mode::kKeep;
  for (uint32_t i = 0; i < *pending; ++i)
    if (keep_mask & (1u << i)) c.keep.push_back(i);
  REQUIRE(env.PowerLoss(c).ok());
  auto zi = OpenImage(&mem, kPath, profile_params(Profile::kZns));
  const uint64_t wp = zi->table()[1].wp - kZ;
  return ReadBack(zi.get(), kZ, wp) != Pattern(kZ, wp);
}

TEST_CASE("mutant wp_before_data: some crash state keeps a write pointer over lost data") {
  size_t pending = 0;
  (void)WpOverMissingData(0, &pending);
  bool seen = false;
  for (uint32_t mask = 0; mask < (1u << pending); ++mask) seen |= WpOverMissingData(mask, &pending);
  CHECK(seen == kWpBeforeData);
}

TEST_CASE("mutant reset_leaks: a reset leaves leaked clusters behind") {
  MemEnv mem;
  MakeImage(&mem, kPath, Geometry{});
  {
    auto zi = OpenImage(&mem, kPath, profile_params(Profile::kZns));
    REQUIRE(WritePattern(zi.get(), kZ, 16384) == ZoneStatus::kOk);
    REQUIRE(zi->Flush() == ZoneStatus::kOk);
    REQUIRE(zi->Manage(ZoneAction::kReset, kZ) == ZoneStatus::kOk);
    REQUIRE(zi->Close().ok());
  }
  check::CheckReport report;
  REQUIRE(check::CheckImage(&mem, kPath, check::CheckOptions{}, &report).ok());
  CHECK(report.counts.errors == 0);
  CHECK((report.counts.leaks > 0) == kResetLeaks);
}

}  // namespace
}  // namespace zonesim::test
