// Section 4: the reference model alone. Throughput of a realistic mix of
// operations on random zones (writes at the wp, appends, reads,
// open/close/finish/reset) for 1e2 to 1e6 small (64 KiB) zones, the heap
// bytes per zone of an unwritten and of a written device, and the O(zones)
// reset-all. Every single-zone operation is O(1) apart from the ordered set of
// IMPLICIT OPEN zones (O(log open zones)), so the rate must stay flat as the
// zone count grows: the anchor of each row is the same benchmark on 100 zones.
#include <malloc.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/harness.h"
#include "zoned/device_config.h"
#include "model/zone_model.h"

namespace zonesim::bench {
namespace {

constexpr uint64_t kZoneBytes = 64 << 10;
constexpr uint64_t kIo = 4096;

DeviceConfig BenchConfig(uint32_t zones) {
  DeviceConfig c;
  c.block_size = 512;
  c.zone_size = kZoneBytes;
  c.zone_capacity = kZoneBytes;
  c.size = uint64_t{zones} * kZoneBytes;
  c.max_append_bytes = 16 << 10;
  c.params = profile_params(Profile::kLinux);
  // A device-like open limit, so implicit closes happen all the time. No
  // active limit: with uniformly random zones it would refuse most writes.
  c.max_open_zones = zones < 14 ? zones : 14;
  return c;
}

// xorshift64*: a fixed-seed generator, so every run does the same work.
struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint64_t Next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
};

// The host keeps a working set of 8 zones it writes, appends to, opens,
// closes and finishes; a zone that fills up is reset and replaced by a random
// one. Reads and stray resets go to random zones anywhere on the device.
// Mix: 45% write 4 KiB at the wp, 15% append 4 KiB, 15% read 4 KiB, 7% open,
// 7% close, 6% finish, 5% reset (plus the resets of replaced zones).
void ModelMix(benchmark::State& state, uint32_t zones) {
  const DeviceConfig c = BenchConfig(zones);
  if (!c.Validate().ok()) {
    state.SkipWithError(c.Validate().ToString().c_str());
    return;
  }
  ZoneModel m(c);
  Rng rng;
  std::vector<uint8_t> buf(kIo);
  constexpr uint32_t kHot = 8;
  uint32_t hot[kHot];
  for (uint32_t i = 0; i < kHot; ++i) hot[i] = static_cast<uint32_t>(uint64_t{i} * zones / kHot);
  uint64_t ok = 0;
  for (auto _ : state) {
    const uint64_t r = rng.Next();
    const uint32_t k = static_cast<uint32_t>(r % 100);
    const Payload data = Payload::Fill(static_cast<uint8_t>(r));
    ZoneStatus st;
    if (k < 20) {
      const uint32_t z = static_cast<uint32_t>((r >> 8) % zones);
      if (k < 15)
        st = m.Read(c.zone_start(z) + ((r >> 40) % (kZoneBytes / kIo)) * kIo, kIo, buf.data());
      else
        st = m.Manage(ZoneAction::kReset, c.zone_start(z));
    } else {
      uint32_t& slot = hot[(r >> 8) % kHot];
      if (m.internal_wp(slot) >= c.zone_start(slot) + c.zone_capacity_of(slot)) {
        m.Manage(ZoneAction::kReset, c.zone_start(slot));
        slot = static_cast<uint32_t>((r >> 24) % zones);
      }
      const uint64_t start = c.zone_start(slot);
      uint64_t at = 0;
      if (k < 65) st = m.Write(m.internal_wp(slot), kIo, data);
      else if (k < 80) st = m.Append(start, kIo, data, &at);
      else if (k < 87) st = m.Manage(ZoneAction::kOpen, start);
      else if (k < 94) st = m.Manage(ZoneAction::kClose, start);
      else st = m.Manage(ZoneAction::kFinish, start);
    }
    ok += st == ZoneStatus::kOk;
    benchmark::DoNotOptimize(buf.data());
  }
  SetWork(state, static_cast<double>(state.iterations()));
  state.counters["ok_fraction"] =
      benchmark::Counter(static_cast<double>(ok) / static_cast<double>(state.iterations()));
}

// glibc: small blocks (uordblks) plus mmap'ed large ones (hblkhd).
size_t HeapInUse() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// Heap bytes per zone: a fresh device, then after writing 4 KiB to every
// zone (one extent each), then after filling every zone.
void ModelMemoryPerZone(benchmark::State& state, uint32_t zones) {
  const DeviceConfig c = BenchConfig(zones);
  for (auto _ : state) {
    const size_t base = HeapInUse();
    auto m = std::make_unique<ZoneModel>(c);
    const size_t fresh = HeapInUse();
    for (uint32_t z = 0; z < zones; ++z) {
      m->Manage(ZoneAction::kReset, c.zone_start(z));
      m->Write(c.zone_start(z), kIo, Payload::Seeded(z));
      m->Manage(ZoneAction::kFinish, c.zone_start(z));
    }
    const size_t written = HeapInUse();
    // A flush ends the power-loss history: what remains is the zone and its data.
    m->Flush();
    const size_t flushed = HeapInUse();
    state.counters["bytes_per_zone_flushed"] =
        benchmark::Counter(static_cast<double>(flushed - base) / zones);
    state.counters["bytes_per_zone_fresh"] =
        benchmark::Counter(static_cast<double>(fresh - base) / zones);
    state.counters["bytes_per_zone_written"] =
        benchmark::Counter(static_cast<double>(written - base) / zones);
    benchmark::DoNotOptimize(m.get());
  }
}

// Select All is O(zones): a reset-all over a device with every zone written.
void ModelResetAll(benchmark::State& state, uint32_t zones) {
  const DeviceConfig c = BenchConfig(zones);
  ZoneModel m(c);
  for (auto _ : state) {
    state.PauseTiming();
    for (uint32_t z = 0; z < zones; ++z) {
      m.Write(c.zone_start(z), kIo, Payload::Fill(1));
      m.Manage(ZoneAction::kFinish, c.zone_start(z));
    }
    state.ResumeTiming();
    m.ManageAll(ZoneAction::kReset);
  }
  SetWork(state, static_cast<double>(state.iterations()) * zones);
}

std::string ZonesName(uint32_t zones) {
  std::string e = "1e" + std::to_string(std::to_string(zones).size() - 1);
  return e;
}

}  // namespace

