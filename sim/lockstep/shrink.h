// Deterministic delta debugging (Zeller's ddmin) over operation sequences:
// finds a small subsequence that still fails, for a minimal reproducer.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "zoned/operation.h"

namespace zonesim {

// Returns true when the sequence still shows the failure.
using FailurePredicate = std::function<bool(const std::vector<Operation>&)>;

struct ShrinkResult {
  std::vector<Operation> ops;
  size_t tests_run = 0;
  bool budget_exhausted = false;
};

// `ops` must fail. Tries removing chunks (halves, quarters, ... single
// operations) as long as the failure persists, within max_tests runs of the
// predicate. The result is 1-minimal when the budget suffices: removing any
// single operation makes the failure go away.
ShrinkResult ShrinkOperations(std::vector<Operation> ops, const FailurePredicate& fails,
                              size_t max_tests = 4000);

}  // namespace zonesim
