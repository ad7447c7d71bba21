// Running the external anchors (qemu-img, blkparse, zonesim itself) as child
// processes: no shell, output captured, wall-clock and CPU time measured.
#pragma once

#include <string>
#include <vector>

namespace zonesim::bench {

struct ChildResult {
  int exit_code = -1;       // -1: did not exit normally
  double wall_seconds = 0;  // fork to exit
  double cpu_seconds = 0;   // user + system of the child (all its threads)
  std::string output;       // stdout and stderr, interleaved
};

// Runs argv[0] (looked up in PATH) with the arguments; stdin is /dev/null.
// Returns false (and says why in *error) if it could not be started, was
// killed by a signal, or exited non-zero.
bool RunChild(const std::vector<std::string>& argv, ChildResult* result, std::string* error);

// Whether `program` is an executable in PATH (or a path to one).
bool ProgramAvailable(const std::string& program);

}  // namespace zonesim::bench