void DefineSuite(Suite* suite) {
  const bool quick = suite->options().quick;
  const std::vector<uint32_t> counts = quick ? std::vector<uint32_t>{100, 10000, 1000000}
                                             : std::vector<uint32_t>{100, 1000, 10000, 100000, 1000000};
  const double min_time = quick ? 0.05 : 0.3;
  Section s;
  s.id = "4";
  s.title = "The model alone: a realistic mix (45% write, 15% append, 15% read, 25% zone management), 64 KiB zones";
  s.unit = "operations/s (CPU time)";
  s.anchor_names = {"same on 1e2 zones"};
  for (uint32_t zones : counts) {
    const std::string name = "model_mix_" + ZonesName(zones);
    suite->Add(name, [=](benchmark::State& st) { ModelMix(st, zones); },
               [=](benchmark::internal::Benchmark* b) { b->MinTime(min_time); });
    Row row;
    row.label = "mix, " + ZonesName(zones) + " zones";
    row.ours = name;
    row.anchors = {"model_mix_1e2"};
    row.metric = "cpu_rate";
    row.goals = {0.5};  // flat: at most the cost of cache misses on a larger zone array
    s.rows.push_back(row);
  }
  for (uint32_t zones : std::vector<uint32_t>{10000, 1000000}) {
    const std::string name = "model_reset_all_" + ZonesName(zones);
    suite->Add(name, [=](benchmark::State& st) { ModelResetAll(st, zones); },
               [=](benchmark::internal::Benchmark* b) { b->MinTime(min_time)->Unit(benchmark::kMillisecond); });
    Row row;
    row.label = "reset all (zones reset per second), " + ZonesName(zones) + " zones";
    row.ours = name;
    row.metric = "cpu_rate";
    s.rows.push_back(row);
  }
  for (uint32_t zones : std::vector<uint32_t>{100, 10000, 1000000}) {
    const std::string name = "model_memory_" + ZonesName(zones);
    suite->Add(name, [=](benchmark::State& st) { ModelMemoryPerZone(st, zones); },
               [](benchmark::internal::Benchmark* b) { b->Iterations(1)->Unit(benchmark::kMillisecond); });
    for (const char* which : {"fresh", "written", "flushed"}) {
      Row row;
      row.label = std::string("heap bytes per zone, ") + which + ", " + ZonesName(zones) + " zones (not a rate)";
      row.ours = name;
      row.metric = std::string("bytes_per_zone_") + which;
      s.rows.push_back(row);
    }
  }
  s.notes = {"Flat means the ratio to 1e2 zones stays near 1: every single-zone operation is O(1) (the open "
             "set is O(log open zones)); what remains is cache misses on a larger zone array. Reset all is "
             "O(zones) by definition and reported per zone."};
  suite->AddSection(s);
}

}  // namespace zonesim::bench
