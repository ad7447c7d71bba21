#include "traces/blktrace_writer.h"

#include "traces/blktrace_mapping.h"
#include "traces/request_mapping.h"

namespace zonesim {

using namespace blktrace;

namespace {

Status CheckOptions(const BlktraceWriterOptions& o) {
  if (RecordSize(o.version) == 0) {
    return Status::InvalidArgument("blktrace version " + std::to_string(o.version) + " cannot be written (7 or 8)");
  }
  if (o.cpus == 0 || o.cpus > 4096) return Status::InvalidArgument("blktrace writer: cpus must be 1..4096");
  return Status::Ok();
}

}  // namespace

Status BlktraceWriter::Create(const std::string& prefix, const BlktraceWriterOptions& options,
                              std::unique_ptr<BlktraceWriter>* out) {
  Status s = CheckOptions(options);
  if (!s.ok()) return s;
  std::unique_ptr<BlktraceWriter> w(new BlktraceWriter(options));
  for (uint32_t cpu = 0; cpu < options.cpus; ++cpu) {
    std::unique_ptr<OutputFile> f;
    s = OutputFile::Create(options.env, prefix + ".blktrace." + std::to_string(cpu), options.buffer_bytes, &f);
    if (!s.ok()) return s;
    w->files_.push_back(std::move(f));
  }
  w->sequence_.assign(options.cpus, 0);
  *out = std::move(w);
  return Status::Ok();
}

Status BlktraceWriter::CreateSingleFile(const std::string& path, const BlktraceWriterOptions& options,
                                        std::unique_ptr<BlktraceWriter>* out) {
  Status s = CheckOptions(options);
  if (!s.ok()) return s;
  std::unique_ptr<BlktraceWriter> w(new BlktraceWriter(options));
  std::unique_ptr<OutputFile> f;
  s = OutputFile::Create(options.env, path, options.buffer_bytes, &f);
  if (!s.ok()) return s;
  w->files_.push_back(std::move(f));
  w->sequence_.assign(options.cpus, 0);
  w->single_file_ = true;
  *out = std::move(w);
  return Status::Ok();
}

Status BlktraceWriter::WriteRecordToFile(uint32_t file_index, Record rec, std::string_view pdu) {
  if (file_index >= files_.size()) {
    return Status::InvalidArgument("blktrace writer: no file " + std::to_string(file_index));
  }
  if (pdu.size() > 0xffff) return Status::InvalidArgument("blktrace writer: payload over 65535 bytes");
  rec.version = options_.version;
  rec.pdu_len = static_cast<uint16_t>(pdu.size());
  uint8_t buf[kMaxRecordSize];
  EncodeRecord(rec, options_.byte_order, buf);
  Status s = files_[file_index]->Append(buf, RecordSize(rec.version));
  if (s.ok() && !pdu.empty()) s = files_[file_index]->Append(pdu);
  if (s.ok()) ++records_;
  return s;
}

Status BlktraceWriter::WriteRecord(Record rec, std::string_view pdu) {
  if (single_file_) return WriteRecordToFile(0, rec, pdu);
  if (rec.cpu >= files_.size()) {
    return Status::InvalidArgument("blktrace writer: cpu " + std::to_string(rec.cpu) + " but only " +
                                   std::to_string(files_.size()) + " per-CPU files");
  }
  return WriteRecordToFile(rec.cpu, rec, pdu);
}

Status BlktraceWriter::WriteProcessName(uint32_t cpu, uint64_t time_ns, uint32_t pid, std::string_view name) {
  Record rec;
  rec.time = time_ns;
  rec.cpu = cpu;
  rec.pid = pid;
  rec.device = options_.device;
  rec.action = CategoryBits(kTcNotify) | kNotifyProcess;
  // The kernel copies the task's whole comm buffer (TASK_COMM_LEN = 16,
  // NUL-padded).
  std::string comm(16, '\0');
  name.substr(0, 15).copy(comm.data(), 15);
  return WriteRecord(rec, comm);
}

Status BlktraceWriter::WriteOperation(const Operation& op, uint16_t code, const IoInfo& info) {
  if (info.cpu >= sequence_.size()) {
    return Status::InvalidArgument("blktrace writer: cpu " + std::to_string(info.cpu) + " out of range");
  }
  Record rec;
  Status s = ActionFor(op, code, info.flags, options_.version, &rec.action);
  if (!s.ok()) return s;
  uint64_t offset = op.offset, length = op.length;
  if (op.kind == OpKind::kFlush || (op.kind == OpKind::kReset && op.length == kZoneRangeAll)) {
    offset = length = 0;
  } else if (is_zone_management(op.kind)) {
    length = 0;  // the kernel's zone management bios carry no size
  }
  if (offset % kSectorSize != 0) {
    return Status::InvalidArgument("blktrace writer: offset " + std::to_string(offset) +
                                   " is not a multiple of 512 (blktrace counts sectors)");
  }
  if (length > UINT32_MAX) {
    return Status::InvalidArgument("blktrace writer: length " + std::to_string(length) +
                                   " does not fit the 32-bit bytes field");
  }
  rec.sequence = ++sequence_[info.cpu];
  rec.time = info.time_ns;
  rec.sector = offset / kSectorSize;
  rec.bytes = static_cast<uint32_t>(length);
  rec.pid = info.pid;
  rec.device = options_.device;
  rec.cpu = info.cpu;
  rec.error = info.error;
  return WriteRecord(rec);
}

uint32_t BlktraceWriter::NextSequence(uint32_t cpu) {
  return cpu < sequence_.size() ? ++sequence_[cpu] : 0;
}

Status BlktraceWriter::Close() {
  Status first;
  for (auto& f : files_) {
    Status s = f->Close();
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

std::vector<std::string> BlktraceWriter::paths() const {
  std::vector<std::string> p;
  for (const auto& f : files_) p.push_back(f->path());
  return p;
}

}  // namespace zonesim
