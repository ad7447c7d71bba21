#include "traces/fio_iolog_reader.h"

#include "traces/text_scan.h"

namespace zonesim {

using namespace text;

namespace {

enum class FioAction { kAdd, kOpen, kClose, kRead, kWrite, kTrim, kSync, kDatasync, kWait };

struct ActionInfo {
  std::string_view name;
  FioAction action;
  bool is_io;  // takes OFFSET LENGTH
};

constexpr ActionInfo kActions[] = {
    {"add", FioAction::kAdd, false},     {"open", FioAction::kOpen, false},
    {"close", FioAction::kClose, false}, {"read", FioAction::kRead, true},
    {"write", FioAction::kWrite, true},  {"trim", FioAction::kTrim, true},
    {"sync", FioAction::kSync, true},    {"datasync", FioAction::kDatasync, true},
    {"wait", FioAction::kWait, true},
};

std::string Quote(std::string_view s) {
  if (s.size() > 60) return "'" + std::string(s.substr(0, 60)) + "...'";
  return "'" + std::string(s) + "'";
}

}  // namespace

int FioIologVersionOf(std::string_view first_line) {
  // fio compares only the header's length (strncmp), so trailing text is allowed.
  if (first_line.substr(0, 19) == "fio version 2 iolog") return 2;
  if (first_line.substr(0, 19) == "fio version 3 iolog") return 3;
  return 0;
}

Status FioIologReader::Open(const std::string& path, size_t buffer_bytes, std::unique_ptr<FioIologReader>* out,
                            Env* env) {
  std::unique_ptr<InputFile> f;
  Status s = InputFile::Open(env, path, buffer_bytes, &f);
  if (!s.ok()) return s;
  std::string_view first;
  bool eof = false;
  s = f->NextLine(&first, &eof);
  if (!s.ok()) return s;
  const int version = eof ? 0 : FioIologVersionOf(first);
  if (version == 0) {
    return Status::Corruption(path + ": line 1: not a fio iolog: the first line must be "
                              "'fio version 2 iolog' or 'fio version 3 iolog' (fio no longer reads version 1)");
  }
  out->reset(new FioIologReader(std::move(f), version));
  return Status::Ok();
}

Status FioIologReader::Error(const std::string& what) const {
  return Status::Corruption(file_->path() + ": line " + std::to_string(file_->line_number()) + ": " + what);
}

Status FioIologReader::Next(TraceEvent* ev, bool* eof) {
  for (;;) {
    std::string_view line;
    Status s = file_->NextLine(&line, eof);
    if (!s.ok() || *eof) return s;
    if (Trim(line).empty()) continue;
    return ParseLine(line, ev);
  }
}

Status FioIologReader::ParseLine(std::string_view line, TraceEvent* ev) {
  std::string_view rest = line;
  // v2: FILE ACTION [OFFSET LENGTH]; v3 adds the time in front.
  const size_t max_fields = version_ == 3 ? 5 : 4;
  std::string_view tokens[6];
  size_t n = 0;
  for (; n <= max_fields; ++n) {
    tokens[n] = NextToken(&rest);
    if (tokens[n].empty()) break;
  }
  if (n > max_fields) return Error("too many fields in " + Quote(line));

  ev->has_timestamp = false;
  ev->timestamp_ns = 0;
  size_t i = 0;
  if (version_ == 3) {
    uint64_t usec = 0;
    if (!ParseUnsigned(tokens[0], &usec) || usec > UINT64_MAX / 1000) {
      return Error("bad timestamp " + Quote(tokens[0]) + " (version 3 lines start with microseconds)");
    }
    ev->has_timestamp = true;
    ev->timestamp_ns = usec * 1000;
    i = 1;
  }
  if (n < i + 2) return Error("want " + std::string(version_ == 3 ? "TIME " : "") + "FILE ACTION, got " + Quote(line));
  const std::string_view file = tokens[i];
  const std::string_view action = tokens[i + 1];
  const ActionInfo* info = nullptr;
  for (const ActionInfo& a : kActions) {
    if (a.name == action) info = &a;
  }
  if (info == nullptr) {
    return Error("unknown action " + Quote(action) +
                 " (fio accepts add, open, close, read, write, trim, sync, datasync, wait)");
  }
  const size_t args = n - i - 2;
  if (info->is_io && args != 2) return Error("'" + std::string(action) + "' needs OFFSET and LENGTH");
  if (!info->is_io && args != 0) return Error("'" + std::string(action) + "' takes no OFFSET or LENGTH");

  uint64_t offset = 0;
  uint32_t length = 0;
  if (info->is_io) {
    if (!ParseUnsigned(tokens[i + 2], &offset)) return Error("bad offset " + Quote(tokens[i + 2]));
    uint64_t len64 = 0;
    if (!ParseUnsigned(tokens[i + 3], &len64)) return Error("bad length " + Quote(tokens[i + 3]));
    if (len64 > UINT32_MAX) {
      return Error("length " + std::string(tokens[i + 3]) + " does not fit fio's 32-bit length field");
    }
    length = static_cast<uint32_t>(len64);
  }

  ev->origin.file = file_->path();
  ev->origin.file_index = 0;
  ev->origin.index = file_->line_number();
  ev->origin.is_line = true;
  ev->action = info->name;
  ev->target = file;
  ev->label = {};
  ev->flags = 0;
  ev->cpu = ev->pid = ev->device = ev->sequence = 0;
  ev->error = 0;
  ev->wait_value = 0;
  ev->has_op = false;
  ev->stage = info->is_io && info->action != FioAction::kWait ? EventStage::kQueue : EventStage::kOther;

  if (info->action == FioAction::kAdd) {
    if (files_.find(file) == files_.end()) files_.emplace(file);
  } else if (files_.find(file) == files_.end() && warned_files_.find(file) == warned_files_.end()) {
    warned_files_.emplace(file);
    warnings_.Add(file_->path() + ": line " + std::to_string(file_->line_number()) + ": file '" +
                  std::string(file) + "' is used before an 'add' line (fio would fail to replay it)");
  }

  auto set_op = [&](OpKind kind) {
    ev->has_op = true;
    ev->op = Operation{};
    ev->op.kind = kind;
    ev->op.offset = kind == OpKind::kFlush ? 0 : offset;
    ev->op.length = kind == OpKind::kFlush ? 0 : length;
  };
  switch (info->action) {
    case FioAction::kRead: set_op(OpKind::kRead); break;
    case FioAction::kWrite:
      set_op(OpKind::kWrite);
      ev->op.payload = Payload::Seeded(PayloadSeedFor(ev->origin));
      break;
    case FioAction::kTrim: set_op(OpKind::kDiscard); break;
    case FioAction::kSync: set_op(OpKind::kFlush); break;
    case FioAction::kDatasync:
      set_op(OpKind::kFlush);
      ev->flags |= kFlagDatasync;
      break;
    case FioAction::kWait:
      ev->wait_value = offset;
      if (version_ == 3) {
        warnings_.Add(file_->path() + ": line " + std::to_string(file_->line_number()) +
                      ": 'wait' is not allowed in a version 3 iolog; ignored, as fio does");
      }
      break;
    default: break;
  }
  return Status::Ok();
}

}  // namespace zonesim
