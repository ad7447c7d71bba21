// zonesim info: what a qcow2 image holds: virtual size, cluster size, the
// zoned extension's fields and layout revision, and how many zones are in
// each condition after open-to-closed recovery (the conditions a guest sees
// when the image is next opened). Opens the file read-only and never writes
// to it. Exit status: 0 ok, 1 the image cannot be read, 2 bad usage.
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/hex.h"
#include "common/build_info.h"
#include "common/json_writer.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/storage/zoned_extension.h"
#include "qcow2/zoned/zoned_image.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"

namespace zonesim {

namespace {

constexpr const char* kUsage =
    "usage: zonesim info IMAGE [--json] [-U|--force-share]\n"
    "\n"
    "Describes a qcow2 image: virtual size, cluster size, the zoned extension\n"
    "(layout revision, zone geometry, limits, write-pointer table) and the number\n"
    "of zones in each condition after open-to-closed recovery. Read-only; refused\n"
    "while another process writes the image unless -U (QEMU's force-share) is given.\n";

// Conditions a recovered image can show, in report order.
constexpr ZoneCondition kShown[] = {ZoneCondition::kNotWp, ZoneCondition::kEmpty,
                                    ZoneCondition::kClosed, ZoneCondition::kFull};

std::string Limit(uint32_t v) { return v == 0 ? "0 (no limit)" : std::to_string(v); }

struct InfoOptions {
  std::string path;
  bool json = false;
  bool force_share = false;
};

Parsed<InfoOptions> ParseInfoOptions(const CommandArgs& args) {
  InfoOptions o;
  std::vector<std::string> images;
  CommandLine cl("info", kUsage);
  cl.AddJson(&o.json);
  cl.AddForceShare(&o.force_share);
  cl.Operands(&images);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<InfoOptions>::Stop(*stop);
  if (images.empty()) return cl.Stop<InfoOptions>("missing IMAGE (try 'zonesim info --help')");
  if (images.size() > 1) return cl.Stop<InfoOptions>("expected one IMAGE, got '" + images[1] + "' too");
  o.path = images[0];
  return {std::move(o), std::nullopt};
}

struct InfoResult {
  uint64_t virtual_size = 0;
  uint32_t cluster_size = 0;
  std::optional<ZonedExtension> zoned;     // the extension, if the image has one
  std::map<ZoneCondition, uint32_t> counts;  // zones per condition after recovery
  std::vector<std::string> warnings;       // the image's, then recovery's
};

uint32_t Count(const InfoResult& r, ZoneCondition c) {
  const auto it = r.counts.find(c);
  return it == r.counts.end() ? 0 : it->second;
}

Status RunInfo(const InfoOptions& o, InfoResult* r) {
  Env* env = Env::Default();
  {
    std::unique_ptr<Qcow2Image> image;
    Status s = Qcow2Image::Open(env, o.path, /*read_only=*/true, &image, o.force_share);
    if (!s.ok()) return s;
    r->virtual_size = image->virtual_size();
    r->cluster_size = image->cluster_size();
    r->warnings = image->warnings();
    if (!image->zoned().has_value()) return Status::Ok();
  }
  // Geometry only: behaviour parameters do not change recovery. Append
  // support off so an odd max_append_bytes cannot stop the description.
  ZoneParams params = profile_params(Profile::kLinux);
  params.zone_append_supported = false;
  std::unique_ptr<ZonedImage> zi;
  Status s = ZonedImage::OpenReadOnly(env, o.path, params, &zi, o.force_share);
  if (!s.ok()) return s;
  // In chunks: a report of every zone at once would hold 48 bytes per zone
  // (gigabytes for 1e8 zones) just to count conditions.
  std::vector<ZoneReportEntry> zones;
  const uint32_t nr = zi->config().nr_zones();
  for (uint32_t z = 0; z < nr; z += 65536) {
    if (zi->Report(zi->config().zone_start(z), 65536, ReportFilter::kAll, &zones, nullptr) != ZoneStatus::kOk)
      return Status::IoError(o.path + ": cannot report zones");
    for (const ZoneReportEntry& e : zones) ++r->counts[e.cond];
  }
  r->zoned = zi->extension();
  r->warnings.insert(r->warnings.end(), zi->warnings().begin(), zi->warnings().end());
  return Status::Ok();
}

std::string FormatInfoJson(const InfoOptions& o, const InfoResult& r) {
  JsonWriter w;
  w.BeginObject();
  w.Field("zonesim_version", BuildVersion());
  w.Field("image", o.path);
  w.Field("virtual_size", r.virtual_size);
  w.Field("cluster_size", r.cluster_size);
  w.Field("zoned", r.zoned.has_value());
  if (r.zoned) {
    const ZonedExtension& e = *r.zoned;
    w.Field("layout", qcow2::ZonedLayoutId(e.layout));
    w.Field("extension_length", static_cast<uint64_t>(qcow2::ZonedLayoutLength(e.layout)));
    w.Field("revision", qcow2::ZonedLayoutRevisions(e.layout));
    w.Field("entry_encoding", qcow2::ZonedEntryEncoding(e.layout));
    w.Field("zone_size", e.zone_size);
    w.Field("zone_capacity", e.zone_capacity);
    w.Field("conventional_zones", e.conventional_zones);
    w.Field("nr_zones", e.nr_zones);
    w.Field("max_open_zones", e.max_open_zones);
    w.Field("max_active_zones", e.max_active_zones);
    w.Field("max_append_bytes", e.max_append_bytes);
    w.Field("zonedmeta_offset", e.zonedmeta_offset);
    w.Field("zonedmeta_size", e.zonedmeta_size);
    w.Key("zone_conditions").BeginObject();
    for (ZoneCondition c : kShown) w.Field(to_string(c), Count(r, c));
    w.EndObject();
  }
  w.Key("warnings").BeginArray();
  for (const std::string& m : r.warnings) w.String(m);
  w.EndArray();
  w.EndObject();
  return w.str();
}

std::string FormatInfoText(const InfoOptions& o, const InfoResult& r) {
  std::string out = "image: " + o.path + "\n";
  out += "virtual size: " + std::to_string(r.virtual_size) + "\n";
  out += "cluster size: " + std::to_string(r.cluster_size) + "\n";
  if (r.zoned) {
    const ZonedExtension& e = *r.zoned;
    out += "zoned: host-managed\n";
    out += std::string("layout: ") + qcow2::ZonedLayoutId(e.layout) + " (" +
           std::to_string(qcow2::ZonedLayoutLength(e.layout)) + "-byte extension)\n";
    out += std::string("revision: ") + qcow2::ZonedLayoutRevisions(e.layout) + "; write-pointer entries " +
           qcow2::ZonedEntryEncoding(e.layout) + "\n";
    out += "zone size: " + std::to_string(e.zone_size) + "\n";
    out += "zone capacity: " + std::to_string(e.zone_capacity) + "\n";
    out += "zones: " + std::to_string(e.nr_zones) + " (" + std::to_string(e.conventional_zones) + " conventional, " +
           std::to_string(e.nr_zones - e.conventional_zones) + " sequential)\n";
    out += "max open zones: " + Limit(e.max_open_zones) + "\n";
    out += "max active zones: " + Limit(e.max_active_zones) + "\n";
    out += "max append bytes: " + std::to_string(e.max_append_bytes) + "\n";
    out += "write-pointer table: offset " + Hex(e.zonedmeta_offset) + ", " + std::to_string(e.zonedmeta_size) +
           " bytes\n";
    out += "zone conditions after recovery:";
    for (ZoneCondition c : kShown) out += " " + std::string(to_string(c)) + " " + std::to_string(Count(r, c));
    out += "\n";
  } else {
    out += "zoned: no\n";
  }
  for (const std::string& m : r.warnings) out += "warning: " + m + "\n";
  return out;
}

}  // namespace

int RunInfoCommand(const CommandArgs& args) {
  const Parsed<InfoOptions> p = ParseInfoOptions(args);
  if (p.exit) return *p.exit;
  InfoResult r;
  if (Status s = RunInfo(p.options, &r); !s.ok()) return CommandError("info", s.message(), 1);
  const std::string out = p.options.json ? FormatInfoJson(p.options, r) : FormatInfoText(p.options, r);
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace zonesim
