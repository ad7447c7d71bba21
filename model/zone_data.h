// ZoneData: what one zone holds, as a sorted list of Payload extents.
//
// The model never stores written bytes: each extent says "bytes [offset,
// offset + length) are bytes [payload_offset, ...) of this Payload request",
// and reads regenerate them (zoned/payload.h). A zone that was never written
// (or was reset) holds no list at all: a ZoneData is one pointer, so an
// unwritten zone costs 8 bytes here (the model's per-zone budget is 32 bytes,
// issue 14: devices with millions of zones).
//
// Sequential zones only ever append at the write pointer, which is the O(1)
// fast path of Write(); conventional zones take random overwrites, which split
// or trim the extents they overlap (O(extents in the zone)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "zoned/payload.h"

namespace zonesim {

struct Extent {
  uint64_t offset = 0;          // device byte offset of the first byte
  uint64_t length = 0;          // bytes
  Payload payload;              // the request the bytes came from
  uint64_t payload_offset = 0;  // position of the first byte inside that request

  uint64_t end() const { return offset + length; }
  bool operator==(const Extent&) const = default;
};

class ZoneData {
 public:
  ZoneData() = default;
  // A copy is independent (the model is a copyable value).
  ZoneData(const ZoneData& other);
  ZoneData& operator=(const ZoneData& other);
  ZoneData(ZoneData&&) noexcept = default;
  ZoneData& operator=(ZoneData&&) noexcept = default;

  // Records that [offset, offset + length) now holds bytes
  // [payload_offset, payload_offset + length) of `payload`, replacing whatever
  // those bytes held before.
  void Write(uint64_t offset, uint64_t length, const Payload& payload, uint64_t payload_offset);

  // Overwrites out[0, length) with the bytes written in [offset, offset +
  // length); bytes never written are left as the caller filled them.
  void Read(uint64_t offset, uint64_t length, uint8_t* out) const;

  // Forgets everything (zone reset, offline, power-cycle wipe) and releases
  // the memory.
  void Clear();

  bool empty() const { return list_ == nullptr; }
  const std::vector<Extent>& extents() const;

  bool operator==(const ZoneData& other) const { return extents() == other.extents(); }

 private:
  // Sorted by offset, never overlapping, never empty extents; null when there
  // are none (never an empty list).
  std::unique_ptr<std::vector<Extent>> list_;
};

}  // namespace zonesim
