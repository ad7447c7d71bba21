// The device a trace is replayed on (`zonesim replay`), from one of three
// sources:
//   default   DefaultReplayDevice: the linux profile (what the qcow2 zoned
//             emulation promises a guest), 256 MiB zones (null_blk's default
//             zone size), no conventional zones, no open/active limits, sized
//             for the trace by a survey pass (SizeForTrace);
//   --config  the same syntax as `zonesim fuzz --config`, over the default;
//             without size= (or with size=0) the device is still sized for
//             the trace;
//   --image   geometry and limits read from an existing zoned qcow2 image,
//             opened read-only; the replay runs on a FRESH image of the same
//             geometry, layout and cluster size, never on the user's file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"
#include "sim/replay/replay_map.h"
#include "traces/io_selection.h"
#include "traces/trace_open.h"

namespace zonesim {

inline constexpr uint64_t kDefaultReplayZoneSize = 256ull << 20;
// A device sized for a trace stops here: a lockstep run compares every
// zone's report after every operation, so the zone count is the cost of each
// step (and a corrupt sector number must not make a huge device). Beyond it,
// events are lba_out_of_range; --map zone-rebase packs the zones a trace
// uses, and --config size= can ask for more.
inline constexpr uint32_t kMaxAutoZones = 4096;

// size = 0 stands for "size it for the trace".
DeviceConfig DefaultReplayDevice(Profile profile);

// Applies a --config spec over *config. Sizes the caller must still choose
// come back as 0: size (not given, or 0), and max_append_bytes when not given
// (FitDefaultAppendLimit then picks one the zone capacity allows).
Status ApplyReplayConfig(const std::string& spec, DeviceConfig* config);
void FitDefaultAppendLimit(DeviceConfig* config);

// What one streaming pass over the trace learns before the replay: how many
// I/Os will run (the progress total), on which device, and how much of the
// device they address. Reading it also finds malformed input before any
// image exists.
struct TraceSurvey {
  TraceFormat format = TraceFormat::kAuto;
  uint64_t records = 0;
  uint64_t io_events = 0;
  std::string device;          // ReplaySelector::device()
  uint64_t max_end = 0;        // identity: the highest byte addressed, plus one
  uint64_t distinct_zones = 0; // zone-rebase: trace zones used (counting stops past kMaxAutoZones)
};

// stage must be resolved; zone_size is the device's (for zone-rebase).
Status SurveyTrace(const std::vector<std::string>& paths, const TraceOpenOptions& options,
                   IoStage stage, AddressMap map, uint64_t zone_size, TraceSurvey* out);

// The device size a survey asks for: whole zones, at least min_zones (one
// more than the conventional zones: a zoned device needs a sequential zone),
// at most kMaxAutoZones (*capped says whether that limit cut it).
uint64_t SizeForTrace(const TraceSurvey& survey, AddressMap map, uint64_t zone_size,
                      uint64_t min_zones, bool* capped);

struct ImageGeometry {
  DeviceConfig config;  // geometry and limits from the image, behaviour from the caller
  uint32_t cluster_size = 65536;
  ZonedLayout layout = ZonedLayout::kLatest;
};

// Reads an image's geometry; the file is opened read-only and never written.
Status ReadImageGeometry(const std::string& path, const ZoneParams& params, ImageGeometry* out);

}  // namespace zonesim
