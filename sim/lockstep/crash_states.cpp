#include "sim/lockstep/crash_states.h"

#include <algorithm>
#include <optional>

#include "common/temp_dir.h"

namespace zonesim {

std::vector<std::vector<uint32_t>> CrashStatesOf(uint32_t n, uint64_t max_states, std::string* enumeration) {
  std::vector<std::vector<uint32_t>> states;
  if (max_states == 0) return states;
  // Every subset: bit i of the mask keeps write i.
  if (n < 63 && (uint64_t{1} << n) <= max_states) {
    *enumeration = "every subset";
    for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
      std::vector<uint32_t> kept;
      for (uint32_t i = 0; i < n; ++i)
        if (mask & (uint64_t{1} << i)) kept.push_back(i);
      states.push_back(std::move(kept));
    }
    return states;
  }
  *enumeration = "prefixes, then prefixes missing one write";
  for (uint32_t k = 0; k <= n && states.size() < max_states; ++k) {
    std::vector<uint32_t> prefix(k);
    for (uint32_t i = 0; i < k; ++i) prefix[i] = i;
    states.push_back(std::move(prefix));
  }
  // A prefix of k + 1 writes without write j < k: the last write of the
  // prefix overtook an earlier one.
  for (uint32_t k = 1; k < n && states.size() < max_states; ++k)
    for (uint32_t j = 0; j < k && states.size() < max_states; ++j) {
      std::vector<uint32_t> kept;
      for (uint32_t i = 0; i <= k; ++i)
        if (i != j) kept.push_back(i);
      states.push_back(std::move(kept));
    }
  return states;
}

namespace {

// The window's lines without the temporary directory (the output is the same
// on every machine).
std::vector<std::string> WithoutDirectory(std::vector<std::string> writes, const std::string& dir) {
  for (std::string& w : writes)
    for (size_t at; (at = w.find(dir + "/")) != std::string::npos;) w.erase(at, dir.size() + 1);
  return writes;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

Status RunCrashStates(const CrashStatesOptions& options, const std::vector<Operation>& script,
                      CrashStatesResult* result) {
  if (Status s = options.lockstep.config.Validate(); !s.ok()) return s;
  if (options.lockstep.dut.external())
    return Status::NotSupported(
        "crash states are enumerated on zonesim's own qcow2 layer only (an external process "
        "cannot name its unsynced writes; use fuzz --power-loss-rate)");
  TempDir temp;
  if (!temp.ok()) return Status::IoError("cannot create a temporary directory");
  const std::string image = temp.path() + "/crash.qcow2";

  std::vector<Operation> ops = script;
  std::vector<uint64_t> points;
  for (uint64_t i = 0; i < ops.size(); ++i)
    if (ops[i].kind == OpKind::kPowerLoss) points.push_back(i);
  if (points.empty()) {
    Operation loss;
    loss.kind = OpKind::kPowerLoss;
    ops.push_back(loss);
    points.push_back(ops.size() - 1);
  }

  for (uint64_t at : points) {
    CrashPoint point;
    point.index = at;
    // The window: the script up to the crash point, run once.
    std::vector<Operation> prefix(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(at));
    std::vector<std::string> writes;
    Status window = Status::Ok();
    std::optional<Divergence> divergence;
    Status s = RunLockstep(options.lockstep, prefix, image, &divergence,
                           [&](const Device& d) { window = d.UnsyncedWrites(&writes); });
    if (!s.ok()) return s;
    if (!window.ok()) return window;
    if (divergence) {
      result->prefix_divergence = LockstepChecker::FormatDivergence(*divergence, options.lockstep.config);
      return Status::Ok();
    }
    point.writes = WithoutDirectory(std::move(writes), temp.path());

    const auto states =
        CrashStatesOf(static_cast<uint32_t>(point.writes.size()), options.max_states, &point.enumeration);
    for (const std::vector<uint32_t>& kept : states) {
      std::vector<Operation> run = ops;
      run[at].crash = CrashSpec{};
      run[at].crash.mode = CrashMode::kKeep;
      run[at].crash.keep = kept;
      divergence.reset();
      s = RunLockstep(options.lockstep, run, image, &divergence);
      if (!s.ok()) return s;
      ++point.states;
      if (!divergence) continue;
      ++point.failed;
      if (result->failures.size() >= options.max_failures_kept) continue;
      CrashFailure f;
      f.point = result->points.size();
      f.kept = kept;
      for (uint32_t i = 0; i < point.writes.size(); ++i)
        if (!std::binary_search(kept.begin(), kept.end(), i)) f.dropped.push_back(i);
      f.report = LockstepChecker::FormatDivergence(*divergence, options.lockstep.config);
      f.what = "operation #" + std::to_string(divergence->index) + ": " + FirstLine(divergence->what);
      f.script = std::move(run);
      result->failures.push_back(std::move(f));
    }
    result->states += point.states;
    result->failed += point.failed;
    result->points.push_back(std::move(point));
  }
  return Status::Ok();
}

}  // namespace zonesim
