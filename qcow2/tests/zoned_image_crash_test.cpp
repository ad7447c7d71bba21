// ZonedImage crash consistency with FaultInjectionEnv over MemEnv: power is
// lost (every write since the last flush dropped) after each single write or
// flush of a fixed workload, and the recovered image must satisfy:
//   1. it opens;
//   2. every zone's data below its recovered write pointer reads back exactly
//      as one generation of what was written there (never zeros, never a mix);
//   3. zones untouched since the last successful Flush keep exactly the
//      write pointer they had then (nothing acknowledged and flushed is lost).
#include <doctest/doctest.h>

#include <map>

#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "qcow2/tests/zoned_image_fixture.h"

namespace zonesim::test {
namespace {

constexpr uint64_t kZ = 64 << 10;
constexpr ZoneStatus kOk = ZoneStatus::kOk;
const std::string kPath = "/crash/img.qcow2";

struct World {
  MemEnv mem;
  FaultInjectionEnv env{&mem};
  World() {
    MakeImage(&env, kPath, Geometry{});
    env.MarkAllSynced();
  }
  // Simulates power loss: the device dies, the image object goes away
  // (its Close cannot write any more), unsynced writes vanish.
  void PowerLoss(std::unique_ptr<ZonedImage>* zi) {
    env.FailNthWrite(1, /*sticky=*/true);
    env.FailNthFlush(1, /*sticky=*/true);
    zi->reset();
    env.ClearFaults();
    REQUIRE(env.DropUnsyncedWrites().ok());
  }
};

TEST_CASE("crash: writes without a flush never leave a wp past missing data") {
  World w;
  auto zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
  REQUIRE(WritePattern(zi.get(), kZ, 8192) == kOk);
  REQUIRE(zi->Flush() == kOk);
  REQUIRE(WritePattern(zi.get(), kZ + 8192, 8192) == kOk);  // acknowledged, not flushed
  REQUIRE(WritePattern(zi.get(), 2 * kZ, 4096) == kOk);
  uint64_t at = 0;
  REQUIRE(zi->Append(3 * kZ, 4096, Pattern(3 * kZ, 4096).data(), &at) == kOk);
  w.PowerLoss(&zi);
  zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
  // The table entries are written only by Flush: the flushed state comes back.
  CHECK(ReportOne(zi.get(), kZ).wp == kZ + 8192);
  CHECK(Cond(zi.get(), kZ) == ZoneCondition::kClosed);
  CHECK(ReadBack(zi.get(), kZ, 8192) == Pattern(kZ, 8192));
  CHECK(Cond(zi.get(), 2 * kZ) == ZoneCondition::kEmpty);
  CHECK(Cond(zi.get(), 3 * kZ) == ZoneCondition::kEmpty);
  // Bytes that reached the file past the recovered wp stay invisible.
  std::vector<uint8_t> tail = ReadBack(zi.get(), kZ + 8192, 8192);
  CHECK(std::all_of(tail.begin(), tail.end(), [](uint8_t b) { return b == 0; }));
  // And the zone is writable again at the recovered wp.
  CHECK(WritePattern(zi.get(), kZ + 8192, 4096, 3) == kOk);
  CHECK(ReadBack(zi.get(), kZ + 8192, 4096) == Pattern(kZ + 8192, 4096, 3));
}

TEST_CASE("crash: after a successful flush nothing acknowledged is lost") {
  World w;
  auto zi = OpenImage(&w.env, kPath, profile_params(Profile::kZns));
  REQUIRE(WritePattern(zi.get(), 0, kZ) == kOk);  // FULL
  REQUIRE(WritePattern(zi.get(), kZ, 12288) == kOk);
  REQUIRE(zi->Manage(ZoneAction::kOpen, 2 * kZ) == kOk);
  REQUIRE(zi->Flush() == kOk);
  CHECK_FALSE(w.env.HasUnsyncedWrites(kPath));
  w.PowerLoss(&zi);
  zi = OpenImage(&w.env, kPath, profile_params(Profile::kZns));
  CHECK(Cond(zi.get(), 0) == ZoneCondition::kFull);
  CHECK(ReadBack(zi.get(), 0, kZ) == Pattern(0, kZ));
  CHECK(ReportOne(zi.get(), kZ).wp == kZ + 12288);
  CHECK(ReadBack(zi.get(), kZ, 12288) == Pattern(kZ, 12288));
  CHECK(Cond(zi.get(), 2 * kZ) == ZoneCondition::kEmpty);
}

TEST_CASE("crash: flush writes the data before the write pointers") {
  World w;
  auto zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
  REQUIRE(WritePattern(zi.get(), kZ, 8192) == kOk);
  w.env.SetRecording(true);
  REQUIRE(zi->Flush() == kOk);
  std::vector<FaultInjectionEnv::Op> ops = w.env.TakeRecord();
  // Expected shape: flush, (the L2 entries publishing new clusters, flush),
  // wp entry writes, flush: every write-pointer entry is written after a flush
  // that follows every other write.
  REQUIRE(ops.size() >= 3);
  CHECK(ops.front().kind == FaultInjectionEnv::Op::Kind::kFlush);
  CHECK(ops.back().kind == FaultInjectionEnv::Op::Kind::kFlush);
  const uint64_t table = zi->extension().zonedmeta_offset;
  auto in_table = [&](const FaultInjectionEnv::Op& op) {
    return op.offset >= table && op.offset + op.length <= table + zi->extension().zonedmeta_size;
  };
  size_t first_entry = ops.size(), last_other = 0, entries = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind != FaultInjectionEnv::Op::Kind::kWrite) continue;
    if (in_table(ops[i])) {
      first_entry = std::min(first_entry, i);
      ++entries;
    } else {
      last_other = i;
    }
  }
  CHECK(entries >= 1);
  REQUIRE(first_entry < ops.size());
  CHECK(last_other < first_entry);
  bool flush_between = false;
  for (size_t i = last_other + 1; i < first_entry; ++i)
    flush_between |= ops[i].kind == FaultInjectionEnv::Op::Kind::kFlush;
  CHECK(flush_between);
}

