#include "model/zone_data.h"

#include <algorithm>

namespace zonesim {

namespace {

// Two extents can be one when the second continues the first byte for byte:
// a Fill payload has the same value everywhere; a Seeded one only continues if
// the request positions continue too.
bool Continues(const Extent& a, const Extent& b) {
  if (a.end() != b.offset || !(a.payload == b.payload)) return false;
  if (a.payload.kind == Payload::Kind::kFill) return true;
  return a.payload_offset + a.length == b.payload_offset;
}

const std::vector<Extent> kNoExtents;

}  // namespace

ZoneData::ZoneData(const ZoneData& other)
    : list_(other.list_ ? std::make_unique<std::vector<Extent>>(*other.list_) : nullptr) {}

ZoneData& ZoneData::operator=(const ZoneData& other) {
  if (this != &other) *this = ZoneData(other);
  return *this;
}

const std::vector<Extent>& ZoneData::extents() const { return list_ ? *list_ : kNoExtents; }

void ZoneData::Write(uint64_t offset, uint64_t length, const Payload& payload,
                     uint64_t payload_offset) {
  if (length == 0) return;
  // A Fill payload's bytes do not depend on their position: normalise the
  // position so equal fills always merge and compare equal.
  if (payload.kind == Payload::Kind::kFill) payload_offset = 0;
  Extent fresh{offset, length, payload, payload_offset};
  if (!list_) list_ = std::make_unique<std::vector<Extent>>();
  std::vector<Extent>& list = *list_;

  // Fast path: the write lands at or after the last extent (every write to a
  // sequential zone, since they happen at the write pointer).
  if (list.empty() || list.back().end() <= offset) {
    if (!list.empty() && Continues(list.back(), fresh))
      list.back().length += length;
    else
      list.push_back(fresh);
    return;
  }

  // General path (conventional zones): keep the parts of overlapped extents
  // that lie outside [offset, end), drop the rest, insert the new extent.
  const uint64_t end = offset + length;
  std::vector<Extent> kept;
  kept.reserve(list.size() + 2);
  for (const Extent& e : list) {
    if (e.end() <= offset || e.offset >= end) {
      kept.push_back(e);
      continue;
    }
    if (e.offset < offset) {  // head survives
      Extent head = e;
      head.length = offset - e.offset;
      kept.push_back(head);
    }
    if (e.end() > end) {  // tail survives, starting `skip` bytes into e
      uint64_t skip = end - e.offset;
      Extent tail = e;
      tail.offset = end;
      tail.length = e.end() - end;
      if (tail.payload.kind == Payload::Kind::kSeeded) tail.payload_offset += skip;
      kept.push_back(tail);
    }
  }
  auto pos = std::lower_bound(kept.begin(), kept.end(), offset,
                              [](const Extent& e, uint64_t off) { return e.offset < off; });
  kept.insert(pos, fresh);
  list = std::move(kept);
}

void ZoneData::Read(uint64_t offset, uint64_t length, uint8_t* out) const {
  const std::vector<Extent>& list = extents();
  const uint64_t end = offset + length;
  // First extent that ends after `offset`.
  auto it = std::upper_bound(list.begin(), list.end(), offset,
                             [](uint64_t off, const Extent& e) { return off < e.end(); });
  for (; it != list.end() && it->offset < end; ++it) {
    uint64_t from = std::max(offset, it->offset);
    uint64_t to = std::min(end, it->end());
    it->payload.Generate(it->payload_offset + (from - it->offset), static_cast<size_t>(to - from),
                         out + (from - offset));
  }
}

void ZoneData::Clear() {
  list_.reset();
}

}  // namespace zonesim
