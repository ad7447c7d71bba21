// The reports of `zonesim fuzz`: what a campaign ran, its coverage and its
// verdict, as text, one JSON document, or a JUnit XML test case.
#include "sim/cli/fuzz_report.h"

#include <sstream>
#include <vector>

#include "common/build_info.h"
#include "common/json_writer.h"
#include "sim/lockstep/run_output.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

std::string ReproducerScript(const CampaignResult& r) {
  std::string out;
  for (const Operation& op : r.reproducer) out += FormatScriptLine(op) + "\n";
  return out;
}

// Every line of `text`, indented by two spaces.
void IndentLines(std::ostream& out, const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
}

bool Failed(const CampaignResult& r) { return !r.close_error.empty() || !r.image_findings.empty(); }

// What ran: the seed, the device, the operations and their statuses, the
// choices and power losses.
void WriteRunText(std::ostream& out, const CampaignOptions& o, const CampaignResult& r) {
  out << "zonesim fuzz: seed " << o.workload.seed << ", " << r.ops_run << " operations, profile "
      << to_string(o.config.params.profile) << "\n";
  out << "device: " << FormatDeviceConfig(o.config) << "\n";
  if (o.dut.external())
    out << "implementation under test: " << ShellJoin(o.dut.qemu_io.command) << " IMAGE (errno "
        << to_string(o.errno_vocabulary) << ")\n";
  out << "operations:\n";
  for (const auto& [k, n] : r.op_counts) out << "  " << to_string(k) << " " << n << "\n";
  out << "statuses:\n";
  for (const auto& [s, n] : r.status_counts) out << "  " << status_id(s) << " " << n << "\n";
  if (r.host_refusals) out << "  refused by the host (misaligned range) " << r.host_refusals << "\n";
  out << "device choices adopted: " << r.choices_adopted << "\n";
  if (r.power_losses > 0)
    out << "power losses: " << r.power_losses << ", states adopted: " << r.states_adopted
        << ", leaked clusters at the end (crash residue, not judged): " << r.crash_leaked_clusters << "\n";
  for (const AdoptedChoice& c : r.adopted_samples) out << "  #" << c.index << " " << c.description << "\n";
}

void WriteCoverageText(std::ostream& out, const CampaignResult& r) {
  out << "edge coverage: " << CoverageLine(r.coverage_summary) << "\n";
  for (const std::string& e : r.coverage_summary.uncovered) out << "  uncovered: " << e << "\n";
  for (const std::string& e : r.coverage_summary.unexpected) out << "  NOT IN THE STATE GRAPH: " << e << "\n";
  out << "triple coverage (condition, operation, outcome): " << TripleCoverageLine(r.triple_summary) << "\n";
  for (const std::string& t : r.triple_summary.uncovered) out << "  uncovered: " << t << "\n";
  for (const std::string& t : r.triple_summary.unexpected) out << "  not found reachable: " << t << "\n";
}

void WriteDivergenceText(std::ostream& out, const CampaignOptions& o, const CampaignResult& r) {
  out << r.divergence_text;
  out << "minimal reproducer (" << r.reproducer.size() << " operations, " << r.shrink_tests << " shrink runs"
      << (r.shrink_complete ? "" : ", budget exhausted") << "):\n";
  out << "  zonesim fuzz --config '" << FormatDeviceConfig(o.config) << "' --replay repro.script\n";
  out << "repro.script:\n";
  IndentLines(out, ReproducerScript(r));
  if (o.dut.external()) {
    out << "the same with the implementation alone (one qemu-io per power-on):\n";
    IndentLines(out, FormatQemuIoReproducer(o.dut, o.config, o.cluster_size, r.reproducer));
  }
  out << "verdict: DIVERGENCE\n";
}

void WriteVerdictText(std::ostream& out, const CampaignOptions& o, const CampaignResult& r) {
  if (r.divergence) {
    WriteDivergenceText(out, o, r);
  } else if (Failed(r)) {
    if (!r.close_error.empty()) out << "the implementation failed at the end: " << r.close_error << "\n";
    if (!r.image_findings.empty()) out << "zonesim check of the image it left:\n" << r.image_findings;
    out << "verdict: FAILED\n";
  } else {
    out << "verdict: CONFORMING (model and " << (o.dut.external() ? "implementation" : "qcow2 image")
        << " agreed on all " << r.ops_run << " operations)\n";
  }
}

void WriteStringsJson(JsonWriter& j, const char* key, const std::vector<std::string>& items) {
  j.Key(key).BeginArray();
  for (const std::string& s : items) j.String(s);
  j.EndArray();
}

