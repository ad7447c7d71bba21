#include "traces/fio_iolog_writer.h"

#include <cstdint>

namespace zonesim {

Status FioIologWriter::Create(const std::string& path, const FioIologWriterOptions& options,
                              std::unique_ptr<FioIologWriter>* out) {
  if (options.file_name.empty() || options.file_name.find_first_of(" \t\n") != std::string::npos) {
    // fio reads the name with %256s: no whitespace.
    return Status::InvalidArgument("fio iolog file name must be non-empty and have no whitespace");
  }
  std::unique_ptr<OutputFile> f;
  Status s = OutputFile::Create(options.env, path, 1 << 20, &f);
  if (!s.ok()) return s;
  std::unique_ptr<FioIologWriter> w(new FioIologWriter(std::move(f), options));
  s = w->file_->Append("fio version 2 iolog\n" + options.file_name + " add\n" + options.file_name + " open\n");
  if (!s.ok()) return s;
  *out = std::move(w);
  return Status::Ok();
}

Status FioIologWriter::Line(std::string_view action, uint64_t offset, uint64_t length) {
  if (length > UINT32_MAX) {
    return Status::InvalidArgument("fio iolog: length " + std::to_string(length) +
                                   " does not fit fio's 32-bit length");
  }
  std::string line = options_.file_name;
  line += ' ';
  line += action;
  line += ' ';
  line += std::to_string(offset);
  line += ' ';
  line += std::to_string(length);
  line += '\n';
  ++written_;
  return file_->Append(line);
}

Status FioIologWriter::Write(const Operation& op) {
  switch (op.kind) {
    case OpKind::kRead: return Line("read", op.offset, op.length);
    case OpKind::kWrite: return Line("write", op.offset, op.length);
    case OpKind::kDiscard: return Line("trim", op.offset, op.length);
    case OpKind::kFlush: return Line("sync", 0, 0);
    case OpKind::kReset:
      if (op.length != kZoneRangeAll && options_.zone_size != 0) {
        if (op.offset % options_.zone_size != 0) {
          return Status::InvalidArgument("fio iolog: zone reset at " + std::to_string(op.offset) +
                                         " is not at a zone start");
        }
        // One zone, or each zone of a range: fio resets a zone on a trim of exactly that zone.
        const uint64_t len = op.length == 0 ? options_.zone_size : op.length;
        for (uint64_t z = op.offset; z < op.offset + len; z += options_.zone_size) {
          Status s = Line("trim", z, options_.zone_size);
          if (!s.ok()) return s;
        }
        return Status::Ok();
      }
      break;
    default: break;
  }
  if (options_.strict) {
    return Status::InvalidArgument("fio iolog: this operation has no fio iolog form (appends, zone "
                                   "open/close/finish, reset-all and simulator events cannot be replayed by fio)");
  }
  ++skipped_;
  return Status::Ok();
}

Status FioIologWriter::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status s = file_->Append(options_.file_name + " close\n");
  Status c = file_->Close();
  return s.ok() ? c : s;
}

}  // namespace zonesim
