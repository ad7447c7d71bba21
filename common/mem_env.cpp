#include "common/mem_env.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace zonesim {

struct MemEnv::FileData {
  std::mutex mu;
  std::vector<uint8_t> bytes;
};

namespace {

// Files above this size are refused: a test that asks for more is buggy, and
// a crafted request must fail cleanly rather than exhaust memory.
constexpr uint64_t kMaxMemFileSize = 1ull << 32;

class MemFile final : public File {
 public:
  MemFile(std::string path, std::shared_ptr<MemEnv::FileData> data, bool writable,
          std::shared_ptr<std::atomic<uint64_t>> flushes)
      : path_(std::move(path)), data_(std::move(data)), writable_(writable), flushes_(std::move(flushes)) {}

  Status Read(uint64_t offset, size_t n, uint8_t* out) override {
    std::lock_guard<std::mutex> l(data_->mu);
    uint64_t size = data_->bytes.size();
    if (offset > size || n > size - offset) {
      return Status::IoError(path_ + ": read of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                             " goes past the end of the file (size " + std::to_string(size) + ")");
    }
    if (n > 0) std::memcpy(out, data_->bytes.data() + offset, n);
    return Status::Ok();
  }

  Status Write(uint64_t offset, size_t n, const uint8_t* data) override {
    if (!writable_) return Status::IoError(path_ + ": write to a file opened read-only");
    std::lock_guard<std::mutex> l(data_->mu);
    if (offset > kMaxMemFileSize || n > kMaxMemFileSize - offset) {
      return Status::IoError(path_ + ": write at offset " + std::to_string(offset) + " exceeds the in-memory file limit");
    }
    if (offset + n > data_->bytes.size()) data_->bytes.resize(offset + n, 0);
    if (n > 0) std::memcpy(data_->bytes.data() + offset, data, n);
    return Status::Ok();
  }

  Status Flush() override {
    ++*flushes_;
    return Status::Ok();
  }

  Status Size(uint64_t* size) override {
    std::lock_guard<std::mutex> l(data_->mu);
    *size = data_->bytes.size();
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (!writable_) return Status::IoError(path_ + ": truncate of a file opened read-only");
    if (size > kMaxMemFileSize) return Status::IoError(path_ + ": truncate beyond the in-memory file limit");
    std::lock_guard<std::mutex> l(data_->mu);
    data_->bytes.resize(size, 0);
    return Status::Ok();
  }

 private:
  std::string path_;
  std::shared_ptr<MemEnv::FileData> data_;
  bool writable_;
  std::shared_ptr<std::atomic<uint64_t>> flushes_;  // shared with the Env, may outlive it
};

}  // namespace

MemEnv::MemEnv() : flushes_(std::make_shared<std::atomic<uint64_t>>(0)) {}
MemEnv::~MemEnv() = default;

Status MemEnv::OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound(path + ": no such file");
  *out = std::make_unique<MemFile>(path, it->second, mode == OpenMode::kReadWrite, flushes_);
  return Status::Ok();
}

Status MemEnv::CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it != files_.end() && !overwrite) {
    return Status::InvalidArgument(path + ": file exists (refusing to overwrite it)");
  }
  auto data = std::make_shared<FileData>();
  files_[path] = data;
  *out = std::make_unique<MemFile>(path, data, true, flushes_);
  return Status::Ok();
}

bool MemEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  return files_.count(path) != 0;
}

Status MemEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.erase(path) == 0) return Status::NotFound(path + ": no such file");
  return Status::Ok();
}

std::vector<uint8_t> MemEnv::Contents(const std::string& path) {
  std::shared_ptr<FileData> data;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return {};
    data = it->second;
  }
  std::lock_guard<std::mutex> l(data->mu);
  return data->bytes;
}

void MemEnv::SetContents(const std::string& path, std::vector<uint8_t> bytes) {
  std::shared_ptr<FileData> data;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto& slot = files_[path];
    if (!slot) slot = std::make_shared<FileData>();
    data = slot;
  }
  std::lock_guard<std::mutex> l(data->mu);
  data->bytes = std::move(bytes);
}

uint64_t MemEnv::flush_count() const { return flushes_->load(); }

}  // namespace zonesim