// The workload every crash point runs. Returns after the first failure (the
// device is gone from then on). Records, per zone, the generations written
// and the state at the last successful Flush.
struct Workload {
  // zone -> generation -> bytes the workload (tried to) write in it.
  std::map<uint32_t, std::map<uint32_t, uint64_t>> written;
  std::map<uint32_t, uint64_t> flushed_wp;  // zone -> wp at the last good Flush
  std::map<uint32_t, bool> touched;         // an operation was tried since then
  bool failed = false;

  void Flushed(ZonedImage* zi) {
    for (uint32_t z = 0; z < zi->config().nr_zones(); ++z) flushed_wp[z] = zi->table()[z].wp;
    touched.clear();
  }
  void Write(ZonedImage* zi, uint32_t zone, uint64_t len, uint32_t gen) {
    if (failed) return;
    touched[zone] = true;
    written[zone][gen] += len;
    failed = WritePattern(zi, zi->table()[zone].wp, len, gen) != kOk;
  }
  void Manage(ZonedImage* zi, ZoneAction a, uint32_t zone) {
    if (failed) return;
    touched[zone] = true;
    failed = zi->Manage(a, zone * kZ) != kOk;
  }
  void Flush(ZonedImage* zi) {
    if (failed) return;
    if (zi->Flush() == kOk) Flushed(zi);
    else failed = true;
  }

  void Run(ZonedImage* zi) {
    Flushed(zi);
    Write(zi, 1, 8192, 0);
    Write(zi, 2, 4096, 0);
    Flush(zi);
    Write(zi, 1, 8192, 0);
    Write(zi, 3, 4096, 0);
    Manage(zi, ZoneAction::kReset, 2);
    Write(zi, 2, 4096, 1);
    Manage(zi, ZoneAction::kFinish, 3);
    Write(zi, 4, kZ, 0);  // FULL by writing
    Flush(zi);
    Write(zi, 1, 4096, 0);
    Manage(zi, ZoneAction::kReset, 1);
    Write(zi, 1, 2048, 1);
    Manage(zi, ZoneAction::kReset, 4);
    Flush(zi);
  }
};

// Zone `zone` must read as generation g's data (n bytes) followed by zeros,
// for one g; its wp may pass the data only when finish put it at the zone end.
void CheckZone(ZonedImage* zi, const Workload& wl, uint32_t zone) {
  CAPTURE(zone);
  const uint64_t start = zone * kZ;
  const uint64_t wp = zi->table()[zone].wp;
  if (wp == start) return;
  std::vector<uint8_t> got = ReadBack(zi, start, wp - start);
  bool ok = false;
  for (const auto& [gen, n] : wl.written.at(zone)) {
    const uint64_t data = std::min(n, wp - start);
    bool past_data_ok = wp - start <= n || wp == start + kZ;  // finish: wp = zone end
    ok |= past_data_ok &&
          std::equal(got.begin(), got.begin() + static_cast<ptrdiff_t>(data),
                     Pattern(start, data, gen).begin()) &&
          std::all_of(got.begin() + static_cast<ptrdiff_t>(data), got.end(),
                      [](uint8_t b) { return b == 0; });
  }
  CHECK(ok);
}

