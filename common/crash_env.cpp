#include "common/crash_env.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/rng.h"

namespace zonesim {
namespace {

class CrashFile final : public File {
 public:
  CrashFile(CrashEnv* env, std::string path, std::unique_ptr<File> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  Status Read(uint64_t offset, size_t n, uint8_t* out) override { return base_->Read(offset, n, out); }

  Status Write(uint64_t offset, size_t n, const uint8_t* data) override {
    Status s = env_->BeforeWrite(path_, base_.get(), offset, n, data);
    if (!s.ok()) return s;
    s = base_->Write(offset, n, data);
    if (s.ok()) env_->AfterWrite();
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
    return base_->Truncate(size);
  }

  Status Lock(ImageLock intent) override { return base_->Lock(intent); }

 private:
  CrashEnv* env_;
  std::string path_;
  std::unique_ptr<File> base_;
};

std::string HexOffset(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

uint64_t CrashEnv::Arena::Append(uint64_t n) {
  if (size_ + n > capacity_) {
    const uint64_t cap = std::max<uint64_t>({size_ + n, capacity_ * 2, 1 << 16});
    std::unique_ptr<uint8_t[]> bigger(new uint8_t[cap]);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }
  const uint64_t pos = size_;
  size_ += n;
  return pos;
}

CrashEnv::CrashEnv(Env* base) : base_(base) {}
CrashEnv::~CrashEnv() = default;

Status CrashEnv::Dead(const std::string& path, const char* what) const {
  return Status::IoError(path + ": " + what + ": power lost (simulated)");
}

Status CrashEnv::OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) {
  std::unique_ptr<File> base;
  Status s = base_->OpenFile(path, mode, &base);
  if (!s.ok()) return s;
  *out = std::make_unique<CrashFile>(this, path, std::move(base));
  return Status::Ok();
}

Status CrashEnv::CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (fenced_) return Dead(path, "create");
  }
  std::unique_ptr<File> base;
  Status s = base_->CreateFile(path, overwrite, &base);
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> l(mu_);
    sizes_.erase(path);
    Forget(path);  // the empty new file is the durable state
  }
  *out = std::make_unique<CrashFile>(this, path, std::move(base));
  return Status::Ok();
}

bool CrashEnv::FileExists(const std::string& path) { return base_->FileExists(path); }

Status CrashEnv::RemoveFile(const std::string& path) {
  Status s = base_->RemoveFile(path);
  if (s.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    sizes_.erase(path);
    Forget(path);
  }
  return s;
}

void CrashEnv::Fence() {
  std::lock_guard<std::mutex> l(mu_);
  fenced_ = true;
}

void CrashEnv::FenceAfterOps(uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  if (n == 0) {
    fenced_ = true;
    ops_until_fence_ = 0;
  } else {
    ops_until_fence_ = n;
  }
}

bool CrashEnv::fenced() const {
  std::lock_guard<std::mutex> l(mu_);
  return fenced_;
}

void CrashEnv::CountOp() {
  if (ops_until_fence_ > 0 && --ops_until_fence_ == 0) fenced_ = true;
}

Status CrashEnv::BeforeWrite(const std::string& path, File* base, uint64_t offset, size_t n, const uint8_t* data) {
  std::lock_guard<std::mutex> l(mu_);
  if (fenced_) return Dead(path, "write");
  // The size is asked once per path and then tracked: every change goes
  // through here (a size syscall per write would cost campaigns ~10%).
  auto known = sizes_.find(path);
  if (known == sizes_.end()) {
    uint64_t size = 0;
    Status s = base->Size(&size);
    if (!s.ok()) return s;
    known = sizes_.emplace(path, size).first;
  }
  const uint64_t size = known->second;
  Status s;
  Entry e{next_seq_++, false, offset, size, 0, 0, 0, n};
  if (offset < size) {
    e.old_len = std::min<uint64_t>(n, size - offset);
    e.old_pos = arena_.Append(e.old_len);
    s = base->Read(offset, e.old_len, arena_.at(e.old_pos));
    if (!s.ok()) {
      arena_.Drop(e.old_len);
      return s;
    }
  }
  e.new_pos = arena_.Append(n);
  std::memcpy(arena_.at(e.new_pos), data, n);
  logged_bytes_ += e.old_len + e.new_len;
  log_[path].push_back(std::move(e));
  known->second = std::max<uint64_t>(size, offset + n);
  return Status::Ok();
}

void CrashEnv::AfterWrite() {
  std::lock_guard<std::mutex> l(mu_);
  CountOp();
}

Status CrashEnv::BeforeTruncate(const std::string& path, File* base, uint64_t new_size) {
  std::lock_guard<std::mutex> l(mu_);
  if (fenced_) return Dead(path, "truncate");
  uint64_t size = 0;
  Status s = base->Size(&size);
  if (!s.ok()) return s;
  Entry e{next_seq_++, true, new_size, size, 0, 0, 0, 0};
  if (new_size < size) {
    e.old_len = size - new_size;
    e.old_pos = arena_.Append(e.old_len);
    s = base->Read(new_size, e.old_len, arena_.at(e.old_pos));
    if (!s.ok()) {
      arena_.Drop(e.old_len);
      return s;
    }
  }
  logged_bytes_ += e.old_len;
  log_[path].push_back(std::move(e));
  sizes_[path] = new_size;
  return Status::Ok();
}

Status CrashEnv::BeforeFlush(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (fenced_) return Dead(path, "flush");
  return Status::Ok();
}

void CrashEnv::AfterFlush(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  Forget(path);
  CountOp();
}

