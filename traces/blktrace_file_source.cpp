#include "traces/blktrace_file_source.h"

#include <cinttypes>
#include <cstdio>

namespace zonesim {

using namespace blktrace;

namespace {

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

}  // namespace

BlktraceFileSource::BlktraceFileSource(std::unique_ptr<InputFile> file, uint32_t file_index,
                                       int expected_cpu, WarningLog* warnings)
    : file_(std::move(file)), file_index_(file_index), expected_cpu_(expected_cpu), warnings_(warnings) {}

Status BlktraceFileSource::Error(uint64_t offset, const std::string& what) const {
  return Status::Corruption(file_->path() + ": record " + std::to_string(index_) + " (byte " +
                            std::to_string(offset) + "): " + what);
}

Status BlktraceFileSource::Next(bool* eof) {
  if (started_) ++index_;
  started_ = true;
  const uint64_t offset = file_->offset();
  size_t avail = 0;
  Status s = file_->Fill(kMaxRecordSize, &avail);
  if (!s.ok()) return s;
  if (avail == 0) {
    *eof = true;
    return Status::Ok();
  }
  const uint8_t* p = file_->data();
  if (avail < 4) {
    return Error(offset, "truncated: the file ends " + std::to_string(avail) +
                             " bytes into a record");
  }
  ByteOrder order;
  uint8_t version;
  if (!ParseMagic(p, &order, &version)) {
    uint32_t raw = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
    return Error(offset, "bad magic " + Hex32(raw) +
                             (index_ == 0 ? " (not a blktrace file: the magic is 0x656174vv)"
                                          : " (expected 0x656174vv; corrupt or misaligned)"));
  }
  if (!order_known_) {
    order_ = order;
    order_known_ = true;
  } else if (order != order_) {
    return Error(offset, "byte order changes in the middle of the file");
  }
  const size_t size = RecordSize(version);
  if (size == 0) {
    return Error(offset, "blktrace version " + std::to_string(version) +
                             " is not supported (7 and 8 are)");
  }
  if (avail < size) {
    return Error(offset, "truncated: the file ends " + std::to_string(avail) + " bytes into a " +
                             std::to_string(size) + "-byte version " + std::to_string(version) +
                             " record");
  }
  DecodeRecord(p, order_, &rec_);
  const size_t total = size + rec_.pdu_len;
  s = file_->Fill(total, &avail);
  if (!s.ok()) return s;
  if (avail < total) {
    return Error(offset, "truncated: the record's " + std::to_string(rec_.pdu_len) +
                             "-byte payload has only " + std::to_string(avail - size) +
                             " bytes before the end of the file");
  }
  pdu_ = file_->data() + size;
  file_->Consume(total);
  if (expected_cpu_ >= 0 && rec_.cpu != static_cast<uint32_t>(expected_cpu_) && !cpu_warned_) {
    cpu_warned_ = true;
    warnings_->Add(file_->path() + ": record " + std::to_string(index_) + " says cpu " +
                   std::to_string(rec_.cpu) + " but the file name says cpu " +
                   std::to_string(expected_cpu_) +
                   "; read anyway (blkparse drops such records); later mismatches in this file "
                   "are not reported");
  }
  *eof = false;
  return Status::Ok();
}

}  // namespace zonesim
