// The Env implementations: the POSIX one (Env::Default) and MemEnv behave the
// same for every operation, and errors name the path, the offset and the size.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <stdlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/testing/test_files.h"
#include "common/mem_env.h"

namespace zonesim {
namespace {


// The contract every Env must meet, run against both implementations.
void ExerciseEnv(Env* env, const std::string& path) {
  CHECK_FALSE(env->FileExists(path));
  std::unique_ptr<File> f;
  Status s = env->OpenFile(path, OpenMode::kReadOnly, &f);
  CHECK(s.IsNotFound());
  CHECK(s.message().find(path) != std::string::npos);

  REQUIRE(env->CreateFile(path, false, &f).ok());
  CHECK(env->FileExists(path));
  uint64_t size = 99;
  REQUIRE(f->Size(&size).ok());
  CHECK(size == 0);
  const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
  REQUIRE(f->Write(4, sizeof data, data).ok());  // the gap reads as zeros
  REQUIRE(f->Size(&size).ok());
  CHECK(size == 12);
  uint8_t buf[12];
  REQUIRE(f->Read(0, 12, buf).ok());
  const uint8_t expect[12] = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(std::memcmp(buf, expect, 12) == 0);
  // Reading past the end is an error naming the offset and the size.
  s = f->Read(8, 8, buf);
  CHECK(s.IsIoError());
  CHECK(s.message().find(path) != std::string::npos);
  CHECK(s.message().find("offset 8") != std::string::npos);
  CHECK(s.message().find("size 12") != std::string::npos);
  CHECK(f->Read(12, 0, buf).ok());
  REQUIRE(f->Flush().ok());
  REQUIRE(f->Truncate(6).ok());
  REQUIRE(f->Size(&size).ok());
  CHECK(size == 6);
  REQUIRE(f->Truncate(10).ok());
  REQUIRE(f->Read(0, 10, buf).ok());
  CHECK(buf[5] == 2);
  CHECK(buf[6] == 0);  // regrown bytes are zero
  f.reset();

  // Create refuses an existing file unless overwrite, and overwrite empties it.
  s = env->CreateFile(path, false, &f);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("exists") != std::string::npos);
  std::unique_ptr<File> g;
  REQUIRE(env->OpenFile(path, OpenMode::kReadWrite, &g).ok());
  REQUIRE(g->Size(&size).ok());
  CHECK(size == 10);
  // A read-only handle cannot write.
  std::unique_ptr<File> ro;
  REQUIRE(env->OpenFile(path, OpenMode::kReadOnly, &ro).ok());
  CHECK_FALSE(ro->Write(0, 1, data).ok());
  // Two handles see each other's writes.
  REQUIRE(g->Write(0, 1, data + 7).ok());
  REQUIRE(ro->Read(0, 1, buf).ok());
  CHECK(buf[0] == 8);
  REQUIRE(env->CreateFile(path, true, &f).ok());
  REQUIRE(f->Size(&size).ok());
  CHECK(size == 0);
  f.reset();
  g.reset();
  ro.reset();
  REQUIRE(env->RemoveFile(path).ok());
  CHECK_FALSE(env->FileExists(path));
  s = env->RemoveFile(path);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find(path) != std::string::npos);
}

TEST_CASE("POSIX Env meets the Env contract") {
  testing::TestDir dir;
  ExerciseEnv(Env::Default(), dir.File("f"));
}

TEST_CASE("MemEnv meets the Env contract") {
  MemEnv env;
  ExerciseEnv(&env, "/mem/f");
}

