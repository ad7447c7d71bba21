// ZonedImage and the qcow2 storage under every crash model of CrashEnv:
// seeded random workloads of writes, resets, finishes and flushes are cut
// after each of their file writes and flushes, and the unsynced writes are
// lost, kept, torn at 512 B and 4 KiB, reordered, or (for small windows)
// kept in every subset. Each crash state must leave an image that
//   1. opens read-write (no reference to a cluster with refcount 0, no table
//      that is not there);
//   2. `zonesim check` finds free of corruption (leaks allowed);
//   3. has, per zone, a write pointer that is block aligned and no older than
//      what was durable (the last completed Flush, or a completed reset), in a
//      generation of the zone's data that existed since, and no newer than
//      that generation reached; the data below it is exactly what was written
//      (the fill past the written bytes only for a finished zone).
// ZONESIM_LONG=1 runs more seeds.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

#include "common/crash_env.h"
#include "common/mem_env.h"
#include "common/rng.h"
#include "qcow2/check/image_check.h"
#include "qcow2/tests/zoned_image_fixture.h"

namespace zonesim::test {
namespace {

constexpr uint64_t kZ = 64 << 10;
constexpr uint32_t kZones = 4;  // the workload's zones: 0..3
constexpr ZoneStatus kOk = ZoneStatus::kOk;
const std::string kPath = "/crash/modes.qcow2";

// What a zone may come back as: any generation from `floor_gen` on (a reset
// starts a new one), at least `floor_wp` in `floor_gen`.
struct ZoneTrack {
  uint32_t gen = 0;
  uint32_t floor_gen = 0;
  uint64_t floor_wp = 0;           // relative to the zone start
  std::map<uint32_t, uint64_t> written;  // generation -> bytes written (attempted)
  std::map<uint32_t, bool> finished;     // generation -> a finish was attempted
};

struct Workload {
  uint64_t seed;
  std::vector<ZoneTrack> zones = std::vector<ZoneTrack>(kZones);
  bool failed = false;

  void Floor(ZonedImage* zi) {
    for (uint32_t z = 0; z < kZones; ++z) {
      zones[z].floor_gen = zones[z].gen;
      zones[z].floor_wp = zi->table()[z].wp - z * kZ;
    }
  }

