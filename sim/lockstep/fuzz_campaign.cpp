#include "sim/lockstep/fuzz_campaign.h"

#include <algorithm>

#include "sim/devices/image_setup.h"
#include "sim/devices/lockstep_setup.h"

namespace zonesim {

DeviceConfig DefaultFuzzDevice(Profile profile) {
  DeviceConfig c;
  c.params = profile_params(profile);
  c.block_size = 512;
  c.zone_size = 256 << 10;
  c.zone_capacity = 192 << 10;
  // 31 full zones and a last zone of 32 KiB, whose capacity is capped to it:
  // smaller than max_append_bytes, the only way one append can fill an EMPTY
  // zone (the format requires max_append_bytes < zone_capacity).
  c.size = 31 * c.zone_size + (32 << 10);
  c.conventional_zones = profile == Profile::kZns ? 0 : 2;  // ZNS has no conventional zones
  c.max_open_zones = 3;
  // ZBC has no active limit (zone-semantics.md 1.2).
  c.max_active_zones = profile == Profile::kZbc ? 0 : 5;
  c.max_append_bytes = 64 << 10;
  return c;
}

namespace {

Status FreshDevice(const DeviceConfig& config, const std::string& path, uint32_t cluster_size,
                   bool overwrite, std::unique_ptr<Device>* out) {
  return CreateLockstepDevice(config, path, cluster_size, ZonedLayout::kLatest, overwrite, out);
}

}  // namespace

Status RunLockstep(const DeviceConfig& config, const std::vector<Operation>& ops,
                   const std::string& image_path, uint32_t cluster_size,
                   std::optional<Divergence>* divergence) {
  std::unique_ptr<Device> device;
  Status s = FreshDevice(config, image_path, cluster_size, /*overwrite=*/true, &device);
  if (!s.ok()) return s;
  LockstepChecker checker(config, device.get());
  for (const Operation& op : ops)
    if (!checker.Step(op)) break;
  *divergence = checker.divergence();
  return device->Close();
}

Status RunCampaign(const CampaignOptions& options, CampaignResult* result) {
  const DeviceConfig& config = options.config;
  Status s = config.Validate();
  if (!s.ok()) return s;

  TempDir temp;
  if (!temp.ok()) return Status::IoError("cannot create a temporary directory");
  std::string path = options.image_path.empty() ? temp.path() + "/fuzz.qcow2" : options.image_path;
  std::unique_ptr<Device> device;
  s = FreshDevice(config, path, options.cluster_size, /*overwrite=*/false, &device);
  if (!s.ok()) return s;

  LockstepChecker checker(config, device.get());
  WorkloadGenerator generator(config, options.workload);
  std::vector<Operation> ran;
  const bool replaying = !options.replay.empty();
  const uint64_t total = replaying ? options.replay.size() : options.ops;
  ran.reserve(static_cast<size_t>(std::min<uint64_t>(total, 1u << 20)));
  for (uint64_t i = 0; i < total; ++i) {
    Operation op = replaying ? options.replay[i] : generator.Next(checker.model());
    ran.push_back(op);
    bool agreed = checker.Step(op);
    if (options.progress && ((i + 1) % options.progress_every == 0 || i + 1 == total || !agreed))
      options.progress(i + 1, total);
    if (!agreed) break;
  }
  s = device->Close();  // a campaign whose image could not be persisted is a failed campaign
  if (!s.ok()) return s;
  device.reset();

  result->ops_run = checker.steps();
  result->op_counts = checker.op_counts();
  result->status_counts = checker.status_counts();
  result->host_refusals = checker.host_refusals();
  result->choices_adopted = checker.choices_adopted();
  result->adopted_samples = checker.adopted_samples();
  result->coverage = checker.model().coverage();
  result->coverage_summary = Summarize(BuildStateGraph(config.params), result->coverage);
  result->divergence = checker.divergence();

  if (result->divergence) {
    result->divergence_text = LockstepChecker::FormatDivergence(*result->divergence, config);
    std::vector<Operation> failing(ran.begin(), ran.begin() + result->divergence->index + 1);
    if (options.shrink) {
      std::string shrink_path = temp.path() + "/shrink.qcow2";
      Status shrink_error;
      auto fails = [&](const std::vector<Operation>& candidate) {
        std::optional<Divergence> d;
        Status st = RunLockstep(config, candidate, shrink_path, options.cluster_size, &d);
        if (!st.ok()) shrink_error = st;
        return st.ok() && d.has_value();
      };
      ShrinkResult shrunk = ShrinkOperations(std::move(failing), fails, options.shrink_budget);
      if (!shrink_error.ok()) return shrink_error;
      result->reproducer = std::move(shrunk.ops);
      result->shrink_tests = shrunk.tests_run;
      result->shrink_complete = !shrunk.budget_exhausted;
    } else {
      result->reproducer = std::move(failing);
    }
  }
  if (options.keep_image || !options.image_path.empty()) {
    if (options.image_path.empty()) temp.Keep();
    result->image_path = path;
  }
  return Status::Ok();
}

}  // namespace zonesim
