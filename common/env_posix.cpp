// Env::Default(): the real file system through POSIX pread/pwrite/fdatasync/
// ftruncate. Every error names the call, the path, the offset and length where
// they apply, and the errno text ("write of 65536 bytes at offset 1048576 to
// img.qcow2 failed: No space left on device"), so a user can act on a one-line
// message.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/env.h"
#include "common/posix_image_lock.h"

namespace zonesim {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// `what` names the call and says where `path` goes in it: "write of 4096 bytes
// at offset 0 to" -> "write of 4096 bytes at offset 0 to img failed: ...".
Status PosixError(const std::string& path, const std::string& what, int err) {
  std::string msg = what + " " + path + " failed: " + ErrnoText(err);
  if (err == ENOENT) return Status::NotFound(msg);
  return Status::IoError(msg);
}

// Writes that grow a file first reserve disk space ahead of them with
// fallocate(FALLOC_FL_KEEP_SIZE): the size and the bytes a reader sees do not
// change, but the file system allocates one large extent up front instead of
// one per write at writeback. For an image growing by 128 KiB writes this
// took ext4's delayed-allocation bookkeeping off the write path (bench/RESULTS.md:
// 0.89x of a raw file without, faster than the raw file with). The reservation
// grows with the file (1/8 of it, 1 MiB to 32 MiB) and whatever is left past
// the end is given back when the file is closed. File systems without
// fallocate simply skip it.
constexpr uint64_t kMinReserve = 1ull << 20;
constexpr uint64_t kMaxReserve = 32ull << 20;

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), reserved_end_(size) {}
  ~PosixFile() override {
    // Give back the reservation past the end: ftruncate to the current size
    // frees blocks beyond it (ext4, xfs, tmpfs), punching the range frees them
    // where truncating to the same size does nothing; neither changes what a
    // reader sees.
    uint64_t size = 0;
    if (reserved_any_ && Size(&size).ok()) {
      if (reserved_end_ > size && reserved_end_ != UINT64_MAX) {
        (void)::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(size),
                          static_cast<off_t>(reserved_end_ - size));
      }
      (void)::ftruncate(fd_, static_cast<off_t>(size));
    }
    ::close(fd_);
  }

  Status Read(uint64_t offset, size_t n, uint8_t* out) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, "read of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) + " from",
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
    if (offset + n > reserved_end_) Reserve(offset, offset + n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pwrite(fd_, data + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, "write of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) + " to",
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
      return PosixError(path_, "fdatasync of", errno);
    }
    return Status::Ok();
  }

  Status Size(uint64_t* size) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return PosixError(path_, "fstat of", errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno == EINTR) continue;
      return PosixError(path_, "truncate to " + std::to_string(size) + " bytes of", errno);
    }
    if (reserved_end_ != UINT64_MAX) reserved_end_ = size;  // truncation frees what lay beyond
    return Status::Ok();
  }

  Status Lock(ImageLock intent) override { return ApplyImageLock(fd_, path_, intent); }

 private:
  // Reserves space for a write of [begin, end) plus room for the writes that
  // follow (a gap below `begin` stays a hole). Only a hint: a failure leaves
  // the write to allocate as it always would.
  void Reserve(uint64_t begin, uint64_t end) {
    const uint64_t ahead = std::clamp<uint64_t>((end / 8 + kMinReserve - 1) / kMinReserve * kMinReserve,
                                                kMinReserve, kMaxReserve);
    const uint64_t from = std::max(reserved_end_, begin);
    const uint64_t to = end + ahead;
    if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(from), static_cast<off_t>(to - from)) == 0) {
      reserved_end_ = to;
      reserved_any_ = true;
    } else {
      reserved_end_ = UINT64_MAX;  // not supported here (or no space to spare): stop trying
    }
  }

  std::string path_;
  int fd_;
  uint64_t reserved_end_;  // every byte below is allocated or a hole we leave alone
  bool reserved_any_ = false;
};

// Refuses anything but a regular file or a block device up front: open(2)
// accepts a directory read-only (the error would surface later as a confusing
// EISDIR), and a FIFO or a terminal would block the first read forever. The
// file was opened O_NONBLOCK so that even open(2) of a FIFO does not wait for
// a writer; the flag is cleared again for a file we keep.
Status CheckFileKind(const std::string& path, int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return PosixError(path, "fstat of", errno);
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory, not an image file");
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return Status::InvalidArgument(path + ": is not a regular file (a FIFO, socket or character device cannot hold an image)");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return PosixError(path, "fcntl of", errno);
  return Status::Ok();
}

// Where a writable file's reservations start: its size at open (what lies
// below is the user's, holes included, and is never touched).
uint64_t SizeAtOpen(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
}

// Traces are read and written front to back with read(2) and write(2), so a
// pipe or a FIFO works as well as a file.
class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(size_t n, uint8_t* out, size_t* got) override {
    *got = 0;
    ssize_t r;
    do {
      r = ::read(fd_, out, n);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return Status::IoError(path_ + ": read failed at byte " + std::to_string(pos_) + ": " + ErrnoText(errno));
    *got = static_cast<size_t>(r);
    pos_ += *got;
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t pos_ = 0;  // bytes read so far, for the error message
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override { (void)Close(); }

  Status Append(const uint8_t* data, size_t n) override {
    if (fd_ < 0) return Status::IoError(path_ + ": write after close");
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::write(fd_, data + done, n - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(path_ + ": write failed: " + ErrnoText(errno));
      }
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::IoError(path_ + ": close failed: " + ErrnoText(errno));
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Status OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override {
    int flags = (mode == OpenMode::kReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK;
    int fd;
    do {
      fd = ::open(path.c_str(), flags);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return PosixError(path, mode == OpenMode::kReadOnly ? "open for reading of" : "open for writing of", errno);
    Status s = CheckFileKind(path, fd);
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
    *out = std::make_unique<PosixFile>(path, fd, mode == OpenMode::kReadOnly ? UINT64_MAX : SizeAtOpen(fd));
    return Status::Ok();
  }

  Status CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) override {
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK | (overwrite ? O_TRUNC : O_EXCL);
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      if (errno == EEXIST) {
        return Status::InvalidArgument(path + ": file exists (refusing to overwrite it)");
      }
      return PosixError(path, "create of", errno);
    }
    Status s = CheckFileKind(path, fd);
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
    *out = std::make_unique<PosixFile>(path, fd, SizeAtOpen(fd));
    return Status::Ok();
  }

  Status OpenSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) override {
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      const int err = errno;
      std::string msg = path + ": cannot open: " + ErrnoText(err);  // as every trace error names its file first
      return err == ENOENT ? Status::NotFound(msg) : Status::IoError(msg);
    }
    *out = std::make_unique<PosixSequentialFile>(path, fd);
    return Status::Ok();
  }

  Status CreateWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    int fd;
    do {
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return Status::IoError(path + ": cannot create: " + ErrnoText(errno));
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::Ok();
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, "remove of", errno);
    return Status::Ok();
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: usable during static teardown
  return env;
}

}  // namespace zonesim
