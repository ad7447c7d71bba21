// Env: the file system as zonesim sees it, in the style of LevelDB's Env, so
// tests can swap in an in-memory or fault-injecting implementation under the
// qcow2 layer and the trace readers and writers. Files are random-access
// (File: read, write, flush, size, truncate; images), or streamed front to
// back (SequentialFile, WritableFile: traces, which may be pipes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace zonesim {

// What a process means to do with an image, as QEMU's permission locks say it
// (block/file-posix.c: an OFD read lock on byte 100 + bit for each permission
// held, on byte 200 + bit for each permission it does not share; bits 0
// consistent read, 1 write, 3 resize). zonesim and QEMU 7.2 exclude each other:
// one writer, or any number of readers (who do not share write); kInspect is
// QEMU's -U / force-share (read, share everything, never refused by a writer).
enum class ImageLock {
  kNone,     // hold nothing
  kInspect,  // read, share all   (qemu-io -r -U): byte 100
  kRead,     // read, no writers  (qemu-io -r):    bytes 100, 201, 203
  kWrite,    // read, write, resize, exclusive writer (qemu-io): bytes 100, 101, 103, 201, 203
};

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
  // Takes (or, with kNone, drops) the image lock `intent` asks for; refused
  // with "image is locked by another process" when a holder conflicts. Files
  // no other process can see (MemEnv) have nothing to lock.
  virtual Status Lock(ImageLock intent) {
    (void)intent;
    return Status::Ok();
  }
};

// A file read front to back, a pipe too (LevelDB's SequentialFile).
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into out; *got = 0 only at the end of the file.
  virtual Status Read(size_t n, uint8_t* out, size_t* got) = 0;
};

// A file written front to back, a pipe too (LevelDB's WritableFile).
class WritableFile {
 public:
  virtual ~WritableFile() = default;  // closes; errors are lost (call Close)
  virtual Status Append(const uint8_t* data, size_t n) = 0;
  // Closes the file, with what the system reports at close. Idempotent.
  virtual Status Close() = 0;
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

  // Opens path to read it front to back. The default reads through OpenFile
  // (so in-memory and fault-injecting Envs need nothing more); the POSIX Env
  // uses read(2), so pipes and FIFOs work.
  virtual Status OpenSequentialFile(const std::string& path, std::unique_ptr<SequentialFile>* out);
  // Creates path (or empties it) to write it front to back. The default
  // writes through CreateFile(overwrite = true); the POSIX Env uses write(2).
  virtual Status CreateWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out);
};

}  // namespace zonesim
