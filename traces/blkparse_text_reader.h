// BlkparseTextReader: blkparse's default text output, one event per trace
// line. A trace line is
//   MAJ,MIN CPU SEQ SEC.NSEC PID ACTION RWBS DETAILS
//   "259,0    3        1     0.000000149  1867  Q   W 763360912 + 8 [dmcrypt_write/2]"
// with DETAILS by action (blkparse_fmt.c process_default):
//   Q/D/I/B/G/M/F/S  SECTOR + NSECT [(ELAPSED)] [PROCESS]  -- or just [PROCESS]
//                    when the request carries no data ("Q FWFS [jbd2/dm-4-8]")
//   C/R              SECTOR + NSECT [(ELAPSED)] [ERROR]    -- or SECTOR [ERROR]
//   A                SECTOR + NSECT <- (MAJ,MIN) FROM_SECTOR
//   X                SECTOR / NEW_SECTOR [PROCESS]
//   P, ZP            [PROCESS];  U, UT, ZU  [PROCESS] COUNT
//   m                free text (a message notify record)
// Lines starting with '#', blank lines and blkparse's statistics block
// ("CPU0 (sda):", " Reads Queued: ...", "Total (...)", "Throughput ...",
// "Events (...)", "Skips: ...", "Input file ... added") are skipped; any
// other line is an error naming it. Times are relative to the first event,
// as blkparse prints them; sectors are 512 bytes.
#pragma once

#include <memory>
#include <string>

#include "traces/input_file.h"
#include "traces/trace_reader.h"

namespace zonesim {

class BlkparseTextReader : public TraceReader {
 public:
  // env: where the file is read from (tests: MemEnv).
  static Status Open(const std::string& path, size_t buffer_bytes, std::unique_ptr<BlkparseTextReader>* out,
                     Env* env = Env::Default());

  Status Next(TraceEvent* ev, bool* eof) override;
  TraceFormat format() const override { return TraceFormat::kBlkparseText; }
  const WarningLog& warnings() const override { return warnings_; }

  uint64_t skipped_lines() const { return skipped_lines_; }

 private:
  explicit BlkparseTextReader(std::unique_ptr<InputFile> file) : file_(std::move(file)) {}
  Status ParseLine(std::string_view line, TraceEvent* ev);
  Status Error(const std::string& what) const;

  std::unique_ptr<InputFile> file_;
  WarningLog warnings_;
  uint64_t skipped_lines_ = 0;
};

// True if the line has the shape of a blkparse trace line (used for format
// detection: device "M,m", then cpu, sequence, "S.N" time and pid).
bool LooksLikeBlkparseLine(std::string_view line);

}  // namespace zonesim
