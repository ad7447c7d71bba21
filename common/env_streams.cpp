// Env's default SequentialFile and WritableFile: front-to-back access over
// the Env's own random-access File, so every Env (MemEnv, FaultInjectionEnv,
// ...) streams through the same Read/Write/Size calls its tests already
// observe and fault. Errors are the File's, which name the path, the
// operation and the cause.
#include <algorithm>
#include <memory>
#include <string>

#include "common/env.h"

namespace zonesim {
namespace {

class FileReader final : public SequentialFile {
 public:
  explicit FileReader(std::unique_ptr<File> f) : f_(std::move(f)) {}

  Status Read(size_t n, uint8_t* out, size_t* got) override {
    *got = 0;
    uint64_t size = 0;
    Status s = f_->Size(&size);
    if (!s.ok() || size <= pos_) return s;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, size - pos_));
    s = f_->Read(pos_, take, out);
    if (!s.ok()) return s;
    pos_ += take;
    *got = take;
    return Status::Ok();
  }

 private:
  std::unique_ptr<File> f_;
  uint64_t pos_ = 0;
};

class FileAppender final : public WritableFile {
 public:
  FileAppender(std::string path, std::unique_ptr<File> f) : path_(std::move(path)), f_(std::move(f)) {}

  Status Append(const uint8_t* data, size_t n) override {
    if (!f_) return Status::IoError(path_ + ": write after close");
    Status s = f_->Write(pos_, n, data);
    if (s.ok()) pos_ += n;
    return s;
  }
  Status Close() override {
    f_.reset();
    return Status::Ok();
  }

 private:
  std::string path_;
  std::unique_ptr<File> f_;
  uint64_t pos_ = 0;
};

}  // namespace

Status Env::OpenSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out) {
  std::unique_ptr<File> f;
  Status s = OpenFile(path, OpenMode::kReadOnly, &f);
  if (s.ok()) *out = std::make_unique<FileReader>(std::move(f));
  return s;
}

Status Env::CreateWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  std::unique_ptr<File> f;
  Status s = CreateFile(path, /*overwrite=*/true, &f);
  if (s.ok()) *out = std::make_unique<FileAppender>(path, std::move(f));
  return s;
}

}  // namespace zonesim
