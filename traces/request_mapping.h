// How a traced block request becomes an Operation. Binary records (category
// bits) and blkparse text (RWBS letters) both describe a request by the same
// few facts; this is the one place that turns those facts into an OpKind, so
// the binary and text readers cannot disagree.
//
// Rules (in blkparse's fill_rwbs precedence: discard, zone op, write, read):
//   discard                         -> kDiscard
//   zone append                     -> kAppend (offset = the record's sector; at Q/D
//                                      that is the zone start, at C where data landed)
//   zone reset/open/close/finish    -> kReset/kOpen/kClose/kFinish, length 0 =
//                                      "the zone starting at offset" (operation.h)
//   zone reset-all                  -> kReset, offset 0, length kZoneRangeAll
//   write zeroes (v8)               -> kWrite with Payload::Fill(0)
//   write                           -> kWrite, seeded payload; a flush with no data
//                                      (preflush of an empty write) -> kFlush
//   read with data                  -> kRead
//   no data, flush                  -> kFlush ("FN")
//   no data, no flush ("N")         -> no Operation
// A write of zero bytes without flush stays a zero-length kWrite: blktrace v7
// cannot mark zone management, and a v7 zone reset looks exactly like that, so
// the replay decides what it means.
#pragma once

#include <cstdint>

#include "traces/trace_event.h"

namespace zonesim {

enum class RequestType : uint8_t {
  kNone,  // "N": no data direction
  kRead,
  kWrite,
  kDiscard,
  kWriteZeroes,
  kZoneAppend,
  kZoneReset,
  kZoneResetAll,
  kZoneOpen,
  kZoneClose,
  kZoneFinish,
};

struct RequestShape {
  RequestType type = RequestType::kNone;
  bool flush = false;  // BLK_TC_FLUSH / leading 'F'
  uint64_t sector = 0;
  uint64_t bytes = 0;
};

inline constexpr uint64_t kSectorSize = 512;  // blktrace sectors, always 512 bytes

// Sets ev->has_op and ev->op (payload seeded from ev->origin, which must be set).
// Adds kFlagPreflush to ev->flags for a flush on a write that carries data.
void MapRequest(const RequestShape& shape, TraceEvent* ev);

}  // namespace zonesim
