// Converting a zoned image to another revision of the zoned layout (`zonesim
// convert --layout`, `zonesim create --from ZONED`): a new image of the same
// virtual size, cluster size and zone geometry in the target layout, holding
// the same readable data and the same write pointers. Never writes the source.
//
// What is copied: conventional zones whole; each sequential zone below
// min(write pointer, start + capacity), which is all a reader can see (bytes
// past the write pointer read as the fill in every revision). All-zero
// stretches are not written, so the new image stays sparse.
//
// Geometry the target cannot hold is refused with the values named (v5: zone
// size or capacity above 32 bits; v11/v12: a zone size that is not a power of
// two, more than 2^20 zones). Two fields change by rule and are reported in
// `notes`: a limit above the sequential zones (a v11/v12 reader clamps it)
// becomes that count, and the v12 layout, which has no max_append_bytes,
// keeps whatever its readers present (V12MaxAppendBytes).
#pragma once

#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim {

struct LayoutConvertSummary {
  ZonedLayout from = ZonedLayout::kLatest;
  ZonedLayout to = ZonedLayout::kLatest;
  uint32_t zones = 0;              // nr_zones
  uint32_t zones_with_data = 0;    // zones with at least one byte copied
  uint64_t bytes_copied = 0;       // non-zero stretches written to the new image
  std::vector<std::string> notes;  // fields the target stores differently
};

// Writes `dst` (refuses an existing one unless `overwrite`; removes it on any
// error). `src` must be a zoned image and a different file.
Status ConvertLayout(Env* env, const std::string& src, const std::string& dst, ZonedLayout to, bool overwrite,
                     LayoutConvertSummary* summary);

}  // namespace zonesim
