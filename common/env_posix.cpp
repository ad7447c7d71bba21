// Env::Default(): the real file system through POSIX pread/pwrite/fdatasync/
// ftruncate. Every error names the path, the operation, the offset where one
// applies, and the errno text, so a user can act on a one-line message.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/env.h"

namespace zonesim {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

Status PosixError(const std::string& path, const std::string& what, int err) {
  std::string msg = path + ": " + what + ": " + ErrnoText(err);
  if (err == ENOENT) return Status::NotFound(msg);
  return Status::IoError(msg);
}

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, uint8_t* out) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, "read of " + std::to_string(n) + " bytes at offset " + std::to_string(offset),
                          errno);
      }
      if (r == 0) {
        uint64_t size = 0;
        Size(&size).ok();
        return Status::IoError(path_ + ": read of " + std::to_string(n) + " bytes at offset " +
                               std::to_string(offset) + " goes past the end of the file (size " +
                               std::to_string(size) + ")");
      }
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  Status Write(uint64_t offset, size_t n, const uint8_t* data) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pwrite(fd_, data + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, "write of " + std::to_string(n) + " bytes at offset " + std::to_string(offset),
                          errno);
      }
      if (r == 0) {
        return Status::IoError(path_ + ": write at offset " + std::to_string(offset + done) + " made no progress");
      }
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  Status Flush() override {
    // fdatasync: data plus the metadata needed to read it back (the file size).
    while (::fdatasync(fd_) != 0) {
      if (errno == EINTR) continue;
      return PosixError(path_, "fdatasync", errno);
    }
    return Status::Ok();
  }

  Status Size(uint64_t* size) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return PosixError(path_, "fstat", errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno == EINTR) continue;
      return PosixError(path_, "truncate to " + std::to_string(size) + " bytes", errno);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

// Refuses directories up front: open(2) accepts them read-only and the error
// would otherwise surface later as a confusing EISDIR on the first read.
Status CheckNotDirectory(const std::string& path, int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return PosixError(path, "fstat", errno);
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory, not an image file");
  return Status::Ok();
}

class PosixEnv final : public Env {
 public:
  Status OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override {
    int flags = (mode == OpenMode::kReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    int fd;
    do {
      fd = ::open(path.c_str(), flags);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return PosixError(path, mode == OpenMode::kReadOnly ? "open for reading" : "open for writing", errno);
    Status s = CheckNotDirectory(path, fd);
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
    *out = std::make_unique<PosixFile>(path, fd);
    return Status::Ok();
  }

  Status CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) override {
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      if (errno == EEXIST) {
        return Status::InvalidArgument(path + ": file exists (refusing to overwrite it)");
      }
      return PosixError(path, "create", errno);
    }
    Status s = CheckNotDirectory(path, fd);
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
    *out = std::make_unique<PosixFile>(path, fd);
    return Status::Ok();
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, "remove", errno);
    return Status::Ok();
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: usable during static teardown
  return env;
}

}  // namespace zonesim
