// Section 3: zone management on zoned qcow2 images (ZonedImage) with 1e2 to
// 1e6 zones. Each benchmark iteration takes a batch of zones spread over the
// whole device and walks every one through a full cycle, timing each phase:
//   open (EMPTY -> EXPLICIT OPEN), a 4 KiB write, close (-> CLOSED),
//   finish (-> FULL: the rest of the zone reads as zeros, entry persisted),
//   reset (-> EMPTY: entry persisted, the zone's cluster freed).
// A per-zone cost that grows with the number of zones (a scan, a list walk,
// a table rewrite) shows up as a falling rate; the anchor of each row is the
// same operation on 1e2 zones. Opening an image reads the whole write-pointer
// table and recovers every zone, so it is O(zones): reported as zones
// recovered per second, which must not fall as zones grow (linear, no worse).
//
// The scaling rows use the real file system without fdatasync (the Env of
// fuzz campaigns, sim/devices/lockstep_setup.h), so the figures are the CPU and
// system-call cost of the zone layer; finish and reset each fdatasync the
// image once, and the durable rows (full run only) show what that costs on
// this machine's disk.
//
// Wall-clock cost per operation on 1e6 zones includes cache and TLB misses
// (the zone state no longer fits in the caches; in a VM a TLB miss is a
// two-level page walk). Whether the *work* per operation stays flat is
// measured exactly: the program re-runs itself under valgrind's callgrind
// (`--child=ZONES:IMAGE`), which counts the user-space instructions of every
// phase of warm cycles; those counts are deterministic and load-independent.
#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define ZONESIM_HAVE_CALLGRIND 1
#else
#define ZONESIM_HAVE_CALLGRIND 0
#endif

#include "bench/child_process.h"
#include "bench/harness.h"
#include "common/env.h"
#include "qcow2/zoned/zoned_image.h"
#include "sim/devices/image_setup.h"
#include "sim/devices/lockstep_setup.h"

