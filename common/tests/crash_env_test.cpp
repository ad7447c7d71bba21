// CrashEnv: each crash mode leaves exactly the states it promises, over the
// content at the last flush, and a flush forgets the log.
#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/crash_env.h"
#include "common/mem_env.h"

namespace zonesim {
namespace {

CrashChoice Mode(CrashChoice::Mode m, uint64_t seed = 0, uint32_t sector = 512) {
  CrashChoice c;
  c.mode = m;
  c.seed = seed;
  c.sector = sector;
  return c;
}

CrashChoice Keep(std::vector<uint32_t> keep) {
  CrashChoice c;
  c.mode = CrashChoice::Mode::kKeep;
  c.keep = std::move(keep);
  return c;
}

// A file of 4 blocks of `unit` bytes, flushed as 0xAA, then `writes` unsynced
// writes, write i filling block i with the value i + 1.
struct Fixture {
  explicit Fixture(int writes, uint64_t unit = 512) : env(&base), unit(unit) {
    REQUIRE(env.CreateFile("f", false, &file).ok());
    std::vector<uint8_t> old(4 * unit, 0xAA);
    REQUIRE(file->Write(0, old.size(), old.data()).ok());
    REQUIRE(file->Flush().ok());
    for (int i = 0; i < writes; ++i) {
      std::vector<uint8_t> b(unit, static_cast<uint8_t>(i + 1));
      REQUIRE(file->Write(i * unit, b.size(), b.data()).ok());
    }
  }
  // Per block: 0xAA (old) or the value written.
  std::vector<int> Blocks() {
    std::vector<uint8_t> c = base.Contents("f");
    std::vector<int> out;
    for (uint64_t o = 0; o < c.size(); o += unit) out.push_back(c[o]);
    return out;
  }
  MemEnv base;
  CrashEnv env;
  uint64_t unit;
  std::unique_ptr<File> file;
};

TEST_CASE("lose-all reverts to the last flush; keep-all keeps everything") {
  Fixture a(3);
  CHECK(a.env.PendingWrites() == 3);
  REQUIRE(a.env.PowerLoss(Mode(CrashChoice::Mode::kLoseAll)).ok());
  CHECK(a.Blocks() == std::vector<int>{0xAA, 0xAA, 0xAA, 0xAA});
  CHECK(a.env.PendingWrites() == 0);
  Fixture b(3);
  REQUIRE(b.env.PowerLoss(Mode(CrashChoice::Mode::kKeepAll)).ok());
  CHECK(b.Blocks() == std::vector<int>{1, 2, 3, 0xAA});
}

TEST_CASE("keep: exactly the chosen writes survive, whole") {
  Fixture f(4);
  CHECK(f.env.DescribeWrite(2) == "write of 512 bytes at offset 0x400 (f)");
  REQUIRE(f.env.PowerLoss(Keep({1, 3})).ok());
  CHECK(f.Blocks() == std::vector<int>{0xAA, 2, 0xAA, 4});
}

TEST_CASE("keep: overlapping survivors are applied in issue order; a write past the end extends the file") {
  MemEnv base;
  CrashEnv env(&base);
  std::unique_ptr<File> f;
  REQUIRE(env.CreateFile("f", false, &f).ok());
  const uint8_t one[] = {1, 1, 1, 1}, two[] = {2, 2};
  REQUIRE(f->Write(0, 4, one).ok());  // 0: extends an empty file
  REQUIRE(f->Write(1, 2, two).ok());  // 1: overwrites the middle
  REQUIRE(f->Write(6, 2, two).ok());  // 2: extends with a gap
  REQUIRE(env.PowerLoss(Keep({0, 1})).ok());
  CHECK(base.Contents("f") == std::vector<uint8_t>{1, 2, 2, 1});
}

TEST_CASE("torn: a write keeps some of its sectors, deterministically by seed") {
  // One 16-sector write over old content: some seed keeps a strict, non-empty subset.
  bool saw_torn = false;
  for (uint64_t seed = 0; seed < 8 && !saw_torn; ++seed) {
    MemEnv base;
    CrashEnv env(&base);
    std::unique_ptr<File> f;
    REQUIRE(env.CreateFile("f", false, &f).ok());
    std::vector<uint8_t> old(16 * 512, 0xAA), fresh(16 * 512, 0x55);
    REQUIRE(f->Write(0, old.size(), old.data()).ok());
    REQUIRE(f->Flush().ok());
    REQUIRE(f->Write(0, fresh.size(), fresh.data()).ok());
    REQUIRE(env.PowerLoss(Mode(CrashChoice::Mode::kTorn, seed, 512)).ok());
    std::vector<uint8_t> c = base.Contents("f");
    REQUIRE(c.size() == 16 * 512);
    int kept = 0;
    for (int s = 0; s < 16; ++s) {
      // Each sector is whole: all old or all new.
      std::set<uint8_t> values(c.begin() + s * 512, c.begin() + (s + 1) * 512);
      REQUIRE(values.size() == 1);
      kept += *values.begin() == 0x55;
    }
    saw_torn = kept > 0 && kept < 16;
  }
  CHECK(saw_torn);
  // Same seed, same writes: same state.
  std::vector<std::vector<int>> states;
  for (int rep = 0; rep < 2; ++rep) {
    Fixture f(4);
    REQUIRE(f.env.PowerLoss(Mode(CrashChoice::Mode::kTorn, 42)).ok());
    states.push_back(f.Blocks());
  }
  CHECK(states[0] == states[1]);
}

TEST_CASE("torn: units are aligned to the file offset, not to the write") {
  // A 4096-byte write at offset 2048 spans two 4K units: each half is kept or lost whole.
  std::set<std::pair<int, int>> seen;
  for (uint64_t seed = 0; seed < 32; ++seed) {
    MemEnv base;
    CrashEnv env(&base);
    std::unique_ptr<File> f;
    REQUIRE(env.CreateFile("f", false, &f).ok());
    std::vector<uint8_t> old(8192, 0xAA), fresh(4096, 0x55);
    REQUIRE(f->Write(0, old.size(), old.data()).ok());
    REQUIRE(f->Flush().ok());
    REQUIRE(f->Write(2048, fresh.size(), fresh.data()).ok());
    REQUIRE(env.PowerLoss(Mode(CrashChoice::Mode::kTorn, seed, 4096)).ok());
    std::vector<uint8_t> c = base.Contents("f");
    for (int half = 0; half < 2; ++half) {
      std::set<uint8_t> v(c.begin() + 2048 + half * 2048, c.begin() + 4096 + half * 2048);
      REQUIRE(v.size() == 1);
    }
    seen.emplace(c[2048] == 0x55, c[4096] == 0x55);
  }
  CHECK(seen.size() == 4);  // every combination of the two units happens
}

TEST_CASE("reorder: a later write can survive while an earlier one is lost") {
  bool later_without_earlier = false;
  std::set<std::vector<int>> states;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    Fixture f(4);
    REQUIRE(f.env.PowerLoss(Mode(CrashChoice::Mode::kReorder, seed)).ok());
    std::vector<int> b = f.Blocks();
    states.insert(b);
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j)
        if (b[i] == 0xAA && b[j] == j + 1) later_without_earlier = true;
    // Writes survive whole, never torn.
    for (int i = 0; i < 4; ++i) CHECK((b[i] == 0xAA || b[i] == i + 1));
  }
  CHECK(later_without_earlier);
  CHECK(states.size() > 4);  // more than the prefixes
}

