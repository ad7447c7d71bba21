// Text and JSON renderings of CheckReport. Both are deterministic: findings in
// discovery order, maps ordered by key.
#include <set>

#include "common/build_info.h"
#include "common/json_writer.h"
#include "qcow2/check/check_context.h"
#include "qcow2/storage/zoned_extension.h"

namespace zonesim::check {

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

std::string Plural(uint64_t n, const char* one, const char* many) { return N(n) + " " + (n == 1 ? one : many); }

std::string Verdict(int code) {
  switch (code) {
    case 0: return "no errors, no leaks";
    case 1: return "could not check";
    case 2: return "corruption";
    case 3: return "leaks only";
  }
  return "?";
}

std::string CountsLine(const CheckCounts& n) {
  return Plural(n.errors, "error", "errors") + ", " + Plural(n.leaks, "leaked cluster", "leaked clusters") + ", " +
         Plural(n.warnings, "warning", "warnings");
}

void WriteSummary(JsonWriter& j, const ImageSummary& s) {
  j.Key("summary").BeginObject();
  j.Field("file_size", s.file_size).Field("version", s.version).Field("virtual_size", s.virtual_size);
  j.Field("cluster_size", s.cluster_size).Field("file_clusters", s.file_clusters);
  j.Field("referenced_clusters", s.referenced_clusters);
  if (s.zoned) {
    const ZonedExtension& z = *s.zoned;
    j.Key("zoned").BeginObject();
    j.Field("layout", qcow2::ZonedLayoutId(z.layout));
    j.Field("extension_length", s.zoned_extension_length);
    j.Field("revision", qcow2::ZonedLayoutRevisions(z.layout));
    j.Field("entry_encoding", qcow2::ZonedEntryEncoding(z.layout));
    j.Field("zone_size", z.zone_size).Field("zone_capacity", z.zone_capacity);
    j.Field("conventional_zones", z.conventional_zones).Field("nr_zones", z.nr_zones);
    j.Field("max_open_zones", z.max_open_zones).Field("max_active_zones", z.max_active_zones);
    j.Field("max_append_bytes", z.max_append_bytes);
    j.Field("zonedmeta_offset", z.zonedmeta_offset).Field("zonedmeta_size", z.zonedmeta_size);
    j.EndObject();
  } else {
    j.Key("zoned").Null();
  }
  j.EndObject();
}

void WriteCounts(JsonWriter& j, const char* key, const CheckCounts& n) {
  j.Key(key).BeginObject();
  j.Field("errors", n.errors).Field("leaks", n.leaks).Field("warnings", n.warnings);
  j.EndObject();
}

void WriteReport(JsonWriter& j, const CheckReport& r, const std::function<void(JsonWriter&)>& extra) {
  j.BeginObject();
  j.Field("image", r.path);
  j.Field("checked", r.checked);
  if (!r.checked) j.Field("reason", r.reason);
  WriteSummary(j, r.summary);
  j.Key("findings").BeginArray();
  for (const Finding& f : r.findings) {
    j.BeginObject();
    j.Field("id", f.id).Field("severity", to_string(f.severity));
    j.Field("rule", f.rule).Field("message", f.message).Field("count", f.count);
    j.Key("values").BeginObject();
    for (const FindingValue& v : f.values) {
      if (v.text.empty()) {
        j.Field(v.name, v.number);
      } else {
        j.Field(v.name, v.text);
      }
    }
    j.EndObject();
    j.EndObject();
  }
  j.EndArray();
  j.Key("omitted").BeginObject();
  for (const auto& [id, n] : r.omitted) j.Field(id, n);
  j.EndObject();
  WriteCounts(j, "counts", r.counts);
  // The leaked clusters themselves, for comparison with other checkers
  // (bounded: the counts above are exact).
  constexpr size_t kMaxListed = 4096;
  j.Key("leaked_clusters").BeginArray();
  for (size_t i = 0; i < r.leaked_clusters.size() && i < kMaxListed; ++i) j.Uint(r.leaked_clusters[i]);
  j.EndArray();
  j.Field("leaked_clusters_truncated", r.leaked_clusters.size() > kMaxListed);
  if (r.before_repair || !r.repairs.empty() || !r.not_repaired.empty()) {
    j.Key("repair").BeginObject();
    if (r.before_repair) WriteCounts(j, "before", *r.before_repair);
    j.Key("changed").BeginArray();
    for (const std::string& s : r.repairs) j.String(s);
    j.EndArray();
    j.Key("not_repaired").BeginArray();
    for (const std::string& s : r.not_repaired) j.String(s);
    j.EndArray();
    j.EndObject();
  }
  if (extra) extra(j);
  j.Field("exit_code", r.exit_code());
  j.EndObject();
}

}  // namespace

