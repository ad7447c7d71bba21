// Section 5: lockstep checking, the figure that decides how long a fuzz
// campaign takes. On the default fuzz device (sim/lockstep/fuzz_campaign.h), with the
// seeded workload generator, per operation:
//   lockstep     - generate, run on the model and on a zoned qcow2 image,
//                  compare status, data and the full zone report (LockstepChecker)
//   model alone  - generate and run on the model (the checker's floor)
//   image alone  - the same operations, recorded beforehand, on the image only
// and the whole `zonesim fuzz --ops N` command (a child process; the binary
// comes from --zonesim=PATH), wall clock and CPU.
#include <memory>
#include <string>
#include <vector>

#include "bench/child_process.h"
#include "bench/harness.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "sim/devices/image_setup.h"
#include "sim/lockstep/lockstep.h"
#include "sim/devices/lockstep_setup.h"
#include "sim/devices/model_device.h"
#include "sim/exec/op_outcome.h"
#include "sim/lockstep/workload.h"

namespace zonesim::bench {
namespace {

DeviceConfig FuzzDevice() { return DefaultFuzzDevice(Profile::kLinux); }  // zonesim fuzz's default

const std::string& Dir() {
  static TempDir dir;
  if (!dir.ok()) Die("cannot create a directory under " + TempRoot());
  return dir.path();
}

std::unique_ptr<Device> FreshImage() {
  std::unique_ptr<Device> dev;
  Status s = CreateLockstepDevice(FuzzDevice(), Dir() + "/lockstep.qcow2", 65536, ZonedLayout::kLatest, true, &dev);
  if (!s.ok()) Die(s.ToString());
  return dev;
}

void Lockstep(benchmark::State& state) {
  const DeviceConfig c = FuzzDevice();
  std::unique_ptr<Device> image = FreshImage();
  LockstepChecker checker(c, image.get());
  WorkloadGenerator gen(c, WorkloadOptions{});
  for (auto _ : state) {
    if (!checker.Step(gen.Next(checker.model()))) {
      state.SkipWithError(checker.divergence()->what.c_str());
      return;
    }
  }
  SetWork(state, static_cast<double>(state.iterations()));
}

void ModelAlone(benchmark::State& state) {
  const DeviceConfig c = FuzzDevice();
  ModelDevice model(c);
  WorkloadGenerator gen(c, WorkloadOptions{});
  for (auto _ : state) benchmark::DoNotOptimize(ApplyOperation(model, gen.Next(model.model())).status);
  SetWork(state, static_cast<double>(state.iterations()));
}

// The operations the generator produces from a fresh model (which is what
// the image sees in lockstep, as long as the two agree).
const std::vector<Operation>& Recorded(uint64_t n) {
  static std::vector<Operation> ops;
  if (ops.size() >= n) return ops;
  ops.clear();
  const DeviceConfig c = FuzzDevice();
  ModelDevice model(c);
  WorkloadGenerator gen(c, WorkloadOptions{});
  for (uint64_t i = 0; i < n; ++i) {
    ops.push_back(gen.Next(model.model()));
    ApplyOperation(model, ops.back());
  }
  return ops;
}

void ImageAlone(benchmark::State& state, uint64_t n) {
  const std::vector<Operation>& ops = Recorded(n);
  std::unique_ptr<Device> image = FreshImage();
  size_t i = 0;
  for (auto _ : state) {
    if (i == ops.size()) Die("image_alone ran more operations than were recorded");
    benchmark::DoNotOptimize(ApplyOperation(*image, ops[i++]).status);
  }
  SetWork(state, static_cast<double>(state.iterations()));
}

void FuzzCommand(benchmark::State& state, const std::string& zonesim, uint64_t ops) {
  if (zonesim.empty()) {
    state.SkipWithError("no --zonesim=PATH given");
    return;
  }
  double cpu = 0, wall = 0;
  for (auto _ : state) {
    ChildResult r;
    std::string error;
    if (!RunChild({zonesim, "fuzz", "--ops", std::to_string(ops)}, &r, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    if (r.output.find("CONFORMING") == std::string::npos) {
      state.SkipWithError("zonesim fuzz did not report CONFORMING");
      return;
    }
    state.SetIterationTime(r.wall_seconds);
    cpu += r.cpu_seconds;
    wall += r.wall_seconds;
  }
  SetWork(state, static_cast<double>(state.iterations() * ops));
  state.counters["cpu_seconds"] = cpu;
  state.counters["wall_seconds_per_run"] = wall / static_cast<double>(state.iterations());
}

}  // namespace

void DefineSuite(Suite* suite) {
  const Options& o = suite->options();
  const uint64_t steps = o.quick ? 20000 : 200000;
  const uint64_t fuzz_ops = o.quick ? 20000 : 1000000;
  auto fixed = [=](benchmark::internal::Benchmark* b) { b->Iterations(static_cast<int64_t>(steps)); };
  suite->Add("lockstep", Lockstep, fixed);
  suite->Add("model_alone", ModelAlone, fixed);
  suite->Add("image_alone", [=](benchmark::State& s) { ImageAlone(s, steps); }, fixed);
  const std::string zonesim = o.zonesim_path;
  suite->Add("fuzz_command", [=](benchmark::State& s) { FuzzCommand(s, zonesim, fuzz_ops); },
             [](benchmark::internal::Benchmark* b) { b->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond); });

  Section s;
  s.id = "5";
  s.title = "Lockstep checking (model + zoned qcow2 image), default fuzz device, seeded workload";
  s.unit = "operations/s";
  s.anchor_names = {"model alone", "image alone"};
  Row row;
  row.label = "lockstep step: generate, run on both, compare (CPU time)";
  row.ours = "lockstep";
  row.anchors = {"model_alone", "image_alone"};
  row.metric = "cpu_rate";
  s.rows.push_back(row);
  row = Row();
  row.label = "`zonesim fuzz --ops " + std::to_string(fuzz_ops) + "` (wall clock)";
  row.ours = "fuzz_command";
  row.metric = "rate";
  s.rows.push_back(row);
  row.label = "`zonesim fuzz --ops " + std::to_string(fuzz_ops) + "` (CPU time)";
  row.metric = "cpu_rate";
  s.rows.push_back(row);
  row.label = "`zonesim fuzz --ops " + std::to_string(fuzz_ops) + "`: wall-clock seconds (not a rate)";
  row.metric = "wall_seconds_per_run";
  s.rows.push_back(row);
  s.notes = {std::to_string(steps) + " operations per lockstep/model/image measurement. The fuzz command is "
             "the README's main job on its built-in default device (profile linux, seed 1), image on the "
             "file system without fdatasync; it includes creating the image, coverage and the report."};
  suite->AddSection(s);
}

}  // namespace zonesim::bench
