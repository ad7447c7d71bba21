// The zoned header extension (magic 0x007a6264) of qcow2-zoned.md, every
// layout the series has had (big-endian, packed; table in qcow2/README.md):
//   latest  56 bytes, u64 zone_size/zone_capacity (series v8 to v10)
//   v5      48 bytes, u32 zone_size/zone_capacity (series v5, v6)
//   v11     48 bytes, nr_zones first, no zonedmeta_size (about v11)
//   v12     44 bytes (padded to 48 in the file), no max_append_bytes (after v11)
// The layouts carry no version field, so a reader tells them apart by length:
//   length >= 56  -> latest; a longer extension has future fields: tail ignored
//   length == 48  -> v5 or v11: DecodeZonedExtension reads v5; only the image
//                    can tell them apart (zoned_layout_detect.h)
//   49 .. 55      -> refused: it is both a truncated latest extension and a
//                    48-byte one with an unknown tail, and guessing misreads every field
//   length == 44  -> v12
//   other < 48    -> refused
// Only the encoding lives here; value rules are in qcow2_validate.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim::qcow2 {

inline constexpr size_t kZonedExtLatestLength = 56;
inline constexpr size_t kZonedExtV5Length = 48;
inline constexpr size_t kZonedExtV11Length = 48;
inline constexpr size_t kZonedExtV12Length = 44;
// The v12 layout stores no append limit; a reader presents qemu-img's
// creation default, kept below the zone capacity (see V12MaxAppendBytes).
inline constexpr uint32_t kV12DefaultMaxAppendBytes = 65536;

// "latest (56-byte)", "v5 (48-byte)", "v11 (48-byte)", "v12 (44-byte)".
const char* ZonedLayoutName(ZonedLayout layout);
// Short stable id for options and JSON: "latest", "v5", "v11", "v12".
const char* ZonedLayoutId(ZonedLayout layout);
// Accepts the ids above and the series revisions they cover: v5, v6 -> v5;
// v8, v9, v10, latest -> latest; v11; v12.
std::optional<ZonedLayout> ParseZonedLayout(std::string_view name);
// Which revisions of the patch series wrote a layout: "series v8 to v10", ...
const char* ZonedLayoutRevisions(ZonedLayout layout);
// How a layout stores write-pointer entries: "little-endian, conventional flag bit 59", ...
const char* ZonedEntryEncoding(ZonedLayout layout);
// The extension length a layout writes.
size_t ZonedLayoutLength(ZonedLayout layout);
// The append limit a v12 image presents: the default, or the largest
// multiple of 512 below `zone_capacity` when that is smaller.
uint32_t V12MaxAppendBytes(uint64_t zone_capacity);

// Encodes `ext` in ext.layout. For kV5, zone_size and zone_capacity must fit
// in 32 bits; for kV12, max_append_bytes must be what a reader presents
// (V12MaxAppendBytes), since the layout cannot store another value
// (InvalidArgument naming the values otherwise).
Status EncodeZonedExtension(const ZonedExtension& ext, std::vector<uint8_t>* out);
// Decodes `n` bytes of extension data; sets out->layout from the length
// (48 bytes: v5, see above).
Status DecodeZonedExtension(const uint8_t* data, size_t n, ZonedExtension* out);
// Decodes as `layout`, which the length must allow (Corruption otherwise).
Status DecodeZonedExtensionAs(const uint8_t* data, size_t n, ZonedLayout layout, ZonedExtension* out);
// The reserved bytes 1-3 of every layout (must be zero; checked by validation).
uint32_t ZonedReservedBytes(const uint8_t* data);

// One write-pointer entry in the byte order of `layout`.
uint64_t LoadWritePointerEntry(const uint8_t* p, ZonedLayout layout);
// n entries at once (the byte order decided once, not per entry: a table
// holds millions of them and is read at every open).
void LoadWritePointerEntries(const uint8_t* p, size_t n, ZonedLayout layout, uint64_t* out);
void StoreWritePointerEntry(uint8_t* p, uint64_t entry, ZonedLayout layout);

}  // namespace zonesim::qcow2
