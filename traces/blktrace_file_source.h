// BlktraceFileSource: the raw records of one blktrace binary file (a per-CPU
// NAME.blktrace.N file or a blkparse -d dump), checked one by one: magic,
// version (7 or 8), byte order (fixed by the first record, either order),
// payload length. Knows nothing about merging or Operations.
#pragma once

#include <cstdint>
#include <memory>

#include "common/status.h"
#include "traces/blktrace_format.h"
#include "traces/input_file.h"
#include "traces/trace_reader.h"

namespace zonesim {

class BlktraceFileSource {
 public:
  // expected_cpu < 0: the file name names no CPU (a dump), nothing to check.
  // A record naming another CPU than expected is read anyway, with one
  // warning per file (blkparse drops such records: "cpu 0 trace info has
  // error cpu 1"; zonesim keeps them so such captures stay usable).
  BlktraceFileSource(std::unique_ptr<InputFile> file, uint32_t file_index, int expected_cpu,
                     WarningLog* warnings);

  // Reads the next record; *eof at the end of the file.
  Status Next(bool* eof);
  const blktrace::Record& record() const { return rec_; }
  // The record's payload (pdu_len bytes); valid until the next call to Next().
  const uint8_t* pdu() const { return pdu_; }
  uint64_t record_index() const { return index_; }  // of the current record (0-based)
  uint32_t file_index() const { return file_index_; }
  const std::string& path() const { return file_->path(); }
  bool big_endian() const { return order_ == blktrace::ByteOrder::kBig; }

 private:
  Status Error(uint64_t offset, const std::string& what) const;

  std::unique_ptr<InputFile> file_;
  uint32_t file_index_;
  int expected_cpu_;
  WarningLog* warnings_;
  bool started_ = false;
  bool order_known_ = false;
  bool cpu_warned_ = false;
  blktrace::ByteOrder order_ = blktrace::ByteOrder::kLittle;
  blktrace::Record rec_;
  const uint8_t* pdu_ = nullptr;
  uint64_t index_ = 0;
};

}  // namespace zonesim
