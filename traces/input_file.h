// InputFile: a read-only file consumed front to back through one large
// buffer, the only memory a reader needs whatever the file's size. Binary
// readers ask for n contiguous bytes; text readers take lines. The file comes
// from an Env (common/env.h), so tests can read from memory or inject faults.
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

class InputFile {
 public:
  static constexpr size_t kDefaultBufferBytes = 1 << 20;

  // buffer_bytes is the most a single line or record may take.
  static Status Open(Env* env, const std::string& path, size_t buffer_bytes, std::unique_ptr<InputFile>* out);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }

  // Makes min(n, what is left of the file) bytes available at data();
  // *avail receives that count. n must not exceed the buffer size.
  Status Fill(size_t n, size_t* avail);
  const uint8_t* data() const { return buf_.get() + pos_; }
  void Consume(size_t n) { pos_ += n; }
  // File offset of data().
  uint64_t offset() const { return file_offset_ + pos_; }

  // The next line without its "\n" (and a "\r" before it); *eof at the end.
  // The view stays valid until the next call. Lines longer than the buffer
  // are an error naming the line.
  Status NextLine(std::string_view* line, bool* eof);
  uint64_t line_number() const { return line_number_; }  // of the last line returned

 private:
  InputFile(std::string path, std::unique_ptr<SequentialFile> file, size_t buffer_bytes);
  Status Refill();  // moves the unread tail to the front and reads more

  std::string path_;
  std::unique_ptr<SequentialFile> file_;
  std::unique_ptr<uint8_t[]> buf_;  // not zeroed: only bytes read from the file are used
  size_t size_;
  size_t pos_ = 0;   // first unread byte
  size_t end_ = 0;   // end of valid bytes
  uint64_t file_offset_ = 0;  // file offset of buf_[0]
  bool at_eof_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace zonesim
