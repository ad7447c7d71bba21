#include "sim/campaign/campaign_report.h"

#include <sstream>

#include "common/json_writer.h"
#include "sim/lockstep/run_output.h"

namespace zonesim {

namespace {

const char* StateName(ShardOutcome::State s) {
  switch (s) {
    case ShardOutcome::State::kDone: return "done";
    case ShardOutcome::State::kFailed: return "failed";
    case ShardOutcome::State::kMissing: return "missing";
  }
  return "?";
}

std::string ReplayLine(const Finding& f) {
  return "zonesim fuzz --config '" + f.device + "' --replay repro.script";
}

void WriteStrings(JsonWriter& j, const char* key, const std::vector<std::string>& v) {
  j.Key(key).BeginArray();
  for (const std::string& s : v) j.String(s);
  j.EndArray();
}

void WriteCounts(JsonWriter& j, const char* key, const std::map<std::string, uint64_t>& counts) {
  j.Key(key).BeginObject();
  for (const auto& [k, n] : counts) j.Field(k, n);
  j.EndObject();
}

}  // namespace

std::string ShardName(const Shard& s) {
  std::string name = "shard " + std::to_string(s.index) + " (seed " + std::to_string(s.seed) +
                     ", profile " + s.profile;
  if (!s.config.empty()) name += ", config '" + s.config + "'";
  return name + ")";
}

std::string MergedText(const MergedCampaign& m) {
  std::ostringstream out;
  out << "zonesim campaign: " << m.outcomes.size() << " shards: " << m.done << " done, "
      << m.failed << " failed, " << m.missing << " missing\n";
  for (const ShardOutcome& o : m.outcomes)
    if (o.state != ShardOutcome::State::kDone)
      out << "  " << StateName(o.state) << ": " << ShardName(o.shard) << ": " << o.reason << "\n";
  out << "operations: " << m.operations << "\n";
  for (const auto& [k, n] : m.op_counts) out << "  " << k << " " << n << "\n";
  out << "statuses:\n";
  for (const auto& [s, n] : m.status_counts) out << "  " << s << " " << n << "\n";
  for (const auto& [device, u] : m.coverage) {
    out << "edge coverage, union over its shards: " << CoverageLine(u.summary) << "\n";
    out << "  device: " << device << "\n";
    for (const std::string& e : u.summary.uncovered) out << "  uncovered: " << e << "\n";
    for (const std::string& e : u.summary.unexpected) out << "  NOT IN THE STATE GRAPH: " << e << "\n";
  }
  out << "findings: " << m.findings.size() << "\n";
  for (size_t i = 0; i < m.findings.size(); ++i) {
    const Finding& f = m.findings[i];
    out << "finding " << i + 1 << ": " << f.what << "\n";
    out << "  found by " << f.shards.size() << " shard(s):";
    for (size_t k = 0; k < f.shards.size(); ++k)
      out << " " << f.shards[k] << " (seed " << f.seeds[k] << ")";
    out << "\n  " << ReplayLine(f) << "\n  repro.script (" << f.reproducer.size()
        << " operations):\n";
    for (const std::string& line : f.reproducer) out << "    " << line << "\n";
  }
  out << "verdict: " << Verdict(m) << "\n";
  return out.str();
}

std::string MergedJson(const MergedCampaign& m) {
  JsonWriter j;
  j.BeginObject();
  j.Key("shards").BeginObject();
  j.Field("total", static_cast<uint64_t>(m.outcomes.size()));
  j.Field("done", m.done).Field("failed", m.failed).Field("missing", m.missing);
  j.EndObject();
  j.Key("incomplete").BeginArray();
  for (const ShardOutcome& o : m.outcomes) {
    if (o.state == ShardOutcome::State::kDone) continue;
    j.BeginObject();
    j.Field("shard", o.shard.index).Field("seed", o.shard.seed);
    j.Field("profile", o.shard.profile).Field("config", o.shard.config);
    j.Field("state", StateName(o.state)).Field("reason", o.reason);
    j.EndObject();
  }
  j.EndArray();
  j.Field("operations", m.operations);
  WriteCounts(j, "op_counts", m.op_counts);
  WriteCounts(j, "status_counts", m.status_counts);
  j.Key("coverage").BeginArray();
  for (const auto& [device, u] : m.coverage) {
    j.BeginObject();
    j.Field("device", device);
    j.Field("covered", static_cast<uint64_t>(u.summary.covered));
    j.Field("total", static_cast<uint64_t>(u.summary.total));
    j.Field("percent", u.summary.percent);
    WriteStrings(j, "uncovered", u.summary.uncovered);
    WriteStrings(j, "unexpected", u.summary.unexpected);
    WriteCounts(j, "edges", u.edges);
    j.EndObject();
  }
  j.EndArray();
  j.Key("findings").BeginArray();
  for (const Finding& f : m.findings) {
    j.BeginObject();
    j.Field("what", f.what).Field("device", f.device).Field("replay", ReplayLine(f));
    WriteStrings(j, "reproducer", f.reproducer);
    j.Key("shards").BeginArray();
    for (uint64_t s : f.shards) j.Uint(s);
    j.EndArray();
    j.Key("seeds").BeginArray();
    for (uint64_t s : f.seeds) j.Uint(s);
    j.EndArray();
    j.EndObject();
  }
  j.EndArray();
  j.Field("verdict", Verdict(m));
  j.EndObject();
  return j.str();
}

std::string MergedJunit(const MergedCampaign& m) {
  uint64_t failures = 0;
  for (const ShardOutcome& o : m.outcomes) failures += o.divergence ? 1 : 0;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += "<testsuite name=\"zonesim.campaign\" tests=\"" + std::to_string(m.outcomes.size()) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
         std::to_string(m.failed + m.missing) + "\">\n";
  for (const ShardOutcome& o : m.outcomes) {
    out += "  <testcase classname=\"zonesim.campaign\" name=\"" + XmlEscape(ShardName(o.shard)) +
           "\">\n";
    if (o.state != ShardOutcome::State::kDone) {
      out += "    <error message=\"" + XmlEscape(std::string(StateName(o.state)) + ": " + o.reason) +
             "\"/>\n";
    } else {
      if (o.divergence)
        out += "    <failure message=\"" + XmlEscape(o.what) + "\">" + XmlEscape(o.report) +
               "</failure>\n";
      out += "    <system-out>" +
             XmlEscape(std::to_string(o.operations) + " operations, edge coverage " + o.coverage) +
             "</system-out>\n";
    }
    out += "  </testcase>\n";
  }
  out += "</testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace zonesim
