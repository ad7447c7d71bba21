#include "sim/gate/image_findings.h"

#include "common/env.h"
#include "qcow2/check/image_check.h"

namespace zonesim {

std::string ImageFindings(const std::string& path) {
  check::CheckReport report;
  Status s = check::CheckImage(Env::Default(), path, check::CheckOptions{}, &report);
  if (!s.ok()) return "check.failed: " + s.ToString() + "\n";
  if (!report.checked) return "check.unreadable: " + report.reason + "\n";
  std::string out;
  for (const check::Finding& f : report.findings)
    if (f.severity != check::Severity::kWarning) out += f.id + ": " + f.message + "\n";
  return out;
}

}  // namespace zonesim
