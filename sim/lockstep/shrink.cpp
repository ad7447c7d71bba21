#include "sim/lockstep/shrink.h"

#include <algorithm>

namespace zonesim {

ShrinkResult ShrinkOperations(std::vector<Operation> ops, const FailurePredicate& fails,
                              size_t max_tests) {
  ShrinkResult r;
  auto test = [&](const std::vector<Operation>& candidate) {
    if (r.tests_run >= max_tests) {
      r.budget_exhausted = true;
      return false;
    }
    ++r.tests_run;
    return fails(candidate);
  };
  size_t n = 2;
  while (ops.size() >= 2 && !r.budget_exhausted) {
    size_t chunk = (ops.size() + n - 1) / n;
    bool reduced = false;
    // Try each complement: the sequence without one chunk. Going from the end
    // first keeps the prefix that built the state up as long as possible.
    for (size_t start = 0; start < ops.size(); start += chunk) {
      std::vector<Operation> candidate;
      candidate.reserve(ops.size());
      candidate.insert(candidate.end(), ops.begin(), ops.begin() + start);
      size_t end = std::min(ops.size(), start + chunk);
      candidate.insert(candidate.end(), ops.begin() + end, ops.end());
      if (!candidate.empty() && test(candidate)) {
        ops = std::move(candidate);
        n = std::max<size_t>(n - 1, 2);
        reduced = true;
        break;
      }
      if (r.budget_exhausted) break;
    }
    if (reduced) continue;
    if (chunk == 1) break;  // every single removal tried: 1-minimal
    n = std::min(ops.size(), n * 2);
  }
  r.ops = std::move(ops);
  return r;
}

}  // namespace zonesim
