// ScriptTraceReader: a zonesim io script (zoned/script.h, qemu-io's zone
// command dialect) read as a trace, one event per command line, parsed line
// by line so a script of any length streams in constant memory. Blank and
// comment-only lines yield no event. Commands are what the user submits, so
// every event is EventStage::kQueue; the action is the command word.
#pragma once

#include <memory>
#include <string>

#include "traces/input_file.h"
#include "traces/trace_reader.h"

namespace zonesim {

class ScriptTraceReader : public TraceReader {
 public:
  // env: where the file is read from (tests: MemEnv).
  static Status Open(const std::string& path, size_t buffer_bytes, std::unique_ptr<ScriptTraceReader>* out,
                     Env* env = Env::Default());

  Status Next(TraceEvent* ev, bool* eof) override;
  TraceFormat format() const override { return TraceFormat::kScript; }
  const WarningLog& warnings() const override { return warnings_; }

 private:
  explicit ScriptTraceReader(std::unique_ptr<InputFile> file) : file_(std::move(file)) {}

  std::unique_ptr<InputFile> file_;
  WarningLog warnings_;
};

}  // namespace zonesim
