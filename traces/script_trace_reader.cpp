#include "traces/script_trace_reader.h"

#include <optional>

#include "zoned/script.h"
#include "traces/text_scan.h"

namespace zonesim {

Status ScriptTraceReader::Open(const std::string& path, size_t buffer_bytes, std::unique_ptr<ScriptTraceReader>* out,
                               Env* env) {
  std::unique_ptr<InputFile> f;
  Status s = InputFile::Open(env, path, buffer_bytes, &f);
  if (!s.ok()) return s;
  out->reset(new ScriptTraceReader(std::move(f)));
  return Status::Ok();
}

Status ScriptTraceReader::Next(TraceEvent* ev, bool* eof) {
  for (;;) {
    std::string_view line;
    Status s = file_->NextLine(&line, eof);
    if (!s.ok() || *eof) return s;
    std::optional<Operation> op;
    s = ParseScriptLine(line, &op);
    if (!s.ok()) {
      return Status::Corruption(file_->path() + ": line " + std::to_string(file_->line_number()) +
                                ": " + s.message());
    }
    if (!op) continue;
    *ev = TraceEvent{};
    ev->has_op = true;
    ev->op = *op;
    ev->stage = EventStage::kQueue;
    std::string_view rest = line;
    ev->action = text::NextToken(&rest);
    ev->origin.file = file_->path();
    ev->origin.index = file_->line_number();
    ev->origin.is_line = true;
    return Status::Ok();
  }
}

}  // namespace zonesim
