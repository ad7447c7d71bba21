// MemEnv: an Env whose files live in memory, for tests that want no disk I/O
// (and for wrapping in FaultInjectionEnv). Files are shared between handles:
// two OpenFile calls on one path see the same bytes. Flush does nothing
// durable (there is nothing to be durable on) but is counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/env.h"

namespace zonesim {

class MemEnv final : public Env {
 public:
  MemEnv();
  ~MemEnv() override;

  Status OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override;
  Status CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) override;
  bool FileExists(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;

  // Test helpers: the whole content of a file (empty if absent), and a way to
  // plant or patch one.
  std::vector<uint8_t> Contents(const std::string& path);
  void SetContents(const std::string& path, std::vector<uint8_t> bytes);
  uint64_t flush_count() const;

  struct FileData;  // shared by every handle of a path

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileData>> files_;
  std::shared_ptr<std::atomic<uint64_t>> flushes_;
};

}  // namespace zonesim
