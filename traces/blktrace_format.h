// The blktrace binary record, as Linux's include/uapi/linux/blktrace_api.h
// defines it (facts only; the layout is restated here, not included, so the
// build does not depend on kernel headers).
//
// Version 7, struct blk_io_trace, 48 bytes:
//   0 magic (0x65617400 | version)  4 sequence  8 time (ns)  16 sector
//   24 bytes  28 action (u32)  32 pid  36 device  40 cpu  44 error (u16)  46 pdu_len (u16)
// Version 8 (Linux 6.19), struct blk_io_trace2, 64 bytes:
//   0 magic  4 sequence  8 time  16 sector  24 bytes  28 pid  32 action (u64)
//   40 device  44 cpu  48 error (u16)  50 pdu_len (u16)  52 pad[12]
// pdu_len bytes of payload follow each record (a cgroup id first when the
// action has __BLK_TA_CGROUP). Records are written in the tracing host's byte
// order; a reader tells the order from the magic.
//
// action = categories << 16 | action code. Categories (BLK_TC_*) are bits of
// the upper part; version 8 widened action to 64 bits for the zone categories.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zonesim::blktrace {

inline constexpr uint32_t kMagic = 0x65617400;  // BLK_IO_TRACE_MAGIC
inline constexpr uint32_t kMagicMask = 0xffffff00;
inline constexpr uint8_t kVersion7 = 0x07;       // BLK_IO_TRACE_VERSION
inline constexpr uint8_t kVersion8 = 0x08;       // BLK_IO_TRACE2_VERSION
inline constexpr size_t kRecordSizeV7 = 48;      // sizeof(struct blk_io_trace)
inline constexpr size_t kRecordSizeV8 = 64;      // sizeof(struct blk_io_trace2)
inline constexpr size_t kMaxRecordSize = kRecordSizeV8;
inline constexpr int kCategoryShift = 16;        // BLK_TC_SHIFT

// enum blktrace_cat (values before the shift).
enum Category : uint64_t {
  kTcRead = 1u << 0,
  kTcWrite = 1u << 1,
  kTcFlush = 1u << 2,  // REQ_OP_FLUSH, and REQ_PREFLUSH on a write
  kTcSync = 1u << 3,
  kTcQueue = 1u << 4,
  kTcRequeue = 1u << 5,
  kTcIssue = 1u << 6,
  kTcComplete = 1u << 7,
  kTcFs = 1u << 8,
  kTcPc = 1u << 9,
  kTcNotify = 1u << 10,
  kTcAhead = 1u << 11,
  kTcMeta = 1u << 12,
  kTcDiscard = 1u << 13,
  kTcDrvData = 1u << 14,
  kTcFua = 1u << 15,
  // Version 8 only (1ull << 16 ... << 22 before the shift: action bits 32..38).
  kTcZoneAppend = 1ull << 16,
  kTcZoneReset = 1ull << 17,
  kTcZoneResetAll = 1ull << 18,
  kTcZoneFinish = 1ull << 19,
  kTcZoneOpen = 1ull << 20,
  kTcZoneClose = 1ull << 21,
  kTcWriteZeroes = 1ull << 22,
};

constexpr uint64_t CategoryBits(uint64_t categories) { return categories << kCategoryShift; }

// enum blktrace_act: the low bits of action.
enum ActionCode : uint16_t {
  kActQueue = 1,
  kActBackmerge = 2,
  kActFrontmerge = 3,
  kActGetRq = 4,
  kActSleepRq = 5,
  kActRequeue = 6,
  kActIssue = 7,
  kActComplete = 8,
  kActPlug = 9,
  kActUnplugIo = 10,
  kActUnplugTimer = 11,
  kActInsert = 12,
  kActSplit = 13,
  kActBounce = 14,
  kActRemap = 15,
  kActAbort = 16,
  kActDrvData = 17,
  kActZonePlug = 18,
  kActZoneUnplug = 19,
};
inline constexpr uint32_t kActCgroup = 1u << 8;  // __BLK_TA_CGROUP / __BLK_TN_CGROUP
inline constexpr uint32_t kActCodeMask = 0xff;

// enum blktrace_notify: action codes of records with the NOTIFY category.
enum NotifyCode : uint16_t { kNotifyProcess = 0, kNotifyTimestamp = 1, kNotifyMessage = 2 };

// One record's fixed part, in host order, for either version (v7's 32-bit
// action is widened).
struct Record {
  uint8_t version = kVersion7;
  uint32_t sequence = 0;
  uint64_t time = 0;
  uint64_t sector = 0;
  uint32_t bytes = 0;
  uint64_t action = 0;
  uint32_t pid = 0;
  uint32_t device = 0;
  uint32_t cpu = 0;
  uint16_t error = 0;
  uint16_t pdu_len = 0;

  uint16_t code() const { return static_cast<uint16_t>(action & kActCodeMask); }
  uint64_t categories() const { return action >> kCategoryShift; }
  bool has(uint64_t category) const { return (categories() & category) != 0; }
  bool operator==(const Record&) const = default;
};

enum class ByteOrder : uint8_t { kLittle, kBig };

// Size of the fixed part for a version; 0 if the version is unknown.
size_t RecordSize(uint8_t version);

// Reads the magic from 4 raw bytes: true (and *order, *version) if it is a
// blktrace magic in either byte order.
bool ParseMagic(const uint8_t* p, ByteOrder* order, uint8_t* version);

// Decodes the fixed part at p (RecordSize(version) bytes, version taken from
// the magic, which the caller has checked).
void DecodeRecord(const uint8_t* p, ByteOrder order, Record* out);

// Encodes rec (its version picks the layout) into out[0, RecordSize()).
void EncodeRecord(const Record& rec, ByteOrder order, uint8_t* out);

}  // namespace zonesim::blktrace
