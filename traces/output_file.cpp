#include "traces/output_file.h"

#include <algorithm>
#include <cstring>

namespace zonesim {

Status OutputFile::Create(Env* env, const std::string& path, size_t buffer_bytes, std::unique_ptr<OutputFile>* out) {
  std::unique_ptr<WritableFile> file;
  Status s = env->CreateWritableFile(path, &file);
  if (!s.ok()) return s;
  if (buffer_bytes < 4096) buffer_bytes = 4096;
  out->reset(new OutputFile(path, std::move(file), buffer_bytes));
  return Status::Ok();
}

OutputFile::OutputFile(std::string path, std::unique_ptr<WritableFile> file, size_t buffer_bytes)
    : path_(std::move(path)), file_(std::move(file)), buf_(buffer_bytes) {}

OutputFile::~OutputFile() { (void)Close(); }

Status OutputFile::FlushBuffer() {
  // The buffer is empty afterwards even on failure: what failed is not retried.
  Status s = used_ == 0 ? Status::Ok() : file_->Append(buf_.data(), used_);
  used_ = 0;
  return s;
}

Status OutputFile::Append(const void* data, size_t n) {
  if (!file_) return Status::IoError(path_ + ": write after close");
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    if (used_ == buf_.size()) {
      Status s = FlushBuffer();
      if (!s.ok()) return s;
    }
    size_t take = std::min(n, buf_.size() - used_);
    std::memcpy(buf_.data() + used_, p, take);
    used_ += take;
    p += take;
    n -= take;
  }
  return Status::Ok();
}

Status OutputFile::Close() {
  if (!file_) return Status::Ok();
  Status s = FlushBuffer();
  Status closed = file_->Close();
  file_.reset();
  return s.ok() ? closed : s;
}

}  // namespace zonesim
