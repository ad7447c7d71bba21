#include "sim/lockstep/fuzz_campaign.h"

#include <algorithm>

#include "sim/devices/image_setup.h"
#include "sim/devices/lockstep_setup.h"
#include "sim/lockstep/triple_reach.h"

namespace zonesim {

DeviceConfig DefaultFuzzDevice(Profile profile) {
  DeviceConfig c;
  c.params = profile_params(profile);
  c.block_size = 512;
  c.zone_size = 256 << 10;
  // ZBC has no zone capacity (zone-semantics.md 1.2; DeviceConfig::Validate).
  c.zone_capacity = profile == Profile::kZbc ? c.zone_size : 192 << 10;
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

Status FreshDevice(const CampaignOptions& options, const std::string& path, bool overwrite,
                   std::unique_ptr<Device>* out) {
  return CreateDeviceUnderTest(options.dut, options.config, path, options.cluster_size, ZonedLayout::kLatest,
                               overwrite, out);
}

StatusMatch MatchFor(const CampaignOptions& options) {
  StatusMatch m;
  m.errno_only = options.dut.external();
  m.vocabulary = options.errno_vocabulary;
  m.model_errnos = options.config.params.errnos;
  return m;
}

void SetPowerLossCheck(const CampaignOptions& options, const std::string& path,
                       LockstepChecker* checker) {
  if (!options.power_loss_check) return;
  checker->set_power_loss_check([&options, path] { return options.power_loss_check(path); });
}

}  // namespace

Status RunLockstep(const CampaignOptions& options, const std::vector<Operation>& ops,
                   const std::string& image_path, std::optional<Divergence>* divergence,
                   const std::function<void(const Device&)>& at_end) {
  std::unique_ptr<Device> device;
  Status s = FreshDevice(options, image_path, /*overwrite=*/true, &device);
  if (!s.ok()) return s;
  LockstepChecker checker(options.config, device.get(), 16, /*full_compare_every=*/1);
  checker.set_status_match(MatchFor(options));
  SetPowerLossCheck(options, image_path, &checker);
  for (const Operation& op : ops)
    if (!checker.Step(op)) break;
  if (at_end) at_end(*device);
  checker.Finish();
  *divergence = checker.divergence();
  Status closed = device->Close();
  if (!*divergence && !closed.ok()) {
    Divergence d;
    d.index = ops.empty() ? 0 : ops.size() - 1;
    d.what = "the device failed to close: " + closed.ToString();
    *divergence = std::move(d);
  }
  return Status::Ok();
}

Status RunCampaign(const CampaignOptions& options, CampaignResult* result) {
  const DeviceConfig& config = options.config;
  Status s = config.Validate();
  if (!s.ok()) return s;

  TempDir temp;
  if (!temp.ok()) return Status::IoError("cannot create a temporary directory");
  std::string path = options.image_path.empty() ? temp.path() + "/fuzz.qcow2" : options.image_path;
  std::unique_ptr<Device> device;
  s = FreshDevice(options, path, /*overwrite=*/false, &device);
  if (!s.ok()) return s;

  LockstepChecker checker(config, device.get(), 16, options.full_compare_every);
  checker.set_status_match(MatchFor(options));
  SetPowerLossCheck(options, path, &checker);
  WorkloadOptions workload = options.workload;
  if (options.dut.external()) workload.qemu_io_dialect = true;
  WorkloadGenerator generator(config, workload);
  std::vector<Operation> ran;
  const bool replaying = !options.replay.empty();
  const uint64_t total = replaying ? options.replay.size() : options.ops;
  ran.reserve(static_cast<size_t>(std::min<uint64_t>(total, 1u << 20)));
  for (uint64_t i = 0; i < total; ++i) {
    Operation op = replaying                       ? options.replay[i]
                   : options.power_loss_at.count(i) ? PowerLossAt(options.workload.seed, i)
                                                    : generator.Next(checker.model());
    ran.push_back(op);
    const std::optional<uint32_t> tz = TripleZone(op, config);
    const ZoneCondition before = tz ? checker.model().zone(*tz).cond : ZoneCondition::kEmpty;
    bool agreed = checker.Step(op);
    if (tz && checker.last_host_error().empty())
      result->triples.Record(Triple{before, op.kind, checker.last_model_status()});
    if (options.progress && ((i + 1) % options.progress_every == 0 || i + 1 == total || !agreed))
      options.progress(i + 1, total);
    if (!agreed) break;
  }
  checker.Finish();
  Status closed = device->Close();
  device.reset();
  // An external implementation that fails to quit is a finding; zonesim's own
  // image that cannot be persisted is a failed campaign.
  if (!closed.ok() && !options.dut.external()) return closed;
  if (!closed.ok()) result->close_error = closed.ToString();
  if (closed.ok() && checker.power_losses() > 0 && options.power_loss_check) {
    // After power losses the image may hold clusters a crash leaked (what
    // qemu-img check calls leaked clusters: wasted space, no data at risk):
    // counted, not judged. Corruption is still a finding. Leaks of the
    // implementation itself are judged by campaigns without power loss (the
    // reset_leaks mutant): after a crash they cannot be told from residue.
    ImageProblems p = options.power_loss_check(path);
    result->image_findings = p.corruption;
    result->crash_leaked_clusters = p.leaked_clusters;
  } else if (options.image_check && closed.ok()) {
    result->image_findings = options.image_check(path);
  }

  result->ops_run = checker.steps();
  result->op_counts = checker.op_counts();
  result->status_counts = checker.status_counts();
  result->host_refusals = checker.host_refusals();
  result->choices_adopted = checker.choices_adopted();
  result->adopted_samples = checker.adopted_samples();
  result->power_losses = checker.power_losses();
  result->states_adopted = checker.states_adopted();
  result->coverage = checker.model().coverage();
  result->coverage_summary = Summarize(BuildStateGraph(config.params), result->coverage);
  if (options.triple_summary)
    result->triple_summary = SummarizeTriples(ReachableTriples(config), result->triples);
  result->divergence = checker.divergence();

  if (result->divergence) {
    result->divergence_text = LockstepChecker::FormatDivergence(*result->divergence, config);
    std::vector<Operation> failing(ran.begin(), ran.begin() + result->divergence->index + 1);
    if (options.shrink) {
      std::string shrink_path = temp.path() + "/shrink.qcow2";
      Status shrink_error;
      auto fails = [&](const std::vector<Operation>& candidate) {
        std::optional<Divergence> d;
        Status st = RunLockstep(options, candidate, shrink_path, &d);
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
