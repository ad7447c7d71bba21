// TraceEvent: one record of a captured trace (a blktrace record, a blkparse
// text line, a fio iolog line, a script line) turned into zonesim's vocabulary:
// the Operation it stands for, if any, plus where it came from and what the
// capture said about it. Every reader yields one TraceEvent per record, in
// trace order, so counts can be checked against the tool that wrote the trace.
//
// The string views (origin.file, action, label, target) point into storage the
// reader owns; they stay valid until the reader's next call to Next().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "zoned/operation.h"

namespace zonesim {

// Where in the block layer's handling of a request the record was taken
// (blktrace actions Q, D and C). Everything else (merges, remaps, plugs,
// notify records, fio file actions) is kOther. fio iologs and scripts log
// what the application submitted, so their I/O lines are kQueue.
enum class EventStage : uint8_t { kQueue, kIssue, kComplete, kOther };

std::string_view to_string(EventStage s);

// Request attributes the capture recorded (blktrace categories BLK_TC_*,
// blkparse's RWBS letters, fio's datasync).
enum EventFlag : uint32_t {
  kFlagSync = 1u << 0,         // BLK_TC_SYNC, RWBS 'S'
  kFlagFua = 1u << 1,          // BLK_TC_FUA, RWBS 'F' after the direction
  kFlagMeta = 1u << 2,         // BLK_TC_META, RWBS 'M'
  kFlagPreflush = 1u << 3,     // BLK_TC_FLUSH on a data write: flush before it (RWBS leading 'F')
  kFlagReadahead = 1u << 4,    // BLK_TC_AHEAD, RWBS 'A'
  kFlagPassthrough = 1u << 5,  // BLK_TC_PC: a SCSI/NVMe passthrough command, no Operation
  kFlagDatasync = 1u << 6,     // fio "datasync" (fdatasync) rather than "sync"
  kFlagWriteZeroes = 1u << 7,  // v8 BLK_TC_WRITE_ZEROES: a write of zeroes
  kFlagCgroup = 1u << 8,       // __BLK_TA_CGROUP: the payload starts with a cgroup id
};

// Provenance: the file and the position of the record inside it.
struct TraceOrigin {
  std::string_view file;  // as given to the reader
  uint32_t file_index = 0;  // position of the file in the reader's file list
  uint64_t index = 0;       // record number (binary, 0-based) or line number (text, 1-based)
  bool is_line = false;

  // "sda.blktrace.1: record 17" / "x.iolog: line 4".
  std::string ToString() const;
};

struct TraceEvent {
  // The request, when the record describes one (has_op). Offsets and lengths
  // are bytes (blktrace sectors are 512 bytes). Write data is
  // Payload::Seeded(PayloadSeedFor(origin)) so a replay is deterministic.
  bool has_op = false;
  Operation op;

  EventStage stage = EventStage::kOther;
  // The record's action as its tool names it: blkparse's letters for blktrace
  // ("Q", "D", "C", "M", "A", "ZP", ... and "m" for messages; "NP"/"NT" for
  // process and timestamp notify records, which blkparse does not print), fio's
  // action words ("write", "add", "wait", ...), the script command for scripts.
  std::string_view action;
  uint32_t flags = 0;  // EventFlag bits

  bool has_timestamp = false;
  uint64_t timestamp_ns = 0;  // as recorded: blktrace time, blkparse seconds, fio v3 usec * 1000
  uint32_t cpu = 0;
  uint32_t pid = 0;
  uint32_t device = 0;     // Linux kernel dev_t: major << 20 | minor (blktrace's encoding)
  uint32_t sequence = 0;   // blktrace per-CPU sequence number
  uint16_t error = 0;      // completion error (blktrace)
  uint64_t wait_value = 0; // fio v2 "wait": the value in its offset field

  std::string_view label;   // process name (blktrace notify records, blkparse [name])
  std::string_view target;  // fio: the file the line names
  TraceOrigin origin;
};

// The deterministic seed of the data written by the event at `origin`.
uint64_t PayloadSeedFor(const TraceOrigin& origin);

inline uint32_t DeviceMajor(uint32_t dev) { return dev >> 20; }
inline uint32_t DeviceMinor(uint32_t dev) { return dev & 0xfffff; }
inline uint32_t MakeDevice(uint32_t major, uint32_t minor) { return major << 20 | (minor & 0xfffff); }

}  // namespace zonesim
