// OutputFile: a new file written front to back through one buffer (writers
// produce multi-gigabyte benchmark traces, so no per-record system calls).
// The file comes from an Env (common/env.h), so tests can write to memory or
// inject faults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/status.h"

namespace zonesim {

class OutputFile {
 public:
  // Creates (or truncates) path.
  static Status Create(Env* env, const std::string& path, size_t buffer_bytes, std::unique_ptr<OutputFile>* out);
  ~OutputFile();  // closes without reporting errors; call Close() to see them
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Status Append(const void* data, size_t n);
  Status Append(std::string_view s) { return Append(s.data(), s.size()); }
  Status Close();
  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, std::unique_ptr<WritableFile> file, size_t buffer_bytes);
  Status FlushBuffer();

  std::string path_;
  std::unique_ptr<WritableFile> file_;  // null once closed
  std::vector<uint8_t> buf_;
  size_t used_ = 0;
};

}  // namespace zonesim
