// BlktraceReader: blktrace binary files as one stream of TraceEvents.
// Several files (blktrace writes one per CPU) are merged by timestamp with a
// heap, as blkparse merges them; ties go to the file listed first, so the
// order is deterministic. Notify records name processes: every later event of
// that pid carries the name as its label (the events themselves are emitted
// too, with action "NP", "NT" or "m", so record counts match the files).
// Timestamps are the records' own. A blkparse -d dump is one file holding
// every CPU's records in merged order; blkparse rewrites the times of its
// trace records relative to the first event (notify records keep theirs).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "traces/blktrace_file_source.h"
#include "traces/trace_reader.h"

namespace zonesim {

struct BlktraceInput {
  std::string path;
  int expected_cpu = -1;  // from a NAME.blktrace.N suffix; -1 for dumps
};

class BlktraceReader : public TraceReader {
 public:
  // buffer_bytes is split among the files (at least 128 KiB each, so a
  // record with the largest payload always fits). env: where the files are
  // read from (tests: MemEnv).
  static Status Open(const std::vector<BlktraceInput>& inputs, size_t buffer_bytes,
                     std::unique_ptr<BlktraceReader>* out, Env* env = Env::Default());

  Status Next(TraceEvent* ev, bool* eof) override;
  TraceFormat format() const override { return TraceFormat::kBlktrace; }
  const WarningLog& warnings() const override { return warnings_; }

  // True if any file is big-endian (known once its first record was read).
  bool any_big_endian() const;

 private:
  struct HeapEntry {
    uint64_t time;
    uint32_t source;
  };
  struct Later {
    bool operator()(const HeapEntry& a, const HeapEntry& b) const {
      return a.time != b.time ? a.time > b.time : a.source > b.source;
    }
  };

  BlktraceReader() = default;
  Status Advance(uint32_t source);  // reads the source's next record into the heap
  void Emit(const BlktraceFileSource& src, TraceEvent* ev);
  std::string_view LabelFor(uint32_t pid);

  std::vector<std::unique_ptr<BlktraceFileSource>> sources_;
  std::vector<HeapEntry> heap_;
  int pending_ = -1;  // source whose head was emitted last and must advance
  bool primed_ = false;
  WarningLog warnings_;
  std::map<uint32_t, std::string> names_;  // pid -> process name (notify records)
  uint32_t cached_pid_ = 0;
  const std::string* cached_name_ = nullptr;
};

}  // namespace zonesim
