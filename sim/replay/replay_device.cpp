#include "sim/replay/replay_device.h"

#include <algorithm>
#include <memory>
#include <unordered_set>

#include "common/env.h"
#include "qcow2/zoned/zone_config.h"
#include "sim/replay/replay_selection.h"

namespace zonesim {

DeviceConfig DefaultReplayDevice(Profile profile) {
  DeviceConfig c;
  c.params = profile_params(profile);
  c.block_size = 512;  // the only block size a qcow2 zoned image has
  c.size = 0;
  c.zone_size = kDefaultReplayZoneSize;
  c.zone_capacity = kDefaultReplayZoneSize;
  c.conventional_zones = 0;
  c.max_open_zones = 0;
  c.max_active_zones = 0;
  c.max_append_bytes = 0;  // FitDefaultAppendLimit
  return c;
}

Status ApplyReplayConfig(const std::string& spec, DeviceConfig* config) {
  // Sentinels: a field still 0 afterwards was not given (size=0 means "sized
  // for the trace" anyway, and a zero append limit is no valid choice).
  config->size = 0;
  config->max_append_bytes = 0;
  if (spec.empty()) return Status::Ok();
  return ApplyDeviceOptions({spec}, config);
}

void FitDefaultAppendLimit(DeviceConfig* config) {
  if (config->max_append_bytes != 0) return;
  // DeviceConfig's default (128 KiB), kept below the zone capacity as the
  // format requires, in whole blocks.
  uint64_t limit = 131072;
  const uint64_t cap = config->zone_capacity;
  if (limit >= cap) limit = cap / 2 / config->block_size * config->block_size;
  if (limit == 0) limit = config->block_size;
  config->max_append_bytes = static_cast<uint32_t>(limit);
}

namespace {

uint64_t SaturatingEnd(uint64_t offset, uint64_t length) {
  const uint64_t n = length == 0 ? 1 : length;  // a zone op of length 0 names the zone at offset
  return offset > UINT64_MAX - n ? UINT64_MAX : offset + n;
}

}  // namespace

Status SurveyTrace(const std::vector<std::string>& paths, const TraceOpenOptions& options,
                   IoStage stage, AddressMap map, uint64_t zone_size, TraceSurvey* out) {
  std::unique_ptr<TraceReader> reader;
  Status s = OpenTrace(paths, options, &reader);
  if (!s.ok()) return s;
  *out = TraceSurvey{};
  out->format = reader->format();
  ReplaySelector selector(reader->format(), stage);
  std::unordered_set<uint64_t> zones;  // counted only, never iterated
  TraceEvent ev;
  for (;;) {
    bool eof = false;
    s = reader->Next(&ev, &eof);
    if (!s.ok()) return s;
    if (eof) break;
    ++out->records;
    if (selector.Classify(ev) != ReplaySelector::Verdict::kIo) continue;
    if (!HasAddress(ev.op)) continue;
    if (map == AddressMap::kIdentity) {
      out->max_end = std::max(out->max_end, SaturatingEnd(ev.op.offset, ev.op.length));
    } else if (zone_size != 0 && zones.size() <= kMaxAutoZones) {
      zones.insert(ev.op.offset / zone_size);
    }
  }
  out->io_events = selector.io();
  out->device = selector.device();
  out->distinct_zones = zones.size();
  return Status::Ok();
}

uint64_t SizeForTrace(const TraceSurvey& survey, AddressMap map, uint64_t zone_size,
                      uint64_t min_zones, bool* capped) {
  *capped = false;
  if (zone_size == 0) return 0;
  uint64_t zones = map == AddressMap::kIdentity ? survey.max_end / zone_size + (survey.max_end % zone_size != 0)
                                                : survey.distinct_zones;
  if (zones > kMaxAutoZones) {
    zones = kMaxAutoZones;
    *capped = true;
  }
  zones = std::max<uint64_t>({zones, min_zones, 1});
  if (zones > UINT64_MAX / zone_size) {  // an absurd zone_size: let validation refuse it
    *capped = true;
    zones = UINT64_MAX / zone_size;
  }
  return zones * zone_size;
}

Status ReadImageGeometry(const std::string& path, const ZoneParams& params, ImageGeometry* out) {
  std::unique_ptr<Qcow2Image> image;
  Status s = Qcow2Image::Open(Env::Default(), path, /*read_only=*/true, &image);
  if (!s.ok()) return s;
  if (!image->zoned())
    return Status::InvalidArgument(path + ": not a zoned image (no zoned header extension)");
  out->config = ConfigFromExtension(*image->zoned(), image->virtual_size(), params);
  out->cluster_size = image->cluster_size();
  out->layout = image->zoned()->layout;
  return Status::Ok();
}

}  // namespace zonesim
