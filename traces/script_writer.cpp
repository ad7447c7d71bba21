#include "traces/script_writer.h"

#include "zoned/device_config.h"
#include "zoned/script.h"

namespace zonesim {

Status ResolveScriptZoneRange(const Operation& op, const ScriptWriterOptions& options, Operation* out) {
  *out = op;
  if (!is_zone_management(op.kind)) return Status::Ok();
  if (op.length == kZoneRangeAll) {
    if (options.device_size == 0) {
      return Status::InvalidArgument("a zone operation on every zone needs the device size to be written as a script");
    }
    out->offset = 0;
    out->length = options.device_size;
  } else if (op.length == 0) {
    if (options.zone_size == 0) {
      return Status::InvalidArgument("a zone operation from a trace (no length) needs the zone size to be written as a script");
    }
    if (options.device_size != 0 && op.offset < options.device_size) {
      // The shared resolution knows a smaller last zone.
      DeviceConfig geometry;
      geometry.size = options.device_size;
      geometry.zone_size = options.zone_size;
      geometry.zone_capacity = options.zone_size;
      *out = ResolveZoneRange(op, geometry);
    } else {
      out->length = options.zone_size;
    }
  }
  return Status::Ok();
}

Status ScriptWriter::Create(const std::string& path, const ScriptWriterOptions& options,
                            std::unique_ptr<ScriptWriter>* out) {
  if (options.comment.find('\n') != std::string::npos) {
    return Status::InvalidArgument("script comment must be one line");
  }
  std::unique_ptr<OutputFile> f;
  Status s = OutputFile::Create(options.env, path, 1 << 20, &f);
  if (!s.ok()) return s;
  if (!options.comment.empty()) {
    s = f->Append("# " + options.comment + "\n");
    if (!s.ok()) return s;
  }
  out->reset(new ScriptWriter(std::move(f), options));
  return Status::Ok();
}

Status ScriptWriter::Write(const Operation& op) {
  Operation resolved;
  Status s = ResolveScriptZoneRange(op, options_, &resolved);
  if (!s.ok()) return s;
  ++written_;
  return file_->Append(FormatScriptLine(resolved) + "\n");
}

Status ScriptWriter::Close() { return file_->Close(); }

}  // namespace zonesim
