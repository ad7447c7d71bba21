// libFuzzer: `zonesim check` on arbitrary bytes. Besides "no crash, no hang,
// no unbounded allocation", three properties are checked:
// - a check without --repair never modifies the image;
// - a report is internally consistent (counts match the findings' severities,
//   the exit code matches the counts);
// - --repair of an image whose only problems are leaks (and whose tables
//   were all walked) leaves an image that checks clean of leaks and errors.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/mem_env.h"
#include "qcow2/check/image_check.h"

using namespace zonesim;
using namespace zonesim::check;

namespace {

void Consistent(const CheckReport& r, bool format) {
  CheckCounts n;
  for (const Finding& f : r.findings) {
    (f.severity == Severity::kError ? n.errors : f.severity == Severity::kLeak ? n.leaks : n.warnings) += f.count;
  }
  // Omitted findings are counted but not listed: listed counts are a lower bound.
  if (n.errors > r.counts.errors || n.leaks > r.counts.leaks || n.warnings > r.counts.warnings) __builtin_trap();
  if (r.omitted.empty() && !(n == r.counts)) __builtin_trap();
  const int code = r.exit_code();
  if (!r.checked && code != 1) __builtin_trap();
  if (r.checked && (code == 2) != (r.counts.errors > 0)) __builtin_trap();
  if (format) {  // once per input: formatting dominates the cost of a run
    FormatText(r);
    FormatJson({r}, code);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemEnv env;
  const std::vector<uint8_t> bytes(data, data + size);
  env.SetContents("img", bytes);
  CheckOptions strict;
  strict.strict = true;
  CheckReport report;
  if (!CheckImage(&env, "img", strict, &report).ok()) __builtin_trap();  // read-only: no checker failure
  if (env.Contents("img") != bytes) __builtin_trap();
  Consistent(report, true);

  CheckOptions repair;
  repair.repair = true;
  CheckReport repaired;
  if (!CheckImage(&env, "img", repair, &repaired).ok()) return 0;
  Consistent(repaired, false);
  const bool leaks_only = report.exit_code() == 3 && repaired.not_repaired.empty();
  if (leaks_only && repaired.before_repair && repaired.exit_code() != 0) __builtin_trap();
  return 0;
}
