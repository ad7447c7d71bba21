// The identifiers `zonesim check` reports, each with its severity and the rule
// it stands for, in one table (check_rules.cpp) so identifiers stay stable and
// every finding of an id explains the same rule. Prefixes: "io." the file,
// "qcow2." the qcow2 structure (QEMU docs/interop/qcow2.txt), "refcount."
// refcounts (what `qemu-img check` counts), "zoned." the zoned format
// (qcow2-zoned.md), "check." limits of the checker itself.
#pragma once

#include <string_view>
#include <vector>

#include "qcow2/check/image_check.h"

namespace zonesim::check {

struct RuleInfo {
  std::string_view id;
  Severity severity;
  std::string_view rule;  // one sentence
  bool stops_check = false;  // the image cannot be checked (exit 1)
  bool strict_only = false;  // reported only with --strict
};

// The entry for `id`; an unknown id is a programming error and yields a
// generic error entry (tests check that every id used is in the table).
const RuleInfo& Rule(std::string_view id);
bool IsKnownRule(std::string_view id);
const std::vector<RuleInfo>& AllRules();

}  // namespace zonesim::check
