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

namespace zonesim {

void SplitImageFindings(const std::string& path, std::string* corruption, std::string* leaks,
                        uint64_t* leaked_clusters) {
  check::CheckReport report;
  check::CheckOptions options;
  options.force_share = true;
  Status s = check::CheckImage(Env::Default(), path, options, &report);
  if (!s.ok()) {
    *corruption = "check.failed: " + s.ToString() + "\n";
    return;
  }
  if (!report.checked) {
    *corruption = "check.unreadable: " + report.reason + "\n";
    return;
  }
  if (leaked_clusters != nullptr) *leaked_clusters = report.counts.leaks;
  for (const check::Finding& f : report.findings) {
    if (f.severity == check::Severity::kError) *corruption += f.id + ": " + f.message + "\n";
    if (f.severity == check::Severity::kLeak) *leaks += f.id + ": " + f.message + "\n";
  }
}

ImageProblems PowerLossImageProblems(const std::string& path) {
  ImageProblems p;
  SplitImageFindings(path, &p.corruption, &p.leaks, &p.leaked_clusters);
  return p;
}

}  // namespace zonesim