  void Run(ZonedImage* zi) {
    Rng rng(seed);
    for (int i = 0; i < 14 && !failed; ++i) {
      const uint32_t z = static_cast<uint32_t>(rng.Below(kZones));
      ZoneTrack& t = zones[z];
      const uint64_t start = z * kZ, wp = zi->table()[z].wp;
      const uint64_t roll = rng.Below(10);
      if (roll < 5) {
        if (wp - start >= kZ) continue;
        const uint64_t len = std::min<uint64_t>(kZ - (wp - start), 512 * rng.Range(1, 24));
        t.written[t.gen] = wp - start + len;
        failed = WritePattern(zi, wp, len, t.gen) != kOk;
      } else if (roll < 7) {
        ++t.gen;  // the reset may reach the disk even if it fails
        if (zi->Manage(ZoneAction::kReset, start) != kOk) {
          failed = true;
        } else {
          t.floor_gen = t.gen;  // a completed reset is durable
          t.floor_wp = 0;
        }
      } else if (roll < 8) {
        t.finished[t.gen] = true;
        failed = zi->Manage(ZoneAction::kFinish, start) != kOk;
      } else {
        if (zi->Flush() != kOk) failed = true;
        else Floor(zi);
      }
    }
    if (!failed && zi->Flush() == kOk) Floor(zi);
  }
};

// Empty string if the recovered zone is allowed, else why not.
std::string CheckZone(ZonedImage* zi, const ZoneTrack& t, uint32_t z) {
  const uint64_t start = z * kZ;
  const uint64_t wp = zi->table()[z].wp - start;
  if (wp % 512 != 0) return "write pointer " + std::to_string(wp) + " not block aligned";
  if (wp == 0) {
    if (t.floor_wp == 0 || t.gen > t.floor_gen) return "";
    return "empty, but " + std::to_string(t.floor_wp) + " bytes were durable";
  }
  const std::vector<uint8_t> got = ReadBack(zi, start, wp);
  for (uint32_t g = t.floor_gen; g <= t.gen; ++g) {
    if (g == t.floor_gen && wp < t.floor_wp) continue;
    auto w = t.written.find(g);
    const uint64_t n = w == t.written.end() ? 0 : w->second;
    auto f = t.finished.find(g);
    const bool finished = f != t.finished.end() && f->second;
    if (wp > n && !(finished && wp == kZ)) continue;
    const uint64_t data = std::min(n, wp);
    const std::vector<uint8_t> want = Pattern(start, data, g);
    if (std::equal(want.begin(), want.end(), got.begin()) &&
        std::all_of(got.begin() + static_cast<ptrdiff_t>(data), got.end(), [](uint8_t b) { return b == 0; }))
      return "";
  }
  return "write pointer " + std::to_string(wp) + " over data of no allowed generation (gen " + std::to_string(t.gen) +
         ", durable gen " + std::to_string(t.floor_gen) + " at " + std::to_string(t.floor_wp) + ")";
}

struct Outcome {
  bool cut = false;        // the fence fired inside the workload
  size_t pending = 0;      // unsynced writes at the cut
};

// Runs the workload cut after `ops` file writes and flushes, loses power with
// `choice`, and checks the recovered image. `choose` may pick the choice from
// the number of pending writes (for the exhaustive enumeration).
Outcome RunOne(uint64_t seed, uint64_t ops, const CrashChoice& choice, const std::string& what) {
  CAPTURE(what);
  CAPTURE(seed);
  CAPTURE(ops);
  MemEnv mem;
  MakeImage(&mem, kPath, Geometry{});
  CrashEnv env(&mem);
  Workload wl{seed};
  Outcome out;
  {
    auto zi = OpenImage(&env, kPath, profile_params(Profile::kZns));
    env.FenceAfterOps(ops);
    wl.Run(zi.get());
    out.cut = env.fenced();
    env.Fence();
    out.pending = env.PendingWrites();
  }  // the image goes away without persisting anything
  REQUIRE(env.PowerLoss(choice).ok());
  std::unique_ptr<ZonedImage> zi;
  Status s = ZonedImage::Open(&mem, kPath, profile_params(Profile::kZns), &zi);
  INFO(s.ToString());
  REQUIRE(s.ok());
  for (uint32_t z = 0; z < kZones; ++z) {
    CAPTURE(z);
    const std::string why = CheckZone(zi.get(), wl.zones[z], z);
    CHECK_MESSAGE(why.empty(), why);
  }
  zi.reset();
  check::CheckReport report;
  REQUIRE(check::CheckImage(&mem, kPath, check::CheckOptions{}, &report).ok());
  INFO(report.reason);
  CHECK(report.counts.errors == 0);
  return out;
}

CrashChoice Choice(CrashChoice::Mode m, uint64_t seed = 0, uint32_t sector = 512) {
  CrashChoice c;
  c.mode = m;
  c.seed = seed;
  c.sector = sector;
  return c;
}

uint64_t Seeds() { return std::getenv("ZONESIM_LONG") ? 40 : 4; }

TEST_CASE("crash modes: every cut of random workloads, every mode, leaves a consistent image") {
  uint64_t states = 0;
  for (uint64_t seed = 1; seed <= Seeds(); ++seed) {
    for (uint64_t ops = 1;; ++ops) {
      const std::vector<std::pair<std::string, CrashChoice>> choices = {
          {"lose all", Choice(CrashChoice::Mode::kLoseAll)},
          {"keep all", Choice(CrashChoice::Mode::kKeepAll)},
          {"torn 512", Choice(CrashChoice::Mode::kTorn, ops * 31 + seed, 512)},
          {"torn 4K", Choice(CrashChoice::Mode::kTorn, ops * 37 + seed, 4096)},
          {"reorder a", Choice(CrashChoice::Mode::kReorder, ops * 41 + seed)},
          {"reorder b", Choice(CrashChoice::Mode::kReorder, ops * 43 + seed)},
      };
      bool cut = false;
      for (const auto& [what, c] : choices) {
        cut = RunOne(seed, ops, c, what).cut;
        ++states;
      }
      if (!cut) break;  // the workload finished before the fence
    }
  }
  MESSAGE("crash states checked: " << states);
  CHECK(states > 100);
}

TEST_CASE("crash modes: every subset of the unsynced writes at every cut of a small workload") {
  uint64_t states = 0, max_pending = 0;
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    for (uint64_t ops = 1;; ++ops) {
      const Outcome o = RunOne(seed, ops, Choice(CrashChoice::Mode::kLoseAll), "probe");
      max_pending = std::max<uint64_t>(max_pending, o.pending);
      if (o.pending <= 8) {
        for (uint32_t mask = 1; mask < (1u << o.pending); ++mask) {
          CrashChoice c;
          c.mode = CrashChoice::Mode::kKeep;
          for (uint32_t i = 0; i < o.pending; ++i)
            if (mask & (1u << i)) c.keep.push_back(i);
          RunOne(seed, ops, c, "keep mask " + std::to_string(mask));
          ++states;
        }
      }
      if (!o.cut) break;
    }
  }
  MESSAGE("subsets checked: " << states << " (largest window " << max_pending << " writes)");
  CHECK(states > 50);
}

}  // namespace
}  // namespace zonesim::test
