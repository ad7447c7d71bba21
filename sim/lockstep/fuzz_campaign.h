// A fuzz campaign: a deterministic workload from a seed, run in lockstep on the
// reference model and a fresh zoned qcow2 image, stopping at the first
// divergence, which is then shrunk to a minimal reproducer by delta debugging.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "zoned/device_config.h"
#include "model/edge_coverage.h"
#include "model/state_graph.h"
#include "model/triple_coverage.h"
#include "sim/devices/device_under_test.h"
#include "sim/lockstep/lockstep.h"
#include "sim/lockstep/shrink.h"
#include "sim/lockstep/workload.h"

namespace zonesim {

// The built-in default device of `zonesim fuzz` and the README's main job: small,
// with conventional zones, capacity < zone size, a smaller last zone and tight
// open/active limits, so every rule is exercised within a few thousand operations.
DeviceConfig DefaultFuzzDevice(Profile profile);

struct CampaignOptions {
  DeviceConfig config;
  WorkloadOptions workload;
  uint64_t ops = 100000;
  // Run these operations instead of generating a workload (a reproducer).
  std::vector<Operation> replay;
  std::string image_path;  // empty: a temporary directory
  bool keep_image = false;
  uint32_t cluster_size = 65536;
  // Compare every zone after every N-th operation (and at every power cycle
  // and the end); 0: DefaultFullCompareInterval. The shrinker always uses 1.
  uint64_t full_compare_every = 0;
  // The device under test: zonesim's qcow2 layer, or an external qemu-io
  // process (then the workload speaks only qemu-io's dialect and statuses are
  // compared as errnos through `errno_vocabulary`).
  DeviceUnderTest dut;
  ErrnoComparison errno_vocabulary = ErrnoComparison::kExact;
  // Called with the image path once the device under test is closed, when
  // set: the findings of a structural check of what it left ("" if clean).
  std::function<std::string(const std::string& path)> image_check;
  // Called with the image path after every power loss, once the device is
  // back, when set: a structural check (corruption is a divergence, leaks a
  // finding). Runs in the shrinker too, so a corruption shrinks.
  std::function<ImageProblems(const std::string& path)> power_loss_check;
  // Power losses at these operation indices (a generated workload: the
  // operation at that index is a power loss, PowerLossAt(seed, index)).
  std::set<uint64_t> power_loss_at;
  bool shrink = true;
  size_t shrink_budget = 4000;
  // Summarise triple coverage against ReachableTriples (fuzz prints it). The
  // exploration costs a fraction of a second per configuration (ten times
  // that under ASan), so the gate and check --conformance, which never show
  // it, turn it off.
  bool triple_summary = true;
  // Called every `progress_every` operations and at the end.
  std::function<void(uint64_t done, uint64_t total)> progress;
  uint64_t progress_every = 10000;
};

struct CampaignResult {
  uint64_t ops_run = 0;
  std::map<OpKind, uint64_t> op_counts;
  std::map<ZoneStatus, uint64_t> status_counts;
  uint64_t host_refusals = 0;
  uint64_t choices_adopted = 0;
  std::vector<AdoptedChoice> adopted_samples;
  uint64_t power_losses = 0;   // power losses run
  uint64_t states_adopted = 0;  // zones that came back having lost what the model allowed
  EdgeCoverage coverage;
  CoverageSummary coverage_summary;
  // (condition, operation, outcome) triples of the generated or replayed
  // operations, against the set ReachableTriples finds for the configuration.
  TripleCoverage triples;
  TripleSummary triple_summary;
  std::optional<Divergence> divergence;
  std::string divergence_text;        // LockstepChecker::FormatDivergence
  std::vector<Operation> reproducer;  // shrunk failing sequence
  size_t shrink_tests = 0;
  bool shrink_complete = true;
  std::string image_path;  // the image, when kept
  // Closing the device under test failed (an external process that did not
  // quit cleanly): a finding of its own.
  std::string close_error;
  uint64_t crash_leaked_clusters = 0;  // leaked clusters at the end of a campaign with power losses (residue)
  std::string image_findings;  // CampaignOptions::image_check's answer, and leaks found after power losses
};

// Setup errors (bad configuration, image cannot be created) return a non-ok
// Status; a divergence is a successful run with result->divergence set.
Status RunCampaign(const CampaignOptions& options, CampaignResult* result);

// Runs ops in lockstep on a fresh model and a fresh device under test at
// image_path (overwritten), as options describe them. Returns the divergence,
// if any (a device that fails to close counts as one).
// at_end, when set, sees the device after the last operation (before the
// final comparison and the close): `zonesim crash` asks it for its crash window.
Status RunLockstep(const CampaignOptions& options, const std::vector<Operation>& ops,
                   const std::string& image_path, std::optional<Divergence>* divergence,
                   const std::function<void(const Device&)>& at_end = {});

}  // namespace zonesim
