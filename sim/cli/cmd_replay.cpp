// zonesim replay: a captured workload in lockstep on the model and a fresh
// zoned qcow2 image (sim/replay/replay.h); the workload's own zone-rule violations
// and any divergence of the image reported apart (sim/replay/replay_report.h).
// The options and their checks are in sim/cli/replay_options.cpp.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/replay_options.h"
#include "sim/lockstep/run_output.h"
#include "sim/replay/replay.h"
#include "sim/replay/replay_report.h"

namespace zonesim {

namespace {

constexpr int kExitConforming = 0;
constexpr int kExitDivergence = 1;
// kExitUsage (2): a usage error, or an unreadable or malformed input.
constexpr int kExitViolations = 3;

// The replay with progress on stderr: on a terminal a bar redrawn every 0.5%;
// in a log a line every 10% (and never more often than every 1000 events, so
// a small trace logs one line).
Status RunTraces(const ReplayCommandOptions& o, ReplayResult* r) {
  ReplayOptions run = o.replay;
  const bool tty = isatty(STDERR_FILENO) != 0;
  uint64_t next_shown = 0;
  bool bar_open = false;  // a bar drawn on the terminal without its final newline
  run.progress_every = 1;
  run.progress = [tty, &next_shown, &bar_open](uint64_t done, uint64_t total) {
    const uint64_t step = tty ? std::max<uint64_t>(total / 200, 1) : std::max<uint64_t>(total / 10, 1000);
    if (next_shown == 0) next_shown = step;
    if (done < next_shown && done < total) return;
    next_shown = done + step;
    PrintProgress(tty, "replay", "I/O events", done, total);
    bar_open = tty && done < total;
  };
  const Status s = RunReplay(run, r);
  if (bar_open) std::fprintf(stderr, "\n");  // stopped early (divergence, error)
  return s;
}

int ExitStatus(const ReplayCommandOptions& o, const ReplayResult& r) {
  if (r.divergence || !r.close_error.empty()) return kExitDivergence;
  if (o.fail_on_violations && r.violations > 0) return kExitViolations;
  return kExitConforming;
}

}  // namespace

int RunReplayCommand(const CommandArgs& args) {
  const Parsed<ReplayCommandOptions> p = ParseReplayOptions(args);
  if (p.exit) return *p.exit;
  const ReplayCommandOptions& o = p.options;
  ReplayResult r;
  if (Status s = RunTraces(o, &r); !s.ok()) return CommandError("replay", s.message(), kExitUsage);
  std::cout << (o.json ? ReplayJsonReport(o.replay, r) : ReplayTextReport(o.replay, r));
  std::cout.flush();
  if (!o.junit.empty()) {
    if (Status s = WriteOptionFile("--junit", o.junit, ReplayJunitReport(o.replay, r, o.fail_on_violations)); !s.ok())
      return CommandError("replay", s.message(), kExitUsage);
  }
  if (!r.close_error.empty())
    std::fprintf(stderr, "zonesim replay: the implementation failed at the end: %s\n", r.close_error.c_str());
  return ExitStatus(o, r);
}

}  // namespace zonesim
