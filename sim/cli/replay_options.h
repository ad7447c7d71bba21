// The options of `zonesim replay` (sim/cli/cmd_replay.cpp) and their parse.
#pragma once

#include <string>

#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/replay/replay.h"

namespace zonesim {

struct ReplayCommandOptions {
  ReplayOptions replay;  // without the progress cmd_replay.cpp attaches
  bool json = false;
  bool fail_on_violations = false;  // exit 3 when the workload broke zone rules
  std::string junit;                // also write a JUnit XML report to this file
};

// The command line as options: the traces, the device (the profile's
// default, --config, or --image's geometry), the power cycles and losses,
// the outputs (none of them an input). Prints what a partial blktrace
// capture lacks as warnings on stderr as it goes; a usage error stops the
// command with exit 2, --help with 0.
Parsed<ReplayCommandOptions> ParseReplayOptions(const CommandArgs& args);

}  // namespace zonesim
