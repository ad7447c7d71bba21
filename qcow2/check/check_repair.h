// --repair: what `zonesim check` may change without losing written data.
// - Leaked clusters (refcount above the references found): the refcount is
//   lowered to the number of references, as `qemu-img check -r leaks` does.
// - The write-pointer table: a refcount of 0 (freed by stock tools) or above 1
//   is set back to 1, provided no other structure has taken the cluster. If
//   the freed clusters were also discarded (their entries read as zeros), the
//   lost write pointers are rebuilt from the data each zone holds
//   (RebuildWritePointer): written data stays below the write pointer, so
//   none is hidden or overwritten later.
// Nothing else is touched: a refcount that is too low, an overlap, a bad
// field or entry needs a decision about whose data wins, which a checker
// cannot make. Leaks are only repaired when the walk saw every table
// (CheckContext::walk_complete): otherwise a "leaked" cluster may be in use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "qcow2/check/check_context.h"

namespace zonesim::check {

struct RepairPlan {
  std::vector<std::pair<uint64_t, uint64_t>> set;  // cluster -> new refcount, ascending
  std::vector<std::pair<uint64_t, uint64_t>> wps;  // zone -> rebuilt write-pointer entry, ascending
  std::vector<std::string> changes;                // one line per kind of change
  std::vector<std::string> refused;                // what could not be repaired, and why
};

RepairPlan PlanRepair(const CheckContext& c);

// Writes the rebuilt entries, flushes, then writes the planned refcounts into
// their refcount blocks (one read and one write per block) and flushes: a
// crash in between leaves a table that is freed but intact, which the next
// check reports and repairs.
Status ApplyRepair(File* file, const CheckContext& c, const RepairPlan& plan);

}  // namespace zonesim::check
