#include "traces/blktrace_mapping.h"

#include <array>

namespace zonesim::blktrace {

namespace {

// Indexed by action code (blkparse.c's dump_trace_fs names them).
constexpr std::array<std::string_view, 20> kActionNames = {
    "?",  "Q", "M",  "F", "G", "S",  "R",  "D",  "C",  "P",
    "U",  "UT", "I", "X", "B", "A", "AB", "DD", "ZP", "ZU",
};

uint64_t StageCategory(uint16_t code) {
  switch (code) {
    case kActIssue: return kTcIssue;
    case kActComplete: return kTcComplete;
    case kActRequeue: return kTcRequeue;
    case kActDrvData: return kTcDrvData;
    case kActSplit:
    case kActBounce: return 0;  // BLK_TA_SPLIT / BLK_TA_BOUNCE carry no category
    default: return kTcQueue;
  }
}

}  // namespace

std::string_view ActionName(const Record& rec) {
  const uint16_t code = rec.code();
  if (rec.has(kTcNotify)) {
    switch (code) {
      case kNotifyProcess: return "NP";
      case kNotifyTimestamp: return "NT";
      case kNotifyMessage: return "m";
      default: return "?";
    }
  }
  return code < kActionNames.size() ? kActionNames[code] : "?";
}

bool ActionCodeFromName(std::string_view name, uint16_t* code, bool* notify) {
  *notify = false;
  if (name == "m" || name == "NP" || name == "NT") {
    *notify = true;
    *code = name == "m" ? kNotifyMessage : name == "NP" ? kNotifyProcess : kNotifyTimestamp;
    return true;
  }
  for (uint16_t c = 1; c < kActionNames.size(); ++c) {
    if (kActionNames[c] == name) {
      *code = c;
      return true;
    }
  }
  return false;
}

EventStage StageOf(uint16_t code) {
  switch (code) {
    case kActQueue: return EventStage::kQueue;
    case kActIssue: return EventStage::kIssue;
    case kActComplete: return EventStage::kComplete;
    default: return EventStage::kOther;
  }
}

bool CodeDescribesRequest(uint16_t code) {
  switch (code) {
    case kActPlug:
    case kActUnplugIo:
    case kActUnplugTimer:
    case kActDrvData:
    case kActZonePlug:
    case kActZoneUnplug: return false;
    default: return code >= kActQueue && code <= kActZoneUnplug;
  }
}

RequestShape ShapeOf(const Record& rec) {
  RequestShape s;
  s.sector = rec.sector;
  s.bytes = rec.bytes;
  s.flush = rec.has(kTcFlush);
  if (rec.has(kTcDiscard)) {
    s.type = RequestType::kDiscard;
  } else if (rec.has(kTcZoneAppend)) {
    s.type = RequestType::kZoneAppend;
  } else if (rec.has(kTcZoneReset)) {
    s.type = RequestType::kZoneReset;
  } else if (rec.has(kTcZoneResetAll)) {
    s.type = RequestType::kZoneResetAll;
  } else if (rec.has(kTcZoneFinish)) {
    s.type = RequestType::kZoneFinish;
  } else if (rec.has(kTcZoneOpen)) {
    s.type = RequestType::kZoneOpen;
  } else if (rec.has(kTcZoneClose)) {
    s.type = RequestType::kZoneClose;
  } else if (rec.has(kTcWriteZeroes)) {
    s.type = RequestType::kWriteZeroes;
  } else if (rec.has(kTcWrite)) {
    s.type = RequestType::kWrite;
  } else if (rec.bytes != 0) {
    s.type = RequestType::kRead;
  } else {
    s.type = RequestType::kNone;
  }
  return s;
}

uint32_t FlagsOf(const Record& rec) {
  uint32_t f = 0;
  if (rec.has(kTcSync)) f |= kFlagSync;
  if (rec.has(kTcFua)) f |= kFlagFua;
  if (rec.has(kTcMeta)) f |= kFlagMeta;
  if (rec.has(kTcAhead)) f |= kFlagReadahead;
  if (rec.has(kTcPc)) f |= kFlagPassthrough;
  if (rec.action & kActCgroup) f |= kFlagCgroup;
  return f;
}

void MapRecord(const Record& rec, TraceEvent* ev) {
  const bool notify = rec.has(kTcNotify);
  const uint16_t code = rec.code();
  ev->stage = notify ? EventStage::kOther : StageOf(code);
  ev->action = ActionName(rec);
  ev->flags = FlagsOf(rec);
  ev->has_timestamp = true;
  ev->timestamp_ns = rec.time;
  ev->cpu = rec.cpu;
  ev->pid = rec.pid;
  ev->device = rec.device;
  ev->sequence = rec.sequence;
  ev->error = rec.error;
  ev->wait_value = 0;
  ev->has_op = false;
  // Passthrough (BLK_TC_PC) records carry a command, not a block range.
  if (notify || rec.has(kTcPc) || !CodeDescribesRequest(code)) return;
  MapRequest(ShapeOf(rec), ev);
}

Status ActionFor(const Operation& op, uint16_t code, uint32_t flags, uint8_t version,
                 uint64_t* action) {
  uint64_t cats = StageCategory(code);
  if (flags & kFlagSync) cats |= kTcSync;
  if (flags & kFlagFua) cats |= kTcFua;
  if (flags & kFlagMeta) cats |= kTcMeta;
  if (flags & kFlagReadahead) cats |= kTcAhead;
  if (flags & kFlagPreflush) cats |= kTcFlush;
  const bool v8 = version == kVersion8;
  auto zone = [&](uint64_t cat) -> Status {
    if (!v8) {
      return Status::InvalidArgument(
          "blktrace version 7 cannot record zone management or zone append; write version 8");
    }
    cats |= kTcWrite | cat;
    return Status::Ok();
  };
  Status s;
  switch (op.kind) {
    case OpKind::kRead: cats |= kTcRead; break;
    case OpKind::kWrite:
      cats |= kTcWrite;
      if ((flags & kFlagWriteZeroes) && v8) cats |= kTcWriteZeroes;
      break;
    case OpKind::kFlush: cats |= kTcRead | kTcFlush; break;  // REQ_OP_FLUSH is not a write op
    case OpKind::kDiscard: cats |= kTcWrite | kTcDiscard; break;
    case OpKind::kAppend: s = zone(kTcZoneAppend); break;
    case OpKind::kReset:
      s = zone(op.length == kZoneRangeAll ? kTcZoneResetAll : kTcZoneReset);
      break;
    case OpKind::kOpen: s = zone(kTcZoneOpen); break;
    case OpKind::kClose: s = zone(kTcZoneClose); break;
    case OpKind::kFinish: s = zone(kTcZoneFinish); break;
    default:
      return Status::InvalidArgument("this operation has no block-layer request to trace");
  }
  if (!s.ok()) return s;
  *action = CategoryBits(cats) | code;
  return Status::Ok();
}

}  // namespace zonesim::blktrace