// "coverage" and "triple_coverage": the summary, then every item taken with
// its count under `counts_key` (what `zonesim campaign merge` unions across
// shards), in the model's order.
template <typename Summary, typename Counts>
void WriteCoverageJson(JsonWriter& j, const char* key, const Summary& s, const char* counts_key,
                       const Counts& counts) {
  j.Key(key).BeginObject();
  j.Field("covered", static_cast<uint64_t>(s.covered));
  j.Field("total", static_cast<uint64_t>(s.total));
  j.Field("percent", s.percent);
  WriteStringsJson(j, "uncovered", s.uncovered);
  WriteStringsJson(j, "unexpected", s.unexpected);
  j.Key(counts_key).BeginObject();
  for (const auto& [item, n] : counts) j.Field(to_string(item), n);
  j.EndObject();
  j.EndObject();
}

void WriteDivergenceJson(JsonWriter& j, const CampaignOptions& o, const CampaignResult& r) {
  const Divergence& d = *r.divergence;
  j.Key("divergence").BeginObject();
  j.Field("index", d.index).Field("operation", FormatScriptLine(d.op)).Field("what", d.what);
  j.Field("model", d.model.Summary()).Field("device", d.device.Summary());
  j.Field("report", r.divergence_text);
  j.Key("reproducer").BeginArray();
  for (const Operation& op : r.reproducer) j.String(FormatScriptLine(op));
  j.EndArray();
  if (o.dut.external())
    j.Field("qemu_io_reproducer", FormatQemuIoReproducer(o.dut, o.config, o.cluster_size, r.reproducer));
  j.EndObject();
}

}  // namespace

std::string FormatFuzzText(const CampaignOptions& o, const CampaignResult& r) {
  std::ostringstream out;
  WriteRunText(out, o, r);
  WriteCoverageText(out, r);
  WriteVerdictText(out, o, r);
  if (!r.image_path.empty()) out << "image: " << r.image_path << "\n";
  return out.str();
}

std::string FormatFuzzJson(const CampaignOptions& o, const CampaignResult& r) {
  JsonWriter j;
  j.BeginObject();
  j.Field("zonesim_version", BuildVersion());
  j.Field("seed", o.workload.seed).Field("operations", r.ops_run);
  j.Field("profile", to_string(o.config.params.profile));
  j.Field("device", FormatDeviceConfig(o.config));
  WriteCountsJson(j, r.op_counts, r.status_counts);
  j.Field("host_refusals", r.host_refusals);
  j.Field("choices_adopted", r.choices_adopted);
  j.Field("power_losses", r.power_losses).Field("states_adopted", r.states_adopted);
  j.Field("crash_leaked_clusters", r.crash_leaked_clusters);
  WriteCoverageJson(j, "coverage", r.coverage_summary, "edges", r.coverage.counts());
  WriteCoverageJson(j, "triple_coverage", r.triple_summary, "triples", r.triples.counts());
  if (r.divergence) WriteDivergenceJson(j, o, r);
  if (o.dut.external()) {
    j.Field("implementation", ShellJoin(o.dut.qemu_io.command));
    j.Field("close_error", r.close_error).Field("image_findings", r.image_findings);
  }
  j.Field("verdict", r.divergence ? "divergence" : Failed(r) ? "failed" : "conforming");
  if (!r.image_path.empty()) j.Field("image", r.image_path);
  j.EndObject();
  return j.str();
}

std::string FormatFuzzJunit(const CampaignOptions& o, const CampaignResult& r) {
  const std::string name =
      "fuzz seed " + std::to_string(o.workload.seed) + " profile " + std::string(to_string(o.config.params.profile));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites>\n<testsuite name=\"zonesim.fuzz\" tests=\"1\" failures=\"" +
         std::string(r.divergence ? "1" : "0") + "\" errors=\"0\">\n";
  out += "  <testcase classname=\"zonesim.fuzz\" name=\"" + XmlEscape(name) + "\">\n";
  if (r.divergence) {
    out += "    <failure message=\"" + XmlEscape(r.divergence->what) + "\">" +
           XmlEscape(r.divergence_text + "reproducer:\n" + ReproducerScript(r)) + "</failure>\n";
  }
  out += "    <system-out>" +
         XmlEscape(std::to_string(r.ops_run) + " operations, edge coverage " + CoverageLine(r.coverage_summary)) +
         "</system-out>\n";
  out += "  </testcase>\n</testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace zonesim