namespace zonesim::bench {
namespace {

constexpr uint64_t kZoneSize = 64 << 10;
constexpr uint64_t kIo = 4096;
constexpr uint64_t kStride = 7919;  // prime: batches visit zones all over the device

DeviceConfig ManyZones(uint32_t zones) {
  DeviceConfig c;
  c.params = profile_params(Profile::kZns);
  c.block_size = 512;
  c.zone_size = kZoneSize;
  c.zone_capacity = kZoneSize;
  c.size = uint64_t{zones} * kZoneSize;
  c.max_append_bytes = 32 << 10;
  // No open/active limits, so a whole batch can be open at once.
  return c;
}

std::string ZonesName(uint32_t zones) { return "1e" + std::to_string(std::to_string(zones).size() - 1); }

// One image per zone count, created once per program run (not timed).
const std::string& ImagePath(uint32_t zones) {
  static TempDir dir;
  static std::map<uint32_t, std::string> paths;
  if (!dir.ok()) Die("cannot create a directory under " + TempRoot());
  auto it = paths.find(zones);
  if (it != paths.end()) return it->second;
  const std::string path = dir.path() + "/zones-" + std::to_string(zones) + ".qcow2";
  Status s = CreateZonedImage(LockstepEnv(), path, ManyZones(zones), 65536, ZonedLayout::kLatest, true);
  if (!s.ok()) Die(s.ToString());
  return paths.emplace(zones, path).first->second;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Which zones a batch visits.
enum class Pattern {
  kSpread,  // every batch 64 new zones, 7919 zones apart: a host using the whole device
  kHot,     // the same 64 zones (spread evenly) every batch: caches warm, algorithm only
};

const char* const kPhases[] = {"open", "write", "close", "finish", "reset"};
constexpr size_t kNumPhases = sizeof kPhases / sizeof kPhases[0];

// Runs phase p of the cycle on every zone of the batch; "" or what failed.
std::string RunPhase(ZonedImage* zi, size_t p, const std::vector<uint64_t>& starts, const std::vector<uint8_t>& data) {
  for (uint64_t start : starts) {
    ZoneStatus st;
    switch (p) {
      case 0: st = zi->Manage(ZoneAction::kOpen, start); break;
      case 1: st = zi->Write(start, data.size(), data.data()); break;
      case 2: st = zi->Manage(ZoneAction::kClose, start); break;
      case 3: st = zi->Manage(ZoneAction::kFinish, start); break;
      default: st = zi->Manage(ZoneAction::kReset, start); break;
    }
    if (st != ZoneStatus::kOk) return std::string(kPhases[p]) + ": " + std::string(status_id(st));
  }
  return "";
}

// The batch's zones, spread evenly over the device.
std::vector<uint64_t> EvenBatch(const DeviceConfig& c, uint32_t zones, uint32_t batch) {
  std::vector<uint64_t> starts(batch);
  for (uint32_t k = 0; k < batch; ++k) starts[k] = c.zone_start(static_cast<uint32_t>(uint64_t{k} * zones / batch));
  return starts;
}

void ZoneManage(benchmark::State& state, uint32_t zones, Pattern pattern, bool durable) {
  Env* env = durable ? Env::Default() : LockstepEnv();
  const std::string& path = ImagePath(zones);
  const DeviceConfig c = ManyZones(zones);
  std::unique_ptr<ZonedImage> zi;
  Status s = ZonedImage::Open(env, path, c.params, &zi);
  if (!s.ok()) Die(s.ToString());
  const uint32_t batch = zones < 64 ? zones : 64;
  std::vector<uint64_t> starts = EvenBatch(c, zones, batch);
  std::vector<uint8_t> data(kIo, 0x5a);
  // Per phase, the wall time of every batch: the median batch is the figure,
  // so a batch that lost the CPU to another process does not count.
  std::vector<double> batch_seconds[kNumPhases];
  uint64_t next = 0;
  for (auto _ : state) {
    if (pattern == Pattern::kSpread)
      for (uint32_t k = 0; k < batch; ++k, next += kStride) starts[k] = c.zone_start(static_cast<uint32_t>(next % zones));
    double iteration = 0;
    for (size_t p = 0; p < kNumPhases; ++p) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::string error = RunPhase(zi.get(), p, starts, data);
      if (!error.empty()) {
        state.SkipWithError(error.c_str());
        return;
      }
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      batch_seconds[p].push_back(t);
      iteration += t;
    }
    state.SetIterationTime(iteration);
  }
  for (size_t p = 0; p < kNumPhases; ++p) {
    const double m = Median(batch_seconds[p]);
    state.counters[std::string(kPhases[p]) + "_rate"] = m > 0 ? batch / m : 0;
  }
  SetWork(state, static_cast<double>(state.iterations()) * batch * 4);  // management operations
  s = zi->Close();
  if (!s.ok()) Die(s.ToString());
}

void ImageOpen(benchmark::State& state, uint32_t zones) {
  const std::string& path = ImagePath(zones);
  const DeviceConfig c = ManyZones(zones);
  double cpu = 0;
  for (auto _ : state) {
    const double c0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_ptr<ZonedImage> zi;
    Status s = ZonedImage::Open(LockstepEnv(), path, c.params, &zi);
    if (!s.ok()) Die(s.ToString());
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu += ThreadCpuSeconds() - c0;
    if (zi->Counts().active() != 0) Die("a fresh image came back with active zones");
    s = zi->Close();
    if (!s.ok()) Die(s.ToString());
  }
  SetWork(state, static_cast<double>(state.iterations()) * zones);
  state.counters["cpu_seconds"] = cpu;
}

// ---- instructions per operation (callgrind) ---------------------------------

constexpr int kWarmCycles = 2;
constexpr int kCountedCycles = 4;

// --child=ZONES:IMAGE, run under `valgrind --tool=callgrind --collect-atstart=no`:
// warm cycles uncounted, then every phase of kCountedCycles cycles counted
// and dumped under the phase's name.
int CountInstructionsChild(const std::string& arg) {
  const size_t colon = arg.find(':');
  const uint32_t zones = static_cast<uint32_t>(std::strtoul(arg.substr(0, colon).c_str(), nullptr, 10));
  if (colon == std::string::npos || zones == 0) Die("--child wants ZONES:IMAGE, not '" + arg + "'");
#if ZONESIM_HAVE_CALLGRIND
  if (!RUNNING_ON_VALGRIND) Die("--child is meant to run under valgrind --tool=callgrind --collect-atstart=no");
  const DeviceConfig c = ManyZones(zones);
  std::unique_ptr<ZonedImage> zi;
  Status s = ZonedImage::Open(LockstepEnv(), arg.substr(colon + 1), c.params, &zi);
  if (!s.ok()) Die(s.ToString());
  const std::vector<uint64_t> starts = EvenBatch(c, zones, zones < 64 ? zones : 64);
  const std::vector<uint8_t> data(kIo, 0x5a);
  for (int cycle = 0; cycle < kWarmCycles + kCountedCycles; ++cycle) {
    for (size_t p = 0; p < kNumPhases; ++p) {
      const bool counted = cycle >= kWarmCycles;
      if (counted) CALLGRIND_TOGGLE_COLLECT;
      const std::string error = RunPhase(zi.get(), p, starts, data);
      if (counted) {
        CALLGRIND_TOGGLE_COLLECT;
        CALLGRIND_DUMP_STATS_AT(kPhases[p]);
      }
      if (!error.empty()) Die(error);
    }
  }
  s = zi->Close();
  if (!s.ok()) Die(s.ToString());
  return 0;
#else
  Die("built without valgrind/callgrind.h");
#endif
}

// Sums the "totals:" of every callgrind dump in dir by its trigger name.
std::map<std::string, double> ReadDumps(const std::string& dir) {
  std::map<std::string, double> sums;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return sums;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind("cg.out.", 0) != 0) continue;
    std::ifstream f(dir + "/" + name);
    std::string line, trigger;
    const std::string key = "desc: Trigger: Client Request: ";
    while (std::getline(f, line)) {
      if (line.rfind(key, 0) == 0) trigger = line.substr(key.size());
      else if (line.rfind("totals: ", 0) == 0 && !trigger.empty()) sums[trigger] += std::strtod(line.c_str() + 8, nullptr);
    }
  }
  closedir(d);
  return sums;
}

