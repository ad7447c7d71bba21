// The zonesim subcommands. Each lives in its own sim/cli/cmd_<name>.cpp and takes
// the arguments after the subcommand name; it returns the process exit status.
// Usage errors print one line to stderr and return 2 (fuzz/replay/check keep
// their own documented codes). sim/cli/README.md shows the shape of a command.
#pragma once

#include <string>
#include <vector>

namespace zonesim {

using CommandArgs = std::vector<std::string>;

int RunIoCommand(const CommandArgs& args);      // sim/cli/cmd_io.cpp
int RunDemoCommand(const CommandArgs& args);    // sim/cli/cmd_demo.cpp
int RunGraphCommand(const CommandArgs& args);   // sim/cli/cmd_graph.cpp
int RunCreateCommand(const CommandArgs& args);  // sim/cli/cmd_create.cpp
int RunInfoCommand(const CommandArgs& args);    // sim/cli/cmd_info.cpp
int RunFuzzCommand(const CommandArgs& args);    // sim/cli/cmd_fuzz.cpp
int RunReplayCommand(const CommandArgs& args);  // sim/cli/cmd_replay.cpp
int RunCheckCommand(const CommandArgs& args);   // sim/cli/cmd_check.cpp
int RunCampaignCommand(const CommandArgs& args);  // sim/cli/cmd_campaign.cpp
int RunGateCommand(const CommandArgs& args);    // sim/cli/cmd_gate.cpp
int RunConvertCommand(const CommandArgs& args);  // sim/cli/cmd_convert.cpp
int RunCrashCommand(const CommandArgs& args);    // sim/cli/cmd_crash.cpp

}  // namespace zonesim
