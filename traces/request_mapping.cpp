#include "traces/request_mapping.h"

namespace zonesim {

namespace {

void SetOp(TraceEvent* ev, OpKind kind, uint64_t offset, uint64_t length) {
  ev->has_op = true;
  ev->op = Operation{};
  ev->op.kind = kind;
  ev->op.offset = offset;
  ev->op.length = length;
}

}  // namespace

// Sectors from 2^54 up address bytes from 2^63 up (sector * 512 even wraps
// past 2^55 and would land at the start of the device). No device is that
// large: such a request goes to 2^63, where every device refuses it as out of
// range and offset + length still cannot overflow.
constexpr uint64_t kBeyondAnyDevice = 1ull << 63;

void MapRequest(const RequestShape& s, TraceEvent* ev) {
  ev->has_op = false;
  const uint64_t offset = s.sector >= kBeyondAnyDevice / kSectorSize ? kBeyondAnyDevice : s.sector * kSectorSize;
  switch (s.type) {
    case RequestType::kDiscard:
      SetOp(ev, OpKind::kDiscard, offset, s.bytes);
      return;
    case RequestType::kZoneAppend:
      SetOp(ev, OpKind::kAppend, offset, s.bytes);
      ev->op.payload = Payload::Seeded(PayloadSeedFor(ev->origin));
      return;
    case RequestType::kZoneReset:
      SetOp(ev, OpKind::kReset, offset, 0);
      return;
    case RequestType::kZoneResetAll:
      SetOp(ev, OpKind::kReset, 0, kZoneRangeAll);
      return;
    case RequestType::kZoneOpen:
      SetOp(ev, OpKind::kOpen, offset, 0);
      return;
    case RequestType::kZoneClose:
      SetOp(ev, OpKind::kClose, offset, 0);
      return;
    case RequestType::kZoneFinish:
      SetOp(ev, OpKind::kFinish, offset, 0);
      return;
    case RequestType::kWriteZeroes:
      SetOp(ev, OpKind::kWrite, offset, s.bytes);
      ev->op.payload = Payload::Fill(0);
      ev->flags |= kFlagWriteZeroes;
      return;
    case RequestType::kWrite:
      if (s.flush && s.bytes == 0) {
        // An empty write with REQ_PREFLUSH is how file systems ask for a cache
        // flush (blkparse shows "FWS ... + 0").
        SetOp(ev, OpKind::kFlush, 0, 0);
        return;
      }
      if (s.flush) ev->flags |= kFlagPreflush;
      SetOp(ev, OpKind::kWrite, offset, s.bytes);
      ev->op.payload = Payload::Seeded(PayloadSeedFor(ev->origin));
      return;
    case RequestType::kRead:
      if (s.bytes == 0) {
        if (s.flush) SetOp(ev, OpKind::kFlush, 0, 0);
        return;
      }
      if (s.flush) ev->flags |= kFlagPreflush;
      SetOp(ev, OpKind::kRead, offset, s.bytes);
      return;
    case RequestType::kNone:
      if (s.flush) SetOp(ev, OpKind::kFlush, 0, 0);
      return;
  }
}

}  // namespace zonesim
