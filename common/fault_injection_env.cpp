#include "common/fault_injection_env.h"

#include <algorithm>

namespace zonesim {
namespace {

class FaultFile final : public File {
 public:
  FaultFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<File> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  Status Read(uint64_t offset, size_t n, uint8_t* out) override { return base_->Read(offset, n, out); }

  Status Write(uint64_t offset, size_t n, const uint8_t* data) override {
    Status s = env_->BeforeWrite(path_, base_.get(), offset, n);
    if (!s.ok()) return s;
    s = base_->Write(offset, n, data);
    if (s.ok()) env_->AfterWrite(path_, offset, n);
    return s;
  }

  Status Flush() override {
    Status s = env_->BeforeFlush(path_);
    if (!s.ok()) return s;
    s = base_->Flush();
    if (s.ok()) env_->AfterFlush(path_);
    return s;
  }

  Status Size(uint64_t* size) override { return base_->Size(size); }

  Status Truncate(uint64_t size) override {
    Status s = env_->BeforeTruncate(path_, base_.get(), size);
    if (!s.ok()) return s;
    s = base_->Truncate(size);
    if (s.ok()) env_->AfterTruncate(path_, size);
    return s;
  }

  Status Lock(ImageLock intent) override { return base_->Lock(intent); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<File> base_;
};

}  // namespace

FaultInjectionEnv::FaultInjectionEnv(Env* base) : base_(base) {}
FaultInjectionEnv::~FaultInjectionEnv() = default;

Status FaultInjectionEnv::OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) {
  std::unique_ptr<File> base;
  Status s = base_->OpenFile(path, mode, &base);
  if (!s.ok()) return s;
  *out = std::make_unique<FaultFile>(this, path, std::move(base));
  return Status::Ok();
}

Status FaultInjectionEnv::CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (dead_) return Status::IoError(path + ": create failed: injected fault (device gone)");
  }
  std::unique_ptr<File> base;
  Status s = base_->CreateFile(path, overwrite, &base);
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> l(mu_);
    unsynced_.erase(path);  // the empty new file is the durable state
  }
  *out = std::make_unique<FaultFile>(this, path, std::move(base));
  return Status::Ok();
}

bool FaultInjectionEnv::FileExists(const std::string& path) { return base_->FileExists(path); }

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  Status s = base_->RemoveFile(path);
  if (s.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    unsynced_.erase(path);
  }
  return s;
}

Status FaultInjectionEnv::BeforeWrite(const std::string& path, File* base, uint64_t offset, size_t n) {
  std::lock_guard<std::mutex> l(mu_);
  if (dead_) return Status::IoError(path + ": write at offset " + std::to_string(offset) + ": injected fault (device gone)");
  if (writes_until_fail_ > 0 && --writes_until_fail_ == 0) {
    if (write_fault_sticky_) dead_ = true;
    return Status::IoError(path + ": write of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                           ": injected fault");
  }
  // Remember what the write will overwrite.
  uint64_t size = 0;
  Status s = base->Size(&size);
  if (!s.ok()) return s;
  Undo undo{offset, {}, size};
  if (offset < size) {
    uint64_t keep = std::min<uint64_t>(n, size - offset);
    undo.old_bytes.resize(keep);
    s = base->Read(offset, keep, undo.old_bytes.data());
    if (!s.ok()) return s;
  }
  unsynced_[path].push_back(std::move(undo));
  return Status::Ok();
}

void FaultInjectionEnv::AfterWrite(const std::string& path, uint64_t offset, size_t n) {
  std::lock_guard<std::mutex> l(mu_);
  ++write_count_;
  if (recording_) record_.push_back(Op{Op::Kind::kWrite, path, offset, n});
}

Status FaultInjectionEnv::BeforeTruncate(const std::string& path, File* base, uint64_t new_size) {
  std::lock_guard<std::mutex> l(mu_);
  if (dead_) return Status::IoError(path + ": truncate: injected fault (device gone)");
  uint64_t size = 0;
  Status s = base->Size(&size);
  if (!s.ok()) return s;
  Undo undo{new_size, {}, size};
  if (new_size < size) {
    undo.old_bytes.resize(size - new_size);
    s = base->Read(new_size, size - new_size, undo.old_bytes.data());
    if (!s.ok()) return s;
  }
  unsynced_[path].push_back(std::move(undo));
  return Status::Ok();
}

void FaultInjectionEnv::AfterTruncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  if (recording_) record_.push_back(Op{Op::Kind::kTruncate, path, size, 0});
}

Status FaultInjectionEnv::BeforeFlush(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (dead_) return Status::IoError(path + ": flush: injected fault (device gone)");
  if (flushes_until_fail_ > 0 && --flushes_until_fail_ == 0) {
    if (flush_fault_sticky_) dead_ = true;
    return Status::IoError(path + ": flush: injected fault");
  }
  return Status::Ok();
}

void FaultInjectionEnv::AfterFlush(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  unsynced_.erase(path);
  ++flush_count_;
  if (recording_) record_.push_back(Op{Op::Kind::kFlush, path, 0, 0});
}

Status FaultInjectionEnv::DropUnsyncedWrites() {
  std::map<std::string, std::vector<Undo>> logs;
  {
    std::lock_guard<std::mutex> l(mu_);
    logs.swap(unsynced_);
  }
  for (auto& [path, undos] : logs) {
    if (!base_->FileExists(path)) continue;
    std::unique_ptr<File> f;
    Status s = base_->OpenFile(path, OpenMode::kReadWrite, &f);
    if (!s.ok()) return s;
    // Newest first, so each step restores exactly what that operation changed.
    for (auto it = undos.rbegin(); it != undos.rend(); ++it) {
      if (!it->old_bytes.empty()) {
        s = f->Write(it->offset, it->old_bytes.size(), it->old_bytes.data());
        if (!s.ok()) return s;
      }
      s = f->Truncate(it->old_size);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

void FaultInjectionEnv::MarkAllSynced() {
  std::lock_guard<std::mutex> l(mu_);
  unsynced_.clear();
}

bool FaultInjectionEnv::HasUnsyncedWrites(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = unsynced_.find(path);
  return it != unsynced_.end() && !it->second.empty();
}

void FaultInjectionEnv::FailNthWrite(uint64_t n, bool sticky) {
  std::lock_guard<std::mutex> l(mu_);
  writes_until_fail_ = n;
  write_fault_sticky_ = sticky;
}

void FaultInjectionEnv::FailNthFlush(uint64_t n, bool sticky) {
  std::lock_guard<std::mutex> l(mu_);
  flushes_until_fail_ = n;
  flush_fault_sticky_ = sticky;
}

void FaultInjectionEnv::ClearFaults() {
  std::lock_guard<std::mutex> l(mu_);
  writes_until_fail_ = 0;
  flushes_until_fail_ = 0;
  write_fault_sticky_ = flush_fault_sticky_ = false;
  dead_ = false;
}

void FaultInjectionEnv::SetRecording(bool on) {
  std::lock_guard<std::mutex> l(mu_);
  recording_ = on;
}

std::vector<FaultInjectionEnv::Op> FaultInjectionEnv::TakeRecord() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Op> out;
  out.swap(record_);
  return out;
}

uint64_t FaultInjectionEnv::write_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return write_count_;
}

uint64_t FaultInjectionEnv::flush_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return flush_count_;
}

}  // namespace zonesim
