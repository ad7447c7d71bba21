// TraceReader: the common interface of every trace reader. Readers stream:
// memory stays bounded whatever the trace's size (one input buffer per file,
// one pending record per file, a pid -> name map for blktrace). Malformed
// input ends the stream with Status::Corruption naming the file, the record
// or line, and what was wrong; oddities that do not stop reading (a per-CPU
// file whose records name another CPU) are collected as warnings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "traces/trace_event.h"

namespace zonesim {

enum class TraceFormat : uint8_t {
  kAuto,          // detect from the content (OpenTrace)
  kBlktrace,      // blktrace binary: per-CPU NAME.blktrace.N files or a blkparse -d dump
  kBlkparseText,  // blkparse's default text output
  kFioIolog,      // fio iolog version 2 or 3
  kScript,        // zonesim io script (zoned/script.h)
};

std::string_view to_string(TraceFormat f);
// "auto", "blktrace", "blkparse", "fio", "script"; false if unknown.
bool TraceFormatFromString(std::string_view s, TraceFormat* out);

// Warnings with a cap, so a trace with a million oddities does not grow memory.
class WarningLog {
 public:
  static constexpr size_t kMaxKept = 100;
  void Add(std::string w);
  const std::vector<std::string>& list() const { return list_; }
  uint64_t dropped() const { return dropped_; }

 private:
  std::vector<std::string> list_;
  uint64_t dropped_ = 0;
};

class TraceReader {
 public:
  virtual ~TraceReader() = default;
  // Fills *ev with the next record and sets *eof = false, or sets *eof = true
  // at the end. After a non-OK status the reader must not be used again.
  virtual Status Next(TraceEvent* ev, bool* eof) = 0;
  virtual TraceFormat format() const = 0;
  virtual const WarningLog& warnings() const = 0;
};

}  // namespace zonesim