std::string FormatText(const CheckReport& r) {
  std::string out = r.path + ":\n";
  const ImageSummary& s = r.summary;
  if (s.cluster_size > 0) {
    out += "  qcow2 version " + N(s.version) + ", virtual size " + N(s.virtual_size) + ", cluster size " +
           N(s.cluster_size) + ", file " + N(s.file_size) + " bytes (" + N(s.file_clusters) + " clusters, " +
           N(s.referenced_clusters) + " referenced)\n";
  }
  if (s.zoned) {
    const ZonedExtension& z = *s.zoned;
    out += "  zoned: " + std::string(qcow2::ZonedLayoutName(z.layout)) + " layout, " + N(z.nr_zones) +
           " zones of " + N(z.zone_size) + " bytes (capacity " + N(z.zone_capacity) + "), " +
           N(z.conventional_zones) + " conventional, max open " + N(z.max_open_zones) + ", max active " +
           N(z.max_active_zones) + ", write-pointer table at " + Hex(z.zonedmeta_offset) + " (" +
           N(z.zonedmeta_size) + " bytes)\n";
    out += "  revision: " + std::string(qcow2::ZonedLayoutRevisions(z.layout)) + "; entries " +
           qcow2::ZonedEntryEncoding(z.layout) + "; max append " + N(z.max_append_bytes) + "\n";
  }
  if (r.before_repair) out += "  before repair: " + CountsLine(*r.before_repair) + "\n";
  for (const std::string& c : r.repairs) out += "  repaired: " + c + "\n";
  for (const std::string& c : r.not_repaired) out += "  not repaired: " + c + "\n";
  std::set<std::string> explained;
  for (const Finding& f : r.findings) {
    std::string sev(to_string(f.severity));
    sev.resize(8, ' ');
    out += "  " + sev + f.id + ": " + f.message + "\n";
    if (explained.insert(f.id).second) out += "          rule: " + f.rule + "\n";
  }
  for (const auto& [id, n] : r.omitted) out += "  (" + N(n) + " more " + id + " findings not listed)\n";
  if (!r.checked) out += "  could not check: " + r.reason + "\n";
  const int code = r.exit_code();
  out += "  result: " + CountsLine(r.counts) + " -> exit " + N(code) + " (" + Verdict(code) + ")\n";
  return out;
}

std::string FormatJson(const std::vector<CheckReport>& reports, int exit_code,
                       const std::function<void(JsonWriter&, size_t)>& extra) {
  JsonWriter j;
  j.BeginObject();
  j.Field("zonesim_version", BuildVersion());
  j.Key("images").BeginArray();
  for (size_t i = 0; i < reports.size(); ++i) {
    std::function<void(JsonWriter&)> more;
    if (extra) more = [&](JsonWriter& w) { extra(w, i); };
    WriteReport(j, reports[i], more);
  }
  j.EndArray();
  j.Field("exit_code", exit_code);
  j.EndObject();
  return j.str() + "\n";
}

}  // namespace zonesim::check
