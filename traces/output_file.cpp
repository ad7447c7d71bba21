#include "traces/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zonesim {

Status OutputFile::Create(const std::string& path, size_t buffer_bytes, std::unique_ptr<OutputFile>* out) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(path + ": cannot create: " + std::strerror(errno));
  if (buffer_bytes < 4096) buffer_bytes = 4096;
  out->reset(new OutputFile(path, fd, buffer_bytes));
  return Status::Ok();
}

OutputFile::OutputFile(std::string path, int fd, size_t buffer_bytes)
    : path_(std::move(path)), fd_(fd), buf_(buffer_bytes) {}

OutputFile::~OutputFile() {
  if (fd_ >= 0) {
    (void)FlushBuffer();
    ::close(fd_);
  }
}

Status OutputFile::FlushBuffer() {
  size_t done = 0;
  while (done < used_) {
    ssize_t n = ::write(fd_, buf_.data() + done, used_ - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      used_ = 0;
      return Status::IoError(path_ + ": write failed: " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  used_ = 0;
  return Status::Ok();
}

Status OutputFile::Append(const void* data, size_t n) {
  if (fd_ < 0) return Status::IoError(path_ + ": write after close");
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
  if (fd_ < 0) return Status::Ok();
  Status s = FlushBuffer();
  if (::close(fd_) != 0 && s.ok()) s = Status::IoError(path_ + ": close failed: " + std::strerror(errno));
  fd_ = -1;
  return s;
}

}  // namespace zonesim
