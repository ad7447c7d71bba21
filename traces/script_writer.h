// ScriptWriter: Operations as a zonesim io script (zoned/script.h's
// FormatScriptLine, one command a line), so a trace can be replayed or
// minimised with `zonesim io`. Zone operations from traces name no zone size
// (operation.h: length 0 = one zone, kZoneRangeAll = every zone); the script
// dialect needs explicit ranges, so they are resolved here from the zone and
// device sizes, which must then be given.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "zoned/operation.h"
#include "traces/output_file.h"

namespace zonesim {

struct ScriptWriterOptions {
  uint64_t zone_size = 0;    // resolves length-0 zone operations
  uint64_t device_size = 0;  // resolves kZoneRangeAll
  std::string comment;       // written as "# comment" on the first line when not empty
  Env* env = Env::Default(); // where the script is created
};

// The operation with trace-style zone ranges made explicit (zoned/operation.h
// ResolveZoneRange); InvalidArgument if a size it needs is unknown.
Status ResolveScriptZoneRange(const Operation& op, const ScriptWriterOptions& options, Operation* out);

class ScriptWriter {
 public:
  static Status Create(const std::string& path, const ScriptWriterOptions& options,
                       std::unique_ptr<ScriptWriter>* out);
  Status Write(const Operation& op);
  Status Close();
  uint64_t written() const { return written_; }

 private:
  ScriptWriter(std::unique_ptr<OutputFile> f, ScriptWriterOptions o) : file_(std::move(f)), options_(std::move(o)) {}

  std::unique_ptr<OutputFile> file_;
  ScriptWriterOptions options_;
  uint64_t written_ = 0;
};

}  // namespace zonesim
