// FaultInjectionEnv: unsynced writes are dropped back to the last flush,
// injected faults fail exactly the chosen operation, and the record keeps the
// order of writes and flushes.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/fault_injection_env.h"
#include "common/mem_env.h"

namespace zonesim {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int x : v) out.push_back(static_cast<uint8_t>(x));
  return out;
}

TEST_CASE("DropUnsyncedWrites reverts every file to its last flush") {
  MemEnv base;
  FaultInjectionEnv env(&base);
  std::unique_ptr<File> a, b;
  REQUIRE(env.CreateFile("a", false, &a).ok());
  REQUIRE(env.CreateFile("b", false, &b).ok());
  const uint8_t one[] = {1, 1, 1, 1};
  const uint8_t two[] = {2, 2};
  REQUIRE(a->Write(0, 4, one).ok());
  REQUIRE(a->Flush().ok());
  CHECK_FALSE(env.HasUnsyncedWrites("a"));
  REQUIRE(a->Write(1, 2, two).ok());   // overwrite
  REQUIRE(a->Write(6, 2, two).ok());   // extend with a gap
  REQUIRE(a->Truncate(5).ok());        // shrink
  REQUIRE(b->Write(0, 2, two).ok());   // never flushed
  CHECK(env.HasUnsyncedWrites("a"));
  CHECK(base.Contents("a") == Bytes({1, 2, 2, 1, 0}));
  REQUIRE(env.DropUnsyncedWrites().ok());
  CHECK(base.Contents("a") == Bytes({1, 1, 1, 1}));
  CHECK(base.Contents("b").empty());
  CHECK_FALSE(env.HasUnsyncedWrites("a"));
  // Writes through a second handle of the same path are tracked too.
  std::unique_ptr<File> a2;
  REQUIRE(env.OpenFile("a", OpenMode::kReadWrite, &a2).ok());
  REQUIRE(a2->Write(0, 2, two).ok());
  REQUIRE(a->Flush().ok());  // flushing either handle syncs the file
  REQUIRE(a2->Write(2, 2, two).ok());
  REQUIRE(env.DropUnsyncedWrites().ok());
  CHECK(base.Contents("a") == Bytes({2, 2, 1, 1}));
}

TEST_CASE("MarkAllSynced makes everything durable") {
  MemEnv base;
  FaultInjectionEnv env(&base);
  std::unique_ptr<File> f;
  REQUIRE(env.CreateFile("f", false, &f).ok());
  const uint8_t x[] = {7};
  REQUIRE(f->Write(0, 1, x).ok());
  env.MarkAllSynced();
  REQUIRE(env.DropUnsyncedWrites().ok());
  CHECK(base.Contents("f") == Bytes({7}));
}

TEST_CASE("the Nth write fails without touching the file; sticky faults fail everything after") {
  MemEnv base;
  FaultInjectionEnv env(&base);
  std::unique_ptr<File> f;
  REQUIRE(env.CreateFile("f", false, &f).ok());
  const uint8_t x[] = {1}, y[] = {2}, z[] = {3};
  env.FailNthWrite(2);
  REQUIRE(f->Write(0, 1, x).ok());
  Status s = f->Write(1, 1, y);
  CHECK(s.IsIoError());
  CHECK(s.message().find("injected") != std::string::npos);
  CHECK(f->Write(2, 1, z).ok());  // not sticky: later writes work
  CHECK(base.Contents("f") == Bytes({1, 0, 3}));
  CHECK(env.write_count() == 2);

  env.FailNthWrite(1, /*sticky=*/true);
  CHECK_FALSE(f->Write(0, 1, z).ok());
  CHECK_FALSE(f->Write(0, 1, z).ok());
  CHECK_FALSE(f->Flush().ok());
  CHECK_FALSE(f->Truncate(0).ok());
  std::unique_ptr<File> g;
  CHECK_FALSE(env.CreateFile("g", false, &g).ok());
  // The crash: unsynced data is lost, then the device comes back.
  REQUIRE(env.DropUnsyncedWrites().ok());
  CHECK(base.Contents("f").empty());
  env.ClearFaults();
  CHECK(f->Write(0, 1, z).ok());
}

TEST_CASE("the Nth flush fails and keeps the writes unsynced") {
  MemEnv base;
  FaultInjectionEnv env(&base);
  std::unique_ptr<File> f;
  REQUIRE(env.CreateFile("f", false, &f).ok());
  const uint8_t x[] = {1};
  REQUIRE(f->Write(0, 1, x).ok());
  env.FailNthFlush(1);
  CHECK(f->Flush().IsIoError());
  CHECK(env.HasUnsyncedWrites("f"));
  CHECK(env.flush_count() == 0);
  REQUIRE(f->Flush().ok());
  CHECK(env.flush_count() == 1);
  CHECK_FALSE(env.HasUnsyncedWrites("f"));
}

TEST_CASE("the record keeps writes, truncates and flushes in order") {
  MemEnv base;
  FaultInjectionEnv env(&base);
  std::unique_ptr<File> f;
  REQUIRE(env.CreateFile("f", false, &f).ok());
  const uint8_t x[] = {1, 2, 3};
  REQUIRE(f->Write(0, 3, x).ok());  // not recorded: recording is off
  env.SetRecording(true);
  REQUIRE(f->Write(10, 3, x).ok());
  REQUIRE(f->Flush().ok());
  REQUIRE(f->Truncate(4).ok());
  env.FailNthWrite(1);
  CHECK_FALSE(f->Write(0, 1, x).ok());  // failed operations are not recorded
  auto rec = env.TakeRecord();
  REQUIRE(rec.size() == 3);
  CHECK(rec[0].kind == FaultInjectionEnv::Op::Kind::kWrite);
  CHECK(rec[0].path == "f");
  CHECK(rec[0].offset == 10);
  CHECK(rec[0].length == 3);
  CHECK(rec[1].kind == FaultInjectionEnv::Op::Kind::kFlush);
  CHECK(rec[2].kind == FaultInjectionEnv::Op::Kind::kTruncate);
  CHECK(rec[2].offset == 4);
  CHECK(env.TakeRecord().empty());
}

TEST_CASE("files are removed and recreated cleanly") {
  MemEnv base;
  FaultInjectionEnv env(&base);
  std::unique_ptr<File> f;
  REQUIRE(env.CreateFile("f", false, &f).ok());
  const uint8_t x[] = {1};
  REQUIRE(f->Write(0, 1, x).ok());
  f.reset();
  REQUIRE(env.RemoveFile("f").ok());
  CHECK_FALSE(env.FileExists("f"));
  REQUIRE(env.DropUnsyncedWrites().ok());  // nothing to revert for a removed file
  CHECK_FALSE(env.FileExists("f"));
}

}  // namespace
}  // namespace zonesim
