// FioIologWriter: the data operations of a case as a fio version 2 iolog, so
// it can be replayed on real hardware with fio --read_iolog=FILE (v2 has no
// timestamps, so fio replays it back to back; every fio from 1.x to today
// reads it). Lines: "fio version 2 iolog", "DEV add", "DEV open", then
// "DEV read|write|trim|sync OFFSET LENGTH", and "DEV close" at the end.
//
// read -> read, write -> write (fio writes its own data), discard -> trim,
// flush -> sync. A zone reset becomes a trim of exactly that zone when the
// zone size is known: fio with zonemode=zbd executes such a trim as a zone
// reset. Appends, open/close/finish, reset-all and non-I/O operations have
// no iolog form: they are skipped and counted (or refused when strict).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "zoned/operation.h"
#include "traces/output_file.h"

namespace zonesim {

struct FioIologWriterOptions {
  std::string file_name = "/dev/nullb0";  // the device the log names
  uint64_t zone_size = 0;                 // 0: unknown; zone resets are then skipped
  bool strict = false;                    // refuse operations fio cannot replay
  Env* env = Env::Default();              // where the log is created
};

class FioIologWriter {
 public:
  static Status Create(const std::string& path, const FioIologWriterOptions& options,
                       std::unique_ptr<FioIologWriter>* out);
  Status Write(const Operation& op);
  Status Close();  // writes the close line and flushes

  uint64_t written() const { return written_; }
  uint64_t skipped() const { return skipped_; }

 private:
  FioIologWriter(std::unique_ptr<OutputFile> f, FioIologWriterOptions o)
      : file_(std::move(f)), options_(std::move(o)) {}
  Status Line(std::string_view action, uint64_t offset, uint64_t length);

  std::unique_ptr<OutputFile> file_;
  FioIologWriterOptions options_;
  uint64_t written_ = 0;
  uint64_t skipped_ = 0;
  bool closed_ = false;
};

}  // namespace zonesim
