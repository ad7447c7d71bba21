// FaultInjectionEnv: wraps another Env (usually MemEnv) to test crash safety,
// in the manner of LevelDB's FaultInjectionTestEnv.
//
// - Every Write/Truncate that has not been followed by a Flush of the same
//   file is "unsynced". DropUnsyncedWrites() reverts every file to its
//   content at its last Flush (a power loss that kept nothing from the page
//   cache). It keeps an undo log of the bytes each write overwrote, per path
//   (handles of one path share it), and replays it backwards.
// - FailNthWrite / FailNthFlush make one operation fail with an I/O error
//   without touching the file; "sticky" makes every later write, truncate and
//   flush fail too (the device is gone: combine with DropUnsyncedWrites to
//   model a crash at exactly that point).
// - Recording keeps the sequence of writes, truncates and flushes so tests
//   can assert ordering (e.g. a refcount block written before the L2 entry).
// Creating a file counts as durable (the file exists, empty, after a crash).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/env.h"

namespace zonesim {

class FaultInjectionEnv final : public Env {
 public:
  struct Op {
    enum class Kind { kWrite, kTruncate, kFlush };
    Kind kind;
    std::string path;
    uint64_t offset = 0;  // kWrite: file offset; kTruncate: new size
    uint64_t length = 0;  // kWrite: bytes written
  };

  explicit FaultInjectionEnv(Env* base);
  ~FaultInjectionEnv() override;

  Status OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override;
  Status CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) override;
  bool FileExists(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;

  // Reverts every file to its state at its last Flush. Works while faults are
  // active (it talks to the base Env directly).
  Status DropUnsyncedWrites();
  // Treats everything written so far as durable (forgets the undo logs).
  void MarkAllSynced();
  bool HasUnsyncedWrites(const std::string& path);

  // n = 1 fails the next write, n = 2 the one after, ... Counting starts now.
  void FailNthWrite(uint64_t n, bool sticky = false);
  void FailNthFlush(uint64_t n, bool sticky = false);
  void ClearFaults();

  void SetRecording(bool on);
  std::vector<Op> TakeRecord();

  uint64_t write_count() const;  // successful writes since construction
  uint64_t flush_count() const;  // successful flushes since construction

  // Called by this Env's File handles.
  Status BeforeWrite(const std::string& path, File* base, uint64_t offset, size_t n);
  Status BeforeTruncate(const std::string& path, File* base, uint64_t size);
  Status BeforeFlush(const std::string& path);
  void AfterFlush(const std::string& path);
  void AfterWrite(const std::string& path, uint64_t offset, size_t n);
  void AfterTruncate(const std::string& path, uint64_t size);

 private:
  struct Undo {
    uint64_t offset;
    std::vector<uint8_t> old_bytes;  // what [offset, offset + old_bytes.size()) held
    uint64_t old_size;               // the file size before the operation
  };

  Env* base_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Undo>> unsynced_;
  uint64_t writes_until_fail_ = 0;  // 0 = no write fault armed
  uint64_t flushes_until_fail_ = 0;
  bool write_fault_sticky_ = false;
  bool flush_fault_sticky_ = false;
  bool dead_ = false;  // a sticky fault fired: everything fails
  bool recording_ = false;
  std::vector<Op> record_;
  uint64_t write_count_ = 0;
  uint64_t flush_count_ = 0;
};

}  // namespace zonesim
