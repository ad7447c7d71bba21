#include "sim/gate/check_conformance.h"

#include "zoned/device_config.h"
#include "qcow2/zoned/zone_config.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "sim/devices/image_setup.h"

namespace zonesim {

namespace {

constexpr Profile kProfiles[] = {Profile::kZns, Profile::kZbc, Profile::kLinux};

}  // namespace

void RunConformance(const ZonedExtension& ext, uint64_t virtual_size, uint32_t cluster_size,
                    const ConformanceOptions& options, std::vector<ConformanceCase>* cases) {
  TempDir temp;
  for (Profile p : kProfiles) {
    const std::string profile(to_string(p));
    DeviceConfig config = ConfigFromExtension(ext, virtual_size, profile_params(p));
    Status s = config.Validate();
    if (!s.ok() && ext.max_append_bytes == 0) {
      // The format allows max_append_bytes 0; the model reads it as "no zone append".
      config.params.zone_append_supported = false;
      s = config.Validate();
    }
    if (!s.ok() && p == Profile::kZbc &&
        (config.zone_capacity < config.zone_size || config.max_active_zones != 0)) {
      // A zone capacity or an active limit does not exist in ZBC: the zbc
      // profile does not apply to this geometry, which is no failure of it.
      cases->push_back({profile, true, 0, "not applicable: " + s.message()});
      continue;
    }
    if (!s.ok() || !temp.ok()) {
      cases->push_back({profile, false, 0,
                        !temp.ok() ? "cannot create a temporary directory"
                                   : "the model refuses this geometry: " + s.message()});
      continue;
    }
    for (uint32_t seed = 1; seed <= options.seeds; ++seed) {
      CampaignOptions o;
      o.config = config;
      o.ops = options.ops;
      o.workload.seed = seed;
      o.cluster_size = cluster_size;
      o.shrink_budget = 500;
      o.triple_summary = false;  // not reported
      CampaignResult r;
      ConformanceCase c{profile + " seed " + std::to_string(seed), false, 0, ""};
      s = RunCampaign(o, &r);
      c.ops = r.ops_run;
      if (!s.ok()) {
        c.detail = s.message();
      } else if (r.divergence) {
        c.detail = r.divergence->what + " at operation " + std::to_string(r.divergence->index) + "; reproducer: " +
                   std::to_string(r.reproducer.size()) + " operations";
      } else {
        c.passed = true;
      }
      cases->push_back(std::move(c));
    }
    for (const auto& [name, ops] : options.scripts) {
      ConformanceCase c{profile + " " + name, false, ops.size(), ""};
      std::optional<Divergence> d;
      CampaignOptions script_run;
      script_run.config = config;
      script_run.cluster_size = cluster_size;
      s = RunLockstep(script_run, ops, temp.path() + "/script.qcow2", &d);
      if (!s.ok()) {
        c.detail = s.message();
      } else if (d) {
        c.ops = d->index + 1;
        c.detail = d->what + " at operation " + std::to_string(d->index);
      } else {
        c.passed = true;
      }
      cases->push_back(std::move(c));
    }
  }
}

}  // namespace zonesim
