#include "sim/replay/replay_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>
#include <vector>

#include "common/build_info.h"
#include "common/json_writer.h"
#include "zoned/zone_status.h"
#include "sim/lockstep/run_output.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

constexpr size_t kZonesListed = 10;

std::string Seconds(uint64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llu.%09llu s", static_cast<unsigned long long>(ns / 1000000000ull),
                static_cast<unsigned long long>(ns % 1000000000ull));
  return buf;
}

uint64_t Scaled(uint64_t ns, double scale) {
  const double v = static_cast<double>(ns) / scale;
  return v >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(v + 0.5);
}

template <typename Map>
std::string Counts(const Map& m) {
  std::string out;
  for (const auto& [k, n] : m) {
    if (!out.empty()) out += ", ";
    out += std::string(k) + " " + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

std::string OpCounts(const std::map<OpKind, uint64_t>& m) {
  std::string out;
  for (const auto& [k, n] : m) {
    if (!out.empty()) out += ", ";
    out += std::string(to_string(k)) + " " + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

// Zones with the most violations first (ties by zone index).
std::vector<std::pair<uint32_t, uint64_t>> ZonesByCount(const std::map<uint32_t, uint64_t>& m) {
  std::vector<std::pair<uint32_t, uint64_t>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return v;
}

std::string FirstAt(const RewriteCount& c) {
  if (!c.first) return "";
  return " (first: event " + std::to_string(c.first->event) + ", " + c.first->position + ")";
}

void QuoteText(std::ostream& out, const QuotedEvent& q, const char* indent) {
  out << indent << "event " << q.event << " (" << q.position << ")";
  if (!q.kind.empty()) out << " " << q.kind;
  if (!q.operation.empty()) out << ": " << q.operation;
  out << "\n";
  if (!q.text.empty()) out << indent << "  record: " << q.text << "\n";
}

void QuoteJson(JsonWriter& j, const QuotedEvent& q) {
  j.BeginObject();
  j.Field("event", q.event).Field("position", q.position);
  if (!q.kind.empty()) j.Field("kind", q.kind);
  j.Field("operation", q.operation).Field("record", q.text);
  j.EndObject();
}

void RewriteJson(JsonWriter& j, std::string_view key, const RewriteCount& c) {
  j.Key(key).BeginObject();
  j.Field("count", c.count);
  if (c.first) {
    j.Key("first");
    QuoteJson(j, *c.first);
  }
  j.EndObject();
}

std::string Verdict(const ReplayResult& r) {
  if (r.divergence) return "DIVERGENCE";
  return "CONFORMING";
}

}  // namespace

std::string TraceListName(const ReplayOptions& o) {
  std::string out;
  for (const std::string& t : o.traces) out += (out.empty() ? "" : " ") + t;
  return out;
}

std::string ReplayTextReport(const ReplayOptions& o, const ReplayResult& r) {
  std::ostringstream out;
  out << "zonesim replay: " << TraceListName(o) << " (" << to_string(r.format) << ", "
      << to_string(r.stage) << " events";
  if (!r.device_name.empty()) out << ", device " << r.device_name;
  out << ")\n";
  out << "device: " << FormatDeviceConfig(r.config) << "\n";
  out << "  " << r.device_source << "\n";
  out << "map: " << to_string(r.map);
  if (r.map == AddressMap::kZoneRebase)
    out << " (" << r.rebased_zones << " trace zones on device zones 0.." << (r.rebased_zones ? r.rebased_zones - 1 : 0)
        << " in order of first use)";
  out << "\n";

  out << "trace: " << r.records << " records, " << r.io_events << " I/O events ("
      << Counts(r.io_event_kinds) << ")\n";
  out << "skipped: " << r.skipped_not_io << " not I/O, " << r.skipped_other_stage
      << " I/O at another stage, " << r.skipped_other_device << " on another device";
  if (!r.skipped_actions.empty()) out << " (by action: " << Counts(r.skipped_actions) << ")";
  out << "\n";
  if (r.has_timestamps) {
    out << "trace duration: " << Seconds(r.duration_ns);
    if (r.time_scale != 1.0) {
      char scale[32];
      std::snprintf(scale, sizeof scale, "%g", r.time_scale);
      out << " (at --time-scale " << scale << ": " << Seconds(Scaled(r.duration_ns, r.time_scale)) << ")";
    }
    out << "; zonesim replays untimed\n";
  }

  out << "operations run: " << r.ops_run << " (" << OpCounts(r.op_counts) << ")\n";
  out << "rewrites:\n";
  out << "  fio whole-zone trims run as zone resets: " << r.trims_as_resets.count << FirstAt(r.trims_as_resets) << "\n";
  out << "  zero-length writes at a zone start run as zone resets (blktrace v7): "
      << r.zero_writes_as_resets.count << FirstAt(r.zero_writes_as_resets) << "\n";
  if (r.zero_writes_skipped.count)
    out << "  zero-length writes skipped (blkparse text shows no sector for them): "
        << r.zero_writes_skipped.count << FirstAt(r.zero_writes_skipped) << "\n";
  if (r.infer_resets) {
    out << "  --infer-resets: resets inserted before writes to the start of a written zone: "
        << r.implied_resets.count << FirstAt(r.implied_resets) << "\n";
  } else {
    out << "  writes to the start of a written zone, run as they are (--infer-resets would reset "
           "the zone first): "
        << r.rewinds.count << FirstAt(r.rewinds) << "\n";
  }
  out << "power cycles inserted: " << r.power_cycles << "\n";
  if (r.power_losses > 0)
    out << "power losses: " << r.power_losses << ", states adopted: " << r.states_adopted << "\n";
  out << "zones touched: " << r.zones_touched << " of " << r.config.nr_zones() << "\n";

  out << "zone-rule violations by the workload: " << r.violations << "\n";
  if (r.violations) {
    out << "  by kind: " << Counts(r.violations_by_kind) << "\n";
    auto zones = ZonesByCount(r.violations_by_zone);
    out << "  by zone (most first";
    if (zones.size() > kZonesListed) out << ", " << kZonesListed << " of " << zones.size() << " zones";
    out << "):";
    for (size_t i = 0; i < zones.size() && i < kZonesListed; ++i)
      out << (i ? ", " : " ") << "zone " << zones[i].first << " " << zones[i].second;
    if (r.violations_without_zone) out << (zones.empty() ? " " : ", ") << "beyond the device " << r.violations_without_zone;
    out << "\n";
    out << "  first " << r.quoted.size() << ":\n";
    for (const QuotedEvent& q : r.quoted) QuoteText(out, q, "    ");
  }
  out << "device choices adopted: " << r.choices_adopted << "\n";
  for (const AdoptedChoice& c : r.adopted_samples) out << "  #" << c.index << " " << c.description << "\n";
  out << "edge coverage: " << CoverageLine(r.coverage_summary) << "\n";
  for (const std::string& e : r.coverage_summary.unexpected) out << "  NOT IN THE STATE GRAPH: " << e << "\n";
  for (const std::string& w : r.warnings) out << "warning: " << w << "\n";
  if (r.warnings_dropped) out << "warning: " << r.warnings_dropped << " more warnings not shown\n";
  if (!o.write_script.empty()) out << "script: " << o.write_script << " (" << r.script_lines << " operations)\n";
  if (!o.write_iolog.empty())
    out << "fio iolog: " << o.write_iolog << " (" << r.iolog_lines << " lines, " << r.iolog_skipped
        << " operations fio cannot replay left out)\n";

  if (r.divergence) {
    out << r.divergence_text;
    if (r.divergence_event) QuoteText(out, *r.divergence_event, "  while replaying ");
    out << "  to shrink it: rerun with --write-script case.script, then\n"
        << "    zonesim fuzz --config '" << FormatDeviceConfig(r.config) << "' --replay case.script\n";
    out << "verdict: DIVERGENCE\n";
  } else {
    out << "verdict: CONFORMING (the model and the qcow2 image agreed on all " << r.ops_run
        << " operations)";
    if (r.violations) out << "; the workload broke zone rules " << r.violations << " times";
    out << "\n";
  }
  return out.str();
}

std::string ReplayJsonReport(const ReplayOptions& o, const ReplayResult& r) {
  JsonWriter j;
  j.BeginObject();
  j.Field("zonesim_version", BuildVersion());
  j.Key("traces").BeginArray();
  for (const std::string& t : o.traces) j.String(t);
  j.EndArray();
  j.Field("format", to_string(r.format)).Field("events", to_string(r.stage));
  j.Field("trace_device", r.device_name);
  j.Field("device", FormatDeviceConfig(r.config));
  j.Field("device_source", r.device_source);
  j.Field("sized_for_trace", r.sized_for_trace);
  j.Field("nr_zones", r.config.nr_zones());
  j.Field("map", to_string(r.map));
  if (r.map == AddressMap::kZoneRebase) j.Field("rebased_zones", r.rebased_zones);

  j.Field("records", r.records).Field("io_events", r.io_events);
  j.Key("io_event_kinds").BeginObject();
  for (const auto& [k, n] : r.io_event_kinds) j.Field(k, n);
  j.EndObject();
  j.Key("skipped").BeginObject();
  j.Field("not_io", r.skipped_not_io).Field("other_stage", r.skipped_other_stage);
  j.Field("other_device", r.skipped_other_device);
  j.Key("by_action").BeginObject();
  for (const auto& [k, n] : r.skipped_actions) j.Field(k, n);
  j.EndObject();
  j.EndObject();
  if (r.has_timestamps) {
    j.Field("duration_ns", r.duration_ns);
    j.Field("time_scale", r.time_scale);
    j.Field("scaled_duration_ns", Scaled(r.duration_ns, r.time_scale));
  }

  j.Field("operations", r.ops_run);
  WriteCountsJson(j, r.op_counts, r.status_counts);
  j.Field("host_refusals", r.host_refusals);
  j.Field("infer_resets", r.infer_resets);
  RewriteJson(j, "trims_as_resets", r.trims_as_resets);
  RewriteJson(j, "zero_length_writes_as_resets", r.zero_writes_as_resets);
  RewriteJson(j, "zero_length_writes_skipped", r.zero_writes_skipped);
  RewriteJson(j, "implied_resets", r.implied_resets);
  RewriteJson(j, "writes_to_written_zone_start", r.rewinds);
  j.Field("power_cycles", r.power_cycles);
  j.Field("power_losses", r.power_losses).Field("states_adopted", r.states_adopted);
  j.Field("zones_touched", r.zones_touched);

  j.Key("violations").BeginObject();
  j.Field("total", r.violations);
  j.Key("by_kind").BeginObject();
  for (const auto& [k, n] : r.violations_by_kind) j.Field(k, n);
  j.EndObject();
  j.Key("by_zone").BeginObject();
  for (const auto& [z, n] : r.violations_by_zone) j.Field(std::to_string(z), n);
  j.EndObject();
  j.Field("beyond_device", r.violations_without_zone);
  j.Key("first").BeginArray();
  for (const QuotedEvent& q : r.quoted) QuoteJson(j, q);
  j.EndArray();
  j.EndObject();

  j.Field("choices_adopted", r.choices_adopted);
  j.Key("coverage").BeginObject();
  j.Field("covered", static_cast<uint64_t>(r.coverage_summary.covered));
  j.Field("total", static_cast<uint64_t>(r.coverage_summary.total));
  j.Field("percent", r.coverage_summary.percent);
  j.Key("unexpected").BeginArray();
  for (const std::string& e : r.coverage_summary.unexpected) j.String(e);
  j.EndArray();
  j.EndObject();
  j.Key("warnings").BeginArray();
  for (const std::string& w : r.warnings) j.String(w);
  j.EndArray();
  if (!o.write_script.empty()) j.Field("script", o.write_script).Field("script_operations", r.script_lines);
  if (!o.write_iolog.empty()) j.Field("iolog", o.write_iolog).Field("iolog_lines", r.iolog_lines);
  if (r.divergence) {
    const Divergence& d = *r.divergence;
    j.Key("divergence").BeginObject();
    j.Field("index", d.index).Field("operation", FormatScriptLine(d.op)).Field("what", d.what);
    j.Field("model", d.model.Summary()).Field("device", d.device.Summary());
    if (r.divergence_event) {
      j.Key("trace_event");
      QuoteJson(j, *r.divergence_event);
    }
    j.Field("report", r.divergence_text);
    j.EndObject();
  }
  j.Field("verdict", r.divergence ? "divergence" : "conforming");
  j.EndObject();
  return j.str();
}

std::string ReplayJunitReport(const ReplayOptions& o, const ReplayResult& r, bool fail_on_violations) {
  const bool violation_failure = fail_on_violations && r.violations > 0 && !r.divergence;
  const bool failed = r.divergence.has_value() || violation_failure;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites>\n<testsuite name=\"zonesim.replay\" tests=\"1\" failures=\"" +
         std::string(failed ? "1" : "0") + "\" errors=\"0\">\n";
  out += "  <testcase classname=\"zonesim.replay\" name=\"" + XmlEscape("replay " + TraceListName(o)) + "\">\n";
  if (r.divergence) {
    std::string body = r.divergence_text;
    if (r.divergence_event) body += "trace: " + r.divergence_event->position + "\n";
    out += "    <failure message=\"" + XmlEscape(r.divergence->what) + "\">" + XmlEscape(body) + "</failure>\n";
  } else if (violation_failure) {
    std::ostringstream body;
    for (const QuotedEvent& q : r.quoted) QuoteText(body, q, "");
    out += "    <failure message=\"" + XmlEscape(std::to_string(r.violations) + " zone-rule violations") +
           "\">" + XmlEscape(body.str()) + "</failure>\n";
  }
  out += "    <system-out>" +
         XmlEscape(std::to_string(r.io_events) + " I/O events, " + std::to_string(r.violations) +
                   " violations, edge coverage " + CoverageLine(r.coverage_summary) + ", verdict " + Verdict(r)) +
         "</system-out>\n";
  out += "  </testcase>\n</testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace zonesim
