// BlktraceWriter: writes blktrace binary traces the way blktrace does -- one
// file per CPU, PREFIX.blktrace.N, version 7 little-endian records by default
// -- so Debian's blkparse reads them. Used for fixtures, round-trip tests and
// multi-million-event benchmark inputs. Version 8 (blk_io_trace2) records
// carry zone operations; big-endian output exists for byte-order tests.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "traces/blktrace_format.h"
#include "traces/output_file.h"
#include "traces/trace_event.h"

namespace zonesim {

struct BlktraceWriterOptions {
  uint8_t version = blktrace::kVersion7;
  blktrace::ByteOrder byte_order = blktrace::ByteOrder::kLittle;
  uint32_t cpus = 1;
  uint32_t device = MakeDevice(259, 0);  // an NVMe namespace, 259,0
  size_t buffer_bytes = 1 << 20;         // per file
  Env* env = Env::Default();             // where the files are created
};

class BlktraceWriter {
 public:
  // Per-CPU files PREFIX.blktrace.0 .. PREFIX.blktrace.{cpus-1} (truncated if present).
  static Status Create(const std::string& prefix, const BlktraceWriterOptions& options,
                       std::unique_ptr<BlktraceWriter>* out);
  // One file holding every CPU's records, like a blkparse -d dump.
  static Status CreateSingleFile(const std::string& path, const BlktraceWriterOptions& options,
                                 std::unique_ptr<BlktraceWriter>* out);

  // Writes rec (version, pdu_len set here) to the file of rec.cpu (per-CPU
  // mode) or to the single file.
  Status WriteRecord(blktrace::Record rec, std::string_view pdu = {});
  // Writes rec to file `file_index` whatever rec.cpu says (for tests of
  // mismatched captures).
  Status WriteRecordToFile(uint32_t file_index, blktrace::Record rec, std::string_view pdu = {});

  // A BLK_TN_PROCESS notify record: pid's name, as the kernel logs it before
  // the task's first traced I/O on that CPU.
  Status WriteProcessName(uint32_t cpu, uint64_t time_ns, uint32_t pid, std::string_view name);

  struct IoInfo {
    uint64_t time_ns = 0;
    uint32_t cpu = 0;
    uint32_t pid = 0;
    uint32_t flags = 0;  // EventFlag bits: sync, FUA, meta, preflush, readahead, write zeroes
    uint16_t error = 0;
  };
  // The record the kernel logs for op at action `code` (blktrace::kActQueue,
  // kActIssue, kActComplete, ...), numbered with the CPU's next sequence
  // number. Offsets must be 512-byte aligned; lengths must fit 32 bits.
  Status WriteOperation(const Operation& op, uint16_t code, const IoInfo& info);

  // The next per-CPU sequence number (the kernel numbers every record but
  // notify records, per CPU, from 1); for callers of WriteRecord.
  uint32_t NextSequence(uint32_t cpu);

  Status Close();
  std::vector<std::string> paths() const;
  uint64_t records_written() const { return records_; }

 private:
  explicit BlktraceWriter(const BlktraceWriterOptions& o) : options_(o) {}

  BlktraceWriterOptions options_;
  std::vector<std::unique_ptr<OutputFile>> files_;
  std::vector<uint32_t> sequence_;  // per CPU, last number used
  bool single_file_ = false;
  uint64_t records_ = 0;
};

}  // namespace zonesim