TEST_CASE("reorder: writes farther apart than the window keep their order") {
  // 16 writes: windows [0, 8) and [8, 16). A survivor in the second window
  // means the whole first window survived.
  for (uint64_t seed = 0; seed < 64; ++seed) {
    Fixture f(0);
    for (int i = 0; i < 16; ++i) {
      const uint8_t v = static_cast<uint8_t>(i + 1);
      REQUIRE(f.file->Write(4096 + i, 1, &v).ok());
    }
    REQUIRE(f.env.PowerLoss(Mode(CrashChoice::Mode::kReorder, seed)).ok());
    std::vector<uint8_t> c = f.base.Contents("f");
    bool second = false, first_all = true;
    for (int i = 0; i < 16; ++i) {
      const bool kept = 4096u + i < c.size() && c[4096 + i] == i + 1;
      if (i < 8) first_all = first_all && kept;
      if (i >= 8) second = second || kept;
    }
    if (second) CHECK(first_all);
  }
}

TEST_CASE("a flush makes a file's writes durable and frees the log") {
  Fixture f(2);
  CHECK(f.env.LoggedBytes() == 2 * 2 * 512);  // old and new bytes of each
  REQUIRE(f.file->Flush().ok());
  CHECK(f.env.PendingWrites() == 0);
  CHECK(f.env.LoggedBytes() == 0);
  const uint8_t v = 9;
  REQUIRE(f.file->Write(3 * 512, 1, &v).ok());
  CHECK(f.env.PendingWrites() == 1);
  REQUIRE(f.env.PowerLoss(Mode(CrashChoice::Mode::kLoseAll)).ok());
  CHECK(f.Blocks() == std::vector<int>{1, 2, 0xAA, 0xAA});
}

TEST_CASE("the fence fails every write and flush until the power loss") {
  Fixture f(1);
  f.env.FenceAfterOps(2);
  const uint8_t v = 7;
  REQUIRE(f.file->Write(512, 1, &v).ok());
  REQUIRE(f.file->Write(1024, 1, &v).ok());
  CHECK(f.env.fenced());
  Status s = f.file->Write(1536, 1, &v);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.message().find("power lost") != std::string::npos);
  CHECK_FALSE(f.file->Flush().ok());
  CHECK(f.env.PendingWrites() == 3);
  REQUIRE(f.env.PowerLoss(Keep({2})).ok());
  CHECK_FALSE(f.env.fenced());
  CHECK(f.Blocks() == std::vector<int>{0xAA, 0xAA, 7, 0xAA});
  CHECK(f.file->Write(0, 1, &v).ok());
}

TEST_CASE("several files: one numbering in issue order") {
  MemEnv base;
  CrashEnv env(&base);
  std::unique_ptr<File> a, b;
  REQUIRE(env.CreateFile("a", false, &a).ok());
  REQUIRE(env.CreateFile("b", false, &b).ok());
  const uint8_t x = 1, y = 2;
  REQUIRE(b->Write(0, 1, &x).ok());  // 0
  REQUIRE(a->Write(0, 1, &x).ok());  // 1
  REQUIRE(b->Write(1, 1, &y).ok());  // 2
  CHECK(env.DescribeWrite(1) == "write of 1 bytes at offset 0x0 (a)");
  REQUIRE(env.PowerLoss(Keep({0, 1})).ok());
  CHECK(base.Contents("a") == std::vector<uint8_t>{1});
  CHECK(base.Contents("b") == std::vector<uint8_t>{1});
}

}  // namespace
}  // namespace zonesim
