// zonesim info: what a qcow2 image holds: virtual size, cluster size, the
// zoned extension's fields and layout revision, and how many zones are in
// each condition after open-to-closed recovery (the conditions a guest sees
// when the image is next opened). Opens the file read-only and never writes
// to it. Exit status: 0 ok, 1 the image cannot be read, 2 bad usage.
#include <cstdio>
#include <map>
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

}  // namespace

int RunInfoCommand(const CommandArgs& args) {
  std::string path;
  bool json = false;
  bool force_share = false;
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "-U" || a == "--force-share") {
      force_share = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "zonesim info: unknown option '%s'\n", a.c_str());
      return 2;
    } else if (path.empty()) {
      path = a;
    } else {
      std::fprintf(stderr, "zonesim info: expected one IMAGE, got '%s' too\n", a.c_str());
      return 2;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr, "zonesim info: missing IMAGE (try 'zonesim info --help')\n");
    return 2;
  }

  Env* env = Env::Default();
  uint64_t virtual_size = 0;
  uint32_t cluster_size = 0;
  bool zoned = false;
  std::vector<std::string> warnings;  // the image's, then recovery's
  {
    std::unique_ptr<Qcow2Image> image;
    Status s = Qcow2Image::Open(env, path, /*read_only=*/true, &image, force_share);
    if (!s.ok()) {
      std::fprintf(stderr, "zonesim info: %s\n", s.message().c_str());
      return 1;
    }
    virtual_size = image->virtual_size();
    cluster_size = image->cluster_size();
    zoned = image->zoned().has_value();
    warnings = image->warnings();
  }

  std::unique_ptr<ZonedImage> zi;
  std::map<ZoneCondition, uint32_t> counts;
  if (zoned) {
    // Geometry only: behaviour parameters do not change recovery. Append
    // support off so an odd max_append_bytes cannot stop the description.
    ZoneParams params = profile_params(Profile::kLinux);
    params.zone_append_supported = false;
    Status s = ZonedImage::OpenReadOnly(env, path, params, &zi, force_share);
    if (!s.ok()) {
      std::fprintf(stderr, "zonesim info: %s\n", s.message().c_str());
      return 1;
    }
    // In chunks: a report of every zone at once would hold 48 bytes per zone
    // (gigabytes for 1e8 zones) just to count conditions.
    std::vector<ZoneReportEntry> zones;
    const uint32_t nr = zi->config().nr_zones();
    for (uint32_t z = 0; z < nr; z += 65536) {
      if (zi->Report(zi->config().zone_start(z), 65536, ReportFilter::kAll, &zones, nullptr) !=
          ZoneStatus::kOk) {
        std::fprintf(stderr, "zonesim info: %s: cannot report zones\n", path.c_str());
        return 1;
      }
      for (const ZoneReportEntry& e : zones) ++counts[e.cond];
    }
    warnings.insert(warnings.end(), zi->warnings().begin(), zi->warnings().end());
  }

  if (json) {
    JsonWriter w;
    w.BeginObject();
    w.Field("zonesim_version", BuildVersion());
    w.Field("image", path);
    w.Field("virtual_size", virtual_size);
    w.Field("cluster_size", cluster_size);
    w.Field("zoned", zoned);
    if (zoned) {
      const ZonedExtension& e = zi->extension();
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
      for (ZoneCondition c : kShown) w.Field(to_string(c), counts[c]);
      w.EndObject();
    }
    w.Key("warnings").BeginArray();
    for (const std::string& m : warnings) w.String(m);
    w.EndArray();
    w.EndObject();
    std::fputs(w.str().c_str(), stdout);
    return 0;
  }

  std::printf("image: %s\n", path.c_str());
  std::printf("virtual size: %llu\n", static_cast<unsigned long long>(virtual_size));
  std::printf("cluster size: %u\n", cluster_size);
  if (!zoned) {
    std::printf("zoned: no\n");
    for (const std::string& m : warnings) std::printf("warning: %s\n", m.c_str());
    return 0;
  }
  const ZonedExtension& e = zi->extension();
  std::printf("zoned: host-managed\n");
  std::printf("layout: %s (%zu-byte extension)\n", qcow2::ZonedLayoutId(e.layout), qcow2::ZonedLayoutLength(e.layout));
  std::printf("revision: %s; write-pointer entries %s\n", qcow2::ZonedLayoutRevisions(e.layout),
              qcow2::ZonedEntryEncoding(e.layout));
  std::printf("zone size: %llu\n", static_cast<unsigned long long>(e.zone_size));
  std::printf("zone capacity: %llu\n", static_cast<unsigned long long>(e.zone_capacity));
  std::printf("zones: %u (%u conventional, %u sequential)\n", e.nr_zones, e.conventional_zones,
              e.nr_zones - e.conventional_zones);
  std::printf("max open zones: %s\n", Limit(e.max_open_zones).c_str());
  std::printf("max active zones: %s\n", Limit(e.max_active_zones).c_str());
  std::printf("max append bytes: %u\n", e.max_append_bytes);
  std::printf("write-pointer table: offset %s, %llu bytes\n", Hex(e.zonedmeta_offset).c_str(),
              static_cast<unsigned long long>(e.zonedmeta_size));
  std::printf("zone conditions after recovery:");
  for (ZoneCondition c : kShown)
    std::printf(" %s %u", std::string(to_string(c)).c_str(), counts[c]);
  std::printf("\n");
  for (const std::string& m : warnings) std::printf("warning: %s\n", m.c_str());
  return 0;
}

}  // namespace zonesim
