// The zoned header extension (magic 0x007a6264) of qcow2-zoned.md, both
// layouts: the latest (56 bytes, u64 zone_size/zone_capacity; series v8/v9)
// and v5/v6 (48 bytes, u32 zone_size/zone_capacity). Big-endian, packed.
// The layouts carry no version field, so a reader tells them apart by length:
//   length >= 56  -> latest; a longer extension has future fields: tail ignored
//   length == 48  -> v5
//   49 .. 55      -> refused: it is both a truncated latest extension and a v5
//                    one with an unknown tail, and guessing misreads every field
//   length < 48   -> shorter than either layout: refused
// Only the encoding lives here; value rules are in qcow2_validate.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim::qcow2 {

inline constexpr size_t kZonedExtLatestLength = 56;
inline constexpr size_t kZonedExtV5Length = 48;

const char* ZonedLayoutName(ZonedLayout layout);  // "latest (56-byte)" / "v5 (48-byte)"

// Encodes `ext` in ext.layout. For kV5, zone_size and zone_capacity must fit
// in 32 bits (InvalidArgument naming the values otherwise).
Status EncodeZonedExtension(const ZonedExtension& ext, std::vector<uint8_t>* out);
// Decodes `n` bytes of extension data; sets out->layout from the length.
Status DecodeZonedExtension(const uint8_t* data, size_t n, ZonedExtension* out);
// The reserved bytes 1-3 of both layouts (must be zero; checked by validation).
uint32_t ZonedReservedBytes(const uint8_t* data);

}  // namespace zonesim::qcow2
