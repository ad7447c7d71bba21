#include "traces/input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace zonesim {

Status InputFile::Open(Env* env, const std::string& path, size_t buffer_bytes, std::unique_ptr<InputFile>* out) {
  // Traces are read more than once (survey, then replay), so only regular
  // files will do; stat first, because opening a FIFO waits for a writer.
  struct stat st;
  if (env == Env::Default() && ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return Status::InvalidArgument(path + ": not a regular file (a trace is read twice, so a FIFO, a "
                                          "directory or a device cannot be replayed)");
  std::unique_ptr<SequentialFile> file;
  Status s = env->OpenSequentialFile(path, &file);
  if (!s.ok()) return s;
  if (buffer_bytes < 4096) buffer_bytes = 4096;
  out->reset(new InputFile(path, std::move(file), buffer_bytes));
  return Status::Ok();
}

InputFile::InputFile(std::string path, std::unique_ptr<SequentialFile> file, size_t buffer_bytes)
    : path_(std::move(path)), file_(std::move(file)), buf_(new uint8_t[buffer_bytes]), size_(buffer_bytes) {}

InputFile::~InputFile() = default;

Status InputFile::Refill() {
  if (pos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
    file_offset_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  while (end_ < size_ && !at_eof_) {
    size_t n = 0;
    Status s = file_->Read(size_ - end_, buf_.get() + end_, &n);
    if (!s.ok()) return s;
    if (n == 0) at_eof_ = true;
    end_ += n;
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
