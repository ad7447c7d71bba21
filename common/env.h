// Env: the file system as zonesim sees it, in the style of LevelDB's Env, so
// tests can swap in an in-memory or fault-injecting implementation under the
// qcow2 layer. Files are random-access: read, write, flush, size, truncate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace zonesim {

class File {
 public:
  virtual ~File() = default;
  // Reads exactly n bytes at offset; reading past the end is an error
  // (Status::IoError naming the offset and the file size).
  virtual Status Read(uint64_t offset, size_t n, uint8_t* out) = 0;
  virtual Status Write(uint64_t offset, size_t n, const uint8_t* data) = 0;
  // Makes every completed Write durable (fdatasync for the POSIX Env).
  virtual Status Flush() = 0;
  virtual Status Size(uint64_t* size) = 0;
  virtual Status Truncate(uint64_t size) = 0;
};

enum class OpenMode { kReadOnly, kReadWrite };

class Env {
 public:
  virtual ~Env() = default;
  // The real file system.
  static Env* Default();

  virtual Status OpenFile(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) = 0;
  // Creates a new empty file; fails if it exists unless overwrite is set.
  virtual Status CreateFile(const std::string& path, bool overwrite, std::unique_ptr<File>* out) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
};

}  // namespace zonesim
