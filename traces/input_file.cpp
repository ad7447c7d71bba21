#include "traces/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zonesim {

Status InputFile::Open(const std::string& path, size_t buffer_bytes, std::unique_ptr<InputFile>* out) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer. Traces are read
  // more than once (survey, then replay), so only regular files will do.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    std::string msg = path + ": cannot open: " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IoError(msg);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": not a regular file (a trace is read twice, so a FIFO, a "
                                          "directory or a device cannot be replayed)");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if (buffer_bytes < 4096) buffer_bytes = 4096;
  out->reset(new InputFile(path, fd, buffer_bytes));
  return Status::Ok();
}

InputFile::InputFile(std::string path, int fd, size_t buffer_bytes)
    : path_(std::move(path)), fd_(fd), buf_(new uint8_t[buffer_bytes]), size_(buffer_bytes) {}

InputFile::~InputFile() { ::close(fd_); }

Status InputFile::Refill() {
  if (pos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
    file_offset_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  while (end_ < size_ && !at_eof_) {
    ssize_t n = ::read(fd_, buf_.get() + end_, size_ - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(path_ + ": read failed at byte " + std::to_string(file_offset_ + end_) +
                             ": " + std::strerror(errno));
    }
    if (n == 0) {
      at_eof_ = true;
      break;
    }
    end_ += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status InputFile::Fill(size_t n, size_t* avail) {
  if (end_ - pos_ < n && !at_eof_) {
    Status s = Refill();
    if (!s.ok()) return s;
  }
  *avail = end_ - pos_ < n ? end_ - pos_ : n;
  return Status::Ok();
}

Status InputFile::NextLine(std::string_view* line, bool* eof) {
  size_t scanned = 0;  // bytes after pos_ already known to hold no newline
  for (;;) {
    const char* start = reinterpret_cast<const char*>(buf_.get() + pos_);
    const size_t have = end_ - pos_;
    const void* nl = std::memchr(start + scanned, '\n', have - scanned);
    if (nl != nullptr || at_eof_) {
      size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : have;
      if (!nl && len == 0) {
        *eof = true;
        return Status::Ok();
      }
      pos_ += len + (nl ? 1 : 0);
      if (len > 0 && start[len - 1] == '\r') --len;
      *line = std::string_view(start, len);
      *eof = false;
      ++line_number_;
      return Status::Ok();
    }
    if (have == size_) {
      return Status::Corruption(path_ + ": line " + std::to_string(line_number_ + 1) +
                                ": longer than " + std::to_string(size_) +
                                " bytes (not a text trace?)");
    }
    scanned = have;
    Status s = Refill();
    if (!s.ok()) return s;
  }
}

}  // namespace zonesim