// Instructions per operation do not change from pass to pass: measured once
// (the first pass), reported by every pass.
void ZoneInstructions(benchmark::State& state, uint32_t zones) {
  static std::map<uint32_t, std::map<std::string, double>> measured;
  auto it = measured.find(zones);
  double seconds = 0;
  if (it == measured.end()) {
    if (!ZONESIM_HAVE_CALLGRIND || !ProgramAvailable("valgrind")) {
      state.SkipWithError("valgrind is not installed (Debian: valgrind)");
      return;
    }
    TempDir out;
    ChildResult r;
    std::string error;
    const std::string image = ImagePath(zones);
    if (!out.ok() || !RunChild({"valgrind", "--tool=callgrind", "--collect-atstart=no",
                                "--callgrind-out-file=" + out.path() + "/cg.out", SelfPath(),
                                "--child=" + std::to_string(zones) + ":" + image},
                               &r, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    const std::map<std::string, double> sums = ReadDumps(out.path());
    std::map<std::string, double> per_op;
    const double ops = static_cast<double>(kCountedCycles) * (zones < 64 ? zones : 64);
    for (const char* p : kPhases) {
      auto s = sums.find(p);
      if (s == sums.end()) {
        state.SkipWithError((std::string("no callgrind figure for ") + p).c_str());
        return;
      }
      per_op[std::string(p) + "_instructions"] = s->second / ops;
    }
    it = measured.emplace(zones, per_op).first;
    seconds = r.wall_seconds;
  }
  for (auto _ : state) state.SetIterationTime(seconds);
  for (const auto& [k, v] : it->second) state.counters[k] = v;
}

}  // namespace

void DefineSuite(Suite* suite) {
  const bool quick = suite->options().quick;
  const std::vector<uint32_t> counts = quick ? std::vector<uint32_t>{100, 10000, 1000000}
                                             : std::vector<uint32_t>{100, 1000, 10000, 100000, 1000000};
  const std::vector<uint32_t> ends = {100, 1000000};
  const double min_time = quick ? 0.05 : 0.3;
  auto manual = [=](benchmark::internal::Benchmark* b) { b->UseManualTime()->MinTime(min_time); };
  Section s;
  s.id = "3";
  s.title = "Zone management on a zoned qcow2 image (ZNS profile, 64 KiB zones), batches of 64 zones";
  s.unit = "operations/s (median batch, wall clock)";
  s.anchor_names = {"same on 1e2 zones"};
  for (uint32_t zones : counts)
    suite->Add("zone_manage_" + ZonesName(zones), [=](benchmark::State& st) { ZoneManage(st, zones, Pattern::kSpread, false); },
               manual);
  for (uint32_t zones : ends)
    suite->Add("zone_manage_hot_" + ZonesName(zones),
               [=](benchmark::State& st) { ZoneManage(st, zones, Pattern::kHot, false); }, manual);
  const std::vector<uint32_t> instruction_counts =
      quick ? ends : std::vector<uint32_t>{100, 10000, 1000000};
  for (uint32_t zones : instruction_counts)
    suite->Add("zone_instructions_" + ZonesName(zones), [=](benchmark::State& st) { ZoneInstructions(st, zones); },
               [](benchmark::internal::Benchmark* b) { b->UseManualTime()->Iterations(1); });
  suite->SetChildMode(CountInstructionsChild);
  for (uint32_t zones : counts)
    suite->Add("image_open_" + ZonesName(zones), [=](benchmark::State& st) { ImageOpen(st, zones); },
               [=](benchmark::internal::Benchmark* b) {
                 b->UseManualTime()->MinTime(min_time)->Unit(benchmark::kMillisecond);
               });
  for (const char* op : {"open", "close", "finish", "reset"}) {
    for (uint32_t zones : counts) {
      Row row;
      row.label = std::string(op) + ", " + ZonesName(zones) + " zones, new zones every batch";
      row.ours = "zone_manage_" + ZonesName(zones);
      row.anchors = {"zone_manage_1e2"};
      row.metric = std::string(op) + "_rate";
      s.rows.push_back(row);
    }
    for (uint32_t zones : ends) {
      Row row;
      row.label = std::string(op) + ", " + ZonesName(zones) + " zones, the same 64 zones every batch";
      row.ours = "zone_manage_hot_" + ZonesName(zones);
      row.anchors = {"zone_manage_hot_1e2"};
      row.metric = std::string(op) + "_rate";
      s.rows.push_back(row);
    }
    for (uint32_t zones : instruction_counts) {
      Row row;
      row.label = std::string("user-space instructions per ") + op + " (callgrind, not a rate), " +
                  ZonesName(zones) + " zones";
      row.ours = "zone_instructions_" + ZonesName(zones);
      row.anchors = {"zone_instructions_1e2"};
      row.metric = std::string(op) + "_instructions";
      row.lower_is_better = true;
      row.goals = {1.05};  // flat: the same work per operation whatever the zone count
      s.rows.push_back(row);
    }
  }
  for (uint32_t zones : counts) {
    Row row;
    row.label = "open the image (zones recovered/s, CPU time), " + ZonesName(zones) + " zones";
    row.ours = "image_open_" + ZonesName(zones);
    row.anchors = {"image_open_1e2"};
    row.metric = "cpu_rate";
    row.goals = {0.67};
    s.rows.push_back(row);
  }
  if (!quick) {
    for (uint32_t zones : ends) {
      const std::string name = "zone_manage_durable_" + ZonesName(zones);
      suite->Add(name, [=](benchmark::State& st) { ZoneManage(st, zones, Pattern::kSpread, true); },
                 [](benchmark::internal::Benchmark* b) { b->UseManualTime()->Iterations(3); });
      for (const char* op : {"finish", "reset"}) {
        Row row;
        row.label = std::string(op) + " with fdatasync, " + ZonesName(zones) + " zones";
        row.ours = name;
        row.metric = std::string(op) + "_rate";
        s.rows.push_back(row);
      }
    }
  }
  s.notes = {
      "Every operation is O(1) in the number of zones: the user-space instructions per operation (counted "
      "by callgrind over warm cycles, deterministic) are the same on 1e6 zones as on 1e2 (goal: at most "
      "1.05x). The wall-clock rates fall anyway, because on 1e6 zones each operation touches zone records, "
      "list links and write-pointer table pages that are no longer in the CPU caches or the TLB (~40 MB of "
      "zone state; in a VM a TLB miss is a two-level page walk), even for the same 64 zones, which the file "
      "I/O of the write/finish/reset phases evicts between batches. That is a constant number of misses per "
      "operation, not a cost that grows with the zone count; new zones every batch is what a host using the "
      "whole device sees.",
      "Opening an image reads the whole write-pointer table and recovers every zone: O(zones). Zones "
      "recovered per second that do not fall as zones grow mean linear (goal: ratio at least 0.67); at 1e2 "
      "zones the fixed cost of opening the file dominates.",
      "The scaling rows use the file system without fdatasync (as fuzz campaigns do). Finish and reset each "
      "make the image durable once (fdatasync); the rows \"with fdatasync\" (full run only) show what that "
      "costs on this machine's disk. Medians over batches, so a batch that lost the CPU to another process "
      "does not count."};
  suite->AddSection(s);
}

}  // namespace zonesim::bench
