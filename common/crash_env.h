// CrashEnv: wraps any Env (the real file system too) and, at a simulated power
// loss, leaves each file in one of the states a page cache and a disk may
// leave behind: the content at the file's last Flush plus some of the writes
// issued since, chosen by a CrashChoice.
//
// The writes since a file's last Flush are "unsynced". For each one the Env
// keeps the bytes it overwrote and the bytes it wrote (memory: about twice the
// unsynced bytes; a Flush of the file forgets its log), so the crash state is
// rebuilt over the base Env: the log is undone newest first (back to the last
// Flush), then the surviving parts are written again in issue order (a page
// written twice holds the later write when both survive).
//
// Numbering: the unsynced writes of every file form one list, in the order the
// writes were issued (index 0 = the oldest unsynced write of any file). A
// single image file makes this "the writes since its last sync". Truncates
// are not numbered and always survive (the image layers never truncate
// outside create).
//
// Determinism: which parts survive is a pure function of the choice and of
// the recorded writes (their number, offsets and lengths).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/env.h"

namespace zonesim {

// What survives of the unsynced writes (the file-layer half of zoned/crash_spec.h).
struct CrashChoice {
  enum class Mode : uint8_t {
    kLoseAll,  // every unsynced write lost
    kKeepAll,  // every unsynced write kept
    kTorn,     // each `sector`-aligned unit (of the file offset) of each write kept or not, by `seed`
    kReorder,  // the writes persisted in an order permuted within windows of kReorderWindow,
               // cut after a number of them chosen by `seed`: a later write may survive an earlier one
    kKeep,     // exactly the writes numbered in `keep` survive, whole
  };
  static constexpr uint32_t kReorderWindow = 8;

  Mode mode = Mode::kLoseAll;
  uint32_t sector = 512;       // kTorn: 512 or 4096
  uint64_t seed = 0;           // kTorn, kReorder
  std::vector<uint32_t> keep;  // kKeep: indices of unsynced writes (see Numbering)
};

class CrashEnv final : public Env {
 public:
  explicit CrashEnv(Env* base);
  ~CrashEnv() override;

  Status OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override;
  Status CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) override;
  bool FileExists(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;

  // The power goes: from now on every write, truncate, flush and create through
  // this Env fails with "power lost" (handles still open cannot persist
  // anything; closing them is fine). PowerLoss ends it.
  void Fence();
  // Fences automatically after `n` more successful writes and flushes (n = 0:
  // now): cuts a workload at an exact point of its file-operation sequence.
  void FenceAfterOps(uint64_t n);
  bool fenced() const;

  // Rebuilds every file with unsynced writes in the crash state `choice`
  // picks, forgets the logs and lifts the fence. Open handles should be closed
  // first (they would see the rebuilt bytes, but their owners' caches would not).
  Status PowerLoss(const CrashChoice& choice);

  // The unsynced writes, for enumerators and reports.
  size_t PendingWrites() const;
  // "write of 65536 bytes at offset 0x30000 (img.qcow2)".
  std::string DescribeWrite(size_t index) const;
  // All of them, in their numbering (one pass over the log).
  std::vector<std::string> DescribeWrites() const;
  // Unsynced bytes held (old + new), for tests of the memory bound.
  uint64_t LoggedBytes() const;

  // Called by this Env's File handles.
  Status BeforeWrite(const std::string& path, File* base, uint64_t offset, size_t n, const uint8_t* data);
  void AfterWrite();
  Status BeforeTruncate(const std::string& path, File* base, uint64_t size);
  Status BeforeFlush(const std::string& path);
  void AfterFlush(const std::string& path);

 private:
  // Bytes of the log, appended back to back. Its memory is kept when the
  // log empties, so a campaign's steady state neither allocates nor faults
  // in pages (that cost more than the copies themselves).
  class Arena {
   public:
    uint64_t size() const { return size_; }
    uint8_t* at(uint64_t pos) { return data_.get() + pos; }
    const uint8_t* at(uint64_t pos) const { return data_.get() + pos; }
    uint64_t Append(uint64_t n);  // room for n more bytes (uninitialised); returns its position
    void Drop(uint64_t n) { size_ -= n; }  // the last n bytes appended
    void Clear() { size_ = 0; }

   private:
    std::unique_ptr<uint8_t[]> data_;
    uint64_t size_ = 0, capacity_ = 0;
  };
  struct Entry {
    uint64_t seq;       // global issue order
    bool truncate;      // a truncate (always survives) rather than a write
    uint64_t offset;    // write: file offset; truncate: new size
    uint64_t old_size;  // the file size before
    uint64_t old_pos, old_len;  // in the arena: what [offset, offset + old_len) held
    uint64_t new_pos, new_len;  // in the arena: what a write wrote
  };
  struct Ref {
    const std::string* path;
    const Entry* entry;
  };

  Status Dead(const std::string& path, const char* what) const;
  void Forget(const std::string& path);  // mu_ held: the path's log is durable or gone
  void CountOp();
  std::vector<Ref> WritesInOrder() const;  // mu_ held
  // For each write (by number), the byte ranges (relative to the write) that survive.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> Survivors(const CrashChoice& choice,
                                                                    const std::vector<Ref>& writes) const;

  Env* base_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Entry>> log_;
  Arena arena_;  // by path: sorted, so rebuilding is deterministic
  std::map<std::string, uint64_t> sizes_;          // file sizes as this Env's writes left them
  uint64_t next_seq_ = 0;
  uint64_t logged_bytes_ = 0;
  bool fenced_ = false;
  uint64_t ops_until_fence_ = 0;  // 0 = no automatic fence armed
};

}  // namespace zonesim