// Growing writes reserve space ahead (fallocate KEEP_SIZE): invisible to
// readers, and given back at close, so a file never keeps more disk than its
// size (plus one block per hole-free tail) once closed.
TEST_CASE("POSIX Env: space reserved ahead of growing writes changes no size or byte and is given back") {
  testing::TestDir dir;
  const std::string path = dir.File("grow");
  std::vector<uint8_t> chunk(128 << 10);
  {
    std::unique_ptr<File> f;
    REQUIRE(Env::Default()->CreateFile(path, false, &f).ok());
    for (uint32_t i = 0; i < 40; ++i) {
      std::fill(chunk.begin(), chunk.end(), static_cast<uint8_t>(i + 1));
      REQUIRE(f->Write(uint64_t{i} * chunk.size(), chunk.size(), chunk.data()).ok());
      uint64_t size = 0;
      REQUIRE(f->Size(&size).ok());
      REQUIRE(size == uint64_t{i + 1} * chunk.size());  // never the reservation's end
    }
  }
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(static_cast<uint64_t>(st.st_size) == 40 * chunk.size());
  // What the file system holds for it: no more than its size plus a block.
  CHECK(static_cast<uint64_t>(st.st_blocks) * 512 <= 40 * chunk.size() + 4096);
  std::unique_ptr<File> f;
  REQUIRE(Env::Default()->OpenFile(path, OpenMode::kReadOnly, &f).ok());
  std::vector<uint8_t> got(chunk.size());
  for (uint32_t i = 0; i < 40; i += 13) {
    REQUIRE(f->Read(uint64_t{i} * chunk.size(), got.size(), got.data()).ok());
    CHECK(got == std::vector<uint8_t>(chunk.size(), static_cast<uint8_t>(i + 1)));
  }
  // A write past a gap leaves the gap reading as zeros; truncation still shrinks.
  {
    std::unique_ptr<File> g;
    REQUIRE(Env::Default()->OpenFile(path, OpenMode::kReadWrite, &g).ok());
    REQUIRE(g->Write(8 << 20, 4096, chunk.data()).ok());
    std::vector<uint8_t> zeros(4096, 0xff);
    REQUIRE(g->Read(6 << 20, zeros.size(), zeros.data()).ok());
    CHECK(zeros == std::vector<uint8_t>(4096, 0));
    REQUIRE(g->Truncate(1 << 20).ok());
    uint64_t size = 0;
    REQUIRE(g->Size(&size).ok());
    CHECK(size == (1u << 20));
  }
}

TEST_CASE("POSIX Env errors carry the path and the errno text") {
  testing::TestDir dir;
  std::unique_ptr<File> f;
  Status s = Env::Default()->OpenFile(dir.File("missing/x"), OpenMode::kReadWrite, &f);
  CHECK(s.IsNotFound());
  CHECK(s.message().find("missing/x") != std::string::npos);
  CHECK(s.message().find("No such file or directory") != std::string::npos);
  s = Env::Default()->CreateFile(dir.File("nodir/x"), false, &f);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("No such file or directory") != std::string::npos);
  s = Env::Default()->OpenFile(dir.path(), OpenMode::kReadOnly, &f);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("directory") != std::string::npos);
}

TEST_CASE("MemEnv helpers: contents, planting, flush counting") {
  MemEnv env;
  env.SetContents("a", {9, 8, 7});
  CHECK(env.FileExists("a"));
  CHECK(env.Contents("a") == std::vector<uint8_t>{9, 8, 7});
  CHECK(env.Contents("nope").empty());
  std::unique_ptr<File> f;
  REQUIRE(env.OpenFile("a", OpenMode::kReadWrite, &f).ok());
  CHECK(env.flush_count() == 0);
  REQUIRE(f->Flush().ok());
  REQUIRE(f->Flush().ok());
  CHECK(env.flush_count() == 2);
  // A handle keeps working after the file is removed from the namespace.
  REQUIRE(env.RemoveFile("a").ok());
  uint8_t b;
  REQUIRE(f->Read(0, 1, &b).ok());
  CHECK(b == 9);
  // Absurd sizes are refused rather than allocated.
  CHECK_FALSE(f->Truncate(1ull << 40).ok());
  CHECK_FALSE(f->Write(1ull << 40, 1, &b).ok());
}

}  // namespace
}  // namespace zonesim
