// FioIologReader: fio's iolog versions 2 and 3 (fio iolog.c read_iolog).
// The first line is "fio version 2 iolog" or "fio version 3 iolog"; every
// other line is one action:
//   v2:  FILE ACTION [OFFSET LENGTH]
//   v3:  USEC FILE ACTION [OFFSET LENGTH]     (USEC since the job started)
// File actions (add, open, close) take no offset/length; I/O actions (read,
// write, trim, sync, datasync, wait) take both. fio reads LENGTH as a 32-bit
// unsigned int. "wait" (v2: pause, its OFFSET is the time value) is refused
// by fio in v3 logs with a message and skipped; zonesim does the same with a
// warning. fio itself logs and skips malformed lines; zonesim stops with an
// error naming the line, so a replay never silently differs from the log.
//
// Operations: read -> kRead, write -> kWrite (seeded payload), trim ->
// kDiscard, sync and datasync -> kFlush (datasync adds kFlagDatasync).
// Blank lines are skipped.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "traces/input_file.h"
#include "traces/trace_reader.h"

namespace zonesim {

class FioIologReader : public TraceReader {
 public:
  // env: where the file is read from (tests: MemEnv).
  static Status Open(const std::string& path, size_t buffer_bytes, std::unique_ptr<FioIologReader>* out,
                     Env* env = Env::Default());

  Status Next(TraceEvent* ev, bool* eof) override;
  TraceFormat format() const override { return TraceFormat::kFioIolog; }
  const WarningLog& warnings() const override { return warnings_; }
  int version() const { return version_; }

 private:
  FioIologReader(std::unique_ptr<InputFile> file, int version) : file_(std::move(file)), version_(version) {}
  Status ParseLine(std::string_view line, TraceEvent* ev);
  Status Error(const std::string& what) const;

  std::unique_ptr<InputFile> file_;
  int version_;
  WarningLog warnings_;
  std::set<std::string, std::less<>> files_;       // names seen in "add" lines
  std::set<std::string, std::less<>> warned_files_;  // unknown names already warned about
};

// The version named by a first line ("fio version 2 iolog" -> 2), or 0.
int FioIologVersionOf(std::string_view first_line);

}  // namespace zonesim
