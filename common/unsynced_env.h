// UnsyncedEnv: the real file system without fdatasync. Simulated power cycles
// (fuzz, replay) close and reopen an image cleanly, so its bytes are the same
// with or without syncing, and skipping the syncs makes a campaign
// CPU-bound instead of disk-bound. Real power loss is simulated separately,
// with FaultInjectionEnv (common/fault_injection_env.h).
#pragma once

#include <memory>
#include <string>

#include "common/env.h"

namespace zonesim {

class UnsyncedEnv : public Env {
 public:
  explicit UnsyncedEnv(Env* base = Env::Default()) : base_(base) {}

  Status OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override {
    Status s = base_->OpenFile(path, mode, out);
    if (s.ok()) *out = std::make_unique<UnsyncedFile>(std::move(*out));
    return s;
  }
  Status CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) override {
    Status s = base_->CreateFile(path, overwrite, out);
    if (s.ok()) *out = std::make_unique<UnsyncedFile>(std::move(*out));
    return s;
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }

 private:
  class UnsyncedFile : public File {
   public:
    explicit UnsyncedFile(std::unique_ptr<File> f) : f_(std::move(f)) {}
    Status Read(uint64_t offset, size_t n, uint8_t* out) override { return f_->Read(offset, n, out); }
    Status Write(uint64_t offset, size_t n, const uint8_t* data) override {
      return f_->Write(offset, n, data);
    }
    Status Flush() override { return Status::Ok(); }
    Status Size(uint64_t* size) override { return f_->Size(size); }
    Status Truncate(uint64_t size) override { return f_->Truncate(size); }
    Status Lock(ImageLock intent) override { return f_->Lock(intent); }

   private:
    std::unique_ptr<File> f_;
  };

  Env* base_;
};

}  // namespace zonesim