void CheckRecovered(World& w, const Workload& wl, const std::string& what) {
  CAPTURE(what);
  std::unique_ptr<ZonedImage> zi;
  Status s = ZonedImage::Open(&w.env, kPath, profile_params(Profile::kLinux), &zi);
  INFO(s.ToString());
  REQUIRE(s.ok());
  for (const auto& entry : wl.written) {
    const uint32_t zone = entry.first;
    CheckZone(zi.get(), wl, zone);
    auto t = wl.touched.find(zone);
    if (t == wl.touched.end()) CHECK(zi->table()[zone].wp == wl.flushed_wp.at(zone));
  }
}

TEST_CASE("crash: power loss after every single write or flush of a workload") {
  // Count the workload's file writes and flushes once.
  uint64_t writes = 0, flushes = 0;
  {
    World w;
    auto zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
    uint64_t w0 = w.env.write_count(), f0 = w.env.flush_count();
    Workload wl;
    wl.Run(zi.get());
    REQUIRE_FALSE(wl.failed);
    writes = w.env.write_count() - w0;
    flushes = w.env.flush_count() - f0;
  }
  REQUIRE(writes > 10);
  REQUIRE(flushes >= 3);
  for (int kind = 0; kind < 2; ++kind) {
    const uint64_t n = kind == 0 ? writes : flushes;
    for (uint64_t k = 1; k <= n; ++k) {
      World w;
      auto zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
      if (kind == 0) w.env.FailNthWrite(k, /*sticky=*/true);
      else w.env.FailNthFlush(k, /*sticky=*/true);
      Workload wl;
      wl.Run(zi.get());
      REQUIRE(wl.failed);
      w.PowerLoss(&zi);
      CheckRecovered(w, wl, (kind == 0 ? "write " : "flush ") + std::to_string(k));
    }
  }
}

}  // namespace
}  // namespace zonesim::test

namespace zonesim::test {
namespace {

TEST_CASE("crash: a flush that fails after writing entries is redone by the next one") {
  World w;
  auto zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
  REQUIRE(WritePattern(zi.get(), kZ, 8192) == kOk);
  w.env.FailNthFlush(2);  // the flush after the entry writes
  CHECK(zi->Flush() == ZoneStatus::kMediaError);
  CHECK_FALSE(zi->last_error().ok());
  w.env.ClearFaults();
  w.env.SetRecording(true);
  REQUIRE(zi->Flush() == kOk);
  size_t entry_writes = 0;
  for (const auto& op : w.env.TakeRecord())
    entry_writes += op.kind == FaultInjectionEnv::Op::Kind::kWrite &&
                    op.offset == zi->extension().zonedmeta_offset + 8;
  CHECK(entry_writes == 1);
  w.PowerLoss(&zi);
  zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
  CHECK(ReportOne(zi.get(), kZ).wp == kZ + 8192);
  CHECK(ReadBack(zi.get(), kZ, 8192) == Pattern(kZ, 8192));
}

TEST_CASE("crash: a reset whose flush failed is made durable by the next flush") {
  World w;
  auto zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
  REQUIRE(WritePattern(zi.get(), kZ, 8192) == kOk);
  REQUIRE(zi->Flush() == kOk);
  w.env.FailNthFlush(1);
  CHECK(zi->Manage(ZoneAction::kReset, kZ) == ZoneStatus::kMediaError);
  w.env.ClearFaults();
  CHECK(Cond(zi.get(), kZ) == ZoneCondition::kEmpty);
  REQUIRE(zi->Flush() == kOk);
  w.PowerLoss(&zi);
  zi = OpenImage(&w.env, kPath, profile_params(Profile::kLinux));
  CHECK(Cond(zi.get(), kZ) == ZoneCondition::kEmpty);
  std::vector<uint8_t> got = ReadBack(zi.get(), kZ, 8192);
  CHECK(std::all_of(got.begin(), got.end(), [](uint8_t b) { return b == 0; }));
}

}  // namespace
}  // namespace zonesim::test
