// Exhaustive small crash windows (issue 15 item 3, in the manner of
// CrashMonkey): for a short script, every crash state the file layer can be
// left in at each power loss is tried, and each is checked the way a fuzz
// campaign checks one: the model's set of allowed states after the loss, the
// image's structure, and the rest of the script in lockstep.
//
// A crash point is a `powerloss` line of the script (a script without one
// gets one at its end). Its window is the writes the device had not made
// durable there (Device::UnsyncedWrites, numbered in issue order since the
// last sync). A crash state is the subset of them that survives, whole:
// `powerloss keep I,J`. Between two syncs a disk may persist any subset, so
// every subset is tried when there are at most max_states of them; beyond
// that, every prefix (the writes reached the disk in order, cut anywhere),
// then every prefix with one earlier write missing, until max_states.
// Sector-torn states are not enumerated (`powerloss torn` samples them in
// fuzz campaigns).
//
// Each state is a fresh run of the whole script from a new image, with that
// crash point's line replaced by `powerloss keep ...` (the other crash points
// keep their own specs): a failure's script is its own reproducer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "zoned/operation.h"

namespace zonesim {

struct CrashStatesOptions {
  // The device, the device under test (zonesim's own qcow2 layer: an
  // external process cannot name its unsynced writes), the cluster size and
  // the structural check run after every power loss.
  CampaignOptions lockstep;
  uint64_t max_states = 4096;  // per crash point
  // Failures kept in full (the rest are counted).
  size_t max_failures_kept = 10;
};

struct CrashPoint {
  uint64_t index = 0;               // of the powerloss operation in the script
  std::vector<std::string> writes;  // the window, numbered as `keep` numbers them
  std::string enumeration;          // "every subset" or "prefixes, then prefixes missing one write"
  uint64_t states = 0;              // tried
  uint64_t failed = 0;
};

struct CrashFailure {
  size_t point = 0;                    // into CrashStatesResult::points
  std::vector<uint32_t> kept;          // the surviving writes
  std::vector<uint32_t> dropped;       // the others
  std::string what;                    // the divergence, one line
  std::string report;                  // LockstepChecker::FormatDivergence
  std::vector<Operation> script;       // the run that failed (its own reproducer)
};

struct CrashStatesResult {
  std::vector<CrashPoint> points;
  uint64_t states = 0;  // tried in all
  uint64_t failed = 0;
  std::vector<CrashFailure> failures;  // the first max_failures_kept
  // The script diverged before its first crash point (with every unsynced
  // write kept): no crash state is meaningful then. Its report.
  std::string prefix_divergence;
};

// The crash states of one window of n writes, in the order they are tried
// (ascending write indices in each).
std::vector<std::vector<uint32_t>> CrashStatesOf(uint32_t n, uint64_t max_states, std::string* enumeration);

// Setup errors (bad configuration, a device that cannot name its unsynced
// writes, an image that cannot be created) return a non-ok Status; failing
// states are a successful run with result->failed > 0.
Status RunCrashStates(const CrashStatesOptions& options, const std::vector<Operation>& script,
                      CrashStatesResult* result);

}  // namespace zonesim