void CrashEnv::Forget(const std::string& path) {
  auto it = log_.find(path);
  if (it != log_.end()) {
    for (const Entry& e : it->second) logged_bytes_ -= e.old_len + e.new_len;
    log_.erase(it);
  }
  if (log_.empty()) arena_.Clear();  // a file's bytes sit among the others' until all are synced
}

std::vector<CrashEnv::Ref> CrashEnv::WritesInOrder() const {
  std::vector<Ref> out;
  for (const auto& [path, entries] : log_)
    for (const Entry& e : entries)
      if (!e.truncate) out.push_back(Ref{&path, &e});
  std::sort(out.begin(), out.end(), [](const Ref& a, const Ref& b) { return a.entry->seq < b.entry->seq; });
  return out;
}

std::vector<std::vector<std::pair<uint64_t, uint64_t>>> CrashEnv::Survivors(const CrashChoice& choice,
                                                                           const std::vector<Ref>& writes) const {
  const size_t n = writes.size();
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> keep(n);
  auto whole = [&](size_t i) { keep[i].emplace_back(0, writes[i].entry->new_len); };
  switch (choice.mode) {
    case CrashChoice::Mode::kLoseAll:
      break;
    case CrashChoice::Mode::kKeepAll:
      for (size_t i = 0; i < n; ++i) whole(i);
      break;
    case CrashChoice::Mode::kKeep:
      for (uint32_t i : choice.keep)
        if (i < n && keep[i].empty()) whole(i);
      break;
    case CrashChoice::Mode::kTorn: {
      // One coin per atomic unit of each write, in write order then unit order.
      const uint64_t unit = choice.sector == 0 ? 512 : choice.sector;
      Rng rng(choice.seed);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t off = writes[i].entry->offset;
        const uint64_t len = writes[i].entry->new_len;
        for (uint64_t u = off / unit * unit; u < off + len; u += unit) {
          const uint64_t b = std::max(u, off) - off, e = std::min(u + unit, off + len) - off;
          if (rng.Next() & 1) {
            if (!keep[i].empty() && keep[i].back().second == b)
              keep[i].back().second = e;  // merge neighbours: fewer rewrites
            else
              keep[i].emplace_back(b, e);
          }
        }
      }
      break;
    }
    case CrashChoice::Mode::kReorder: {
      // The order the disk persisted them in: issue order shuffled inside
      // consecutive windows; the power went after `cut` of them.
      std::vector<size_t> order(n);
      for (size_t i = 0; i < n; ++i) order[i] = i;
      Rng rng(choice.seed);
      for (size_t w = 0; w < n; w += CrashChoice::kReorderWindow) {
        const size_t end = std::min(n, w + CrashChoice::kReorderWindow);
        for (size_t i = end - 1; i > w; --i) std::swap(order[i], order[w + rng.Below(i - w + 1)]);
      }
      const size_t cut = static_cast<size_t>(rng.Below(n + 1));
      for (size_t k = 0; k < cut; ++k) whole(order[k]);
      break;
    }
  }
  return keep;
}

Status CrashEnv::PowerLoss(const CrashChoice& choice) {
  std::map<std::string, std::vector<Entry>> logs;
  Arena arena;
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> keep;
  std::map<const Entry*, size_t> number;
  {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<Ref> writes = WritesInOrder();
    keep = Survivors(choice, writes);
    logs.swap(log_);  // moving the map keeps the entries (and the Refs) in place
    std::swap(arena, arena_);
    sizes_.clear();
    for (size_t i = 0; i < writes.size(); ++i) number[writes[i].entry] = i;
    logged_bytes_ = 0;
    fenced_ = false;
    ops_until_fence_ = 0;
  }
  if (choice.mode == CrashChoice::Mode::kKeepAll) return Status::Ok();  // the file holds it already
  for (const auto& [path, entries] : logs) {
    if (!base_->FileExists(path)) continue;
    std::unique_ptr<File> f;
    Status s = base_->OpenFile(path, OpenMode::kReadWrite, &f);
    if (!s.ok()) return s;
    // Back to the last flush, newest first.
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (it->old_len > 0) {
        s = f->Write(it->offset, it->old_len, arena.at(it->old_pos));
        if (!s.ok()) return s;
      }
      s = f->Truncate(it->old_size);
      if (!s.ok()) return s;
    }
    // Then what survives, in issue order.
    for (const Entry& e : entries) {
      if (e.truncate) {
        s = f->Truncate(e.offset);
        if (!s.ok()) return s;
        continue;
      }
      for (const auto& [b, end] : keep[number.at(&e)]) {
        s = f->Write(e.offset + b, end - b, arena.at(e.new_pos) + b);
        if (!s.ok()) return s;
      }
    }
  }
  return Status::Ok();
}

size_t CrashEnv::PendingWrites() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [path, entries] : log_)
    for (const Entry& e : entries) n += e.truncate ? 0 : 1;
  return n;
}

namespace {
std::string Describe(const std::string& path, uint64_t length, uint64_t offset) {
  return "write of " + std::to_string(length) + " bytes at offset " + HexOffset(offset) + " (" + path + ")";
}
}  // namespace

std::string CrashEnv::DescribeWrite(size_t index) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Ref> writes = WritesInOrder();
  if (index >= writes.size()) return "no unsynced write " + std::to_string(index);
  return Describe(*writes[index].path, writes[index].entry->new_len, writes[index].entry->offset);
}

std::vector<std::string> CrashEnv::DescribeWrites() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const Ref& w : WritesInOrder()) out.push_back(Describe(*w.path, w.entry->new_len, w.entry->offset));
  return out;
}

uint64_t CrashEnv::LoggedBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return logged_bytes_;
}

}  // namespace zonesim
