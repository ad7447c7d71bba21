// Inputs the fuzz/ campaigns found, as unit tests of the module they broke
// (the inputs themselves are in fuzz/regressions/<target>/).
#include <doctest/doctest.h>

#include "common/mem_env.h"
#include "qcow2/storage/cluster_allocator.h"
#include "qcow2/tests/check_test_util.h"

namespace zonesim::checktest {
namespace {

// fuzz_qcow2_open, timeout: a refcount table without block 0 made the
// allocator create the missing block at cluster 0, i.e. at offset 0, which
// the table reads as "no block": it created it again, forever (and wrote it
// over the header).
TEST_CASE("fuzz regression: the allocator never places a refcount block at offset 0") {
  MemEnv env;
  Bytes file(4 * 512, 0);  // header, refcount table (all empty), two free clusters
  env.SetContents("f", file);
  std::unique_ptr<File> f;
  REQUIRE(env.OpenFile("f", OpenMode::kReadWrite, &f).ok());
  qcow2::ClusterAllocator alloc(f.get(), 9, 4);
  REQUIRE(alloc.Load(512, 1, file.size()).ok());
  uint64_t off = 0;
  REQUIRE(alloc.Allocate(1, &off).ok());  // returned at all: no endless loop
  CHECK(off != 0);
  CHECK(alloc.table()[0] != 0);
  uint64_t a = 0, n = 0;
  REQUIRE(alloc.AllocateUpTo(4, &a, &n).ok());
  CHECK(a != 0);
}

TEST_CASE("fuzz regression: an image whose header cluster has refcount 0 is not opened read-write") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "p", qcow2test::PlainOptions(1 << 20, 512), false).ok());
  Bytes b = env.Contents("p");
  const uint64_t rt = LoadBE64(b.data() + 48);
  StoreBE64(b.data() + rt, 0);  // refcount table entry 0: no block for the header
  env.SetContents("p", b);
  std::unique_ptr<Qcow2Image> img;
  Status s = Qcow2Image::Open(&env, "p", /*read_only=*/false, &img);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("header cluster has refcount 0") != std::string::npos);
  CHECK(Qcow2Image::Open(&env, "p", /*read_only=*/true, &img).ok());  // reading is harmless
  CHECK(env.Contents("p") == b);
  CheckReport r = Check(b);
  CHECK(r.has("refcount.too_low"));
  CHECK(r.exit_code() == 2);
}

// fuzz_check, timeout: --repair planned write-pointer rebuilds for a table
// it had not judged (zone model 0: the decoded extension was empty) and
// looped over a garbage zone count.
TEST_CASE("fuzz regression: --repair on a model-0 extension or a huge nr_zones stays bounded") {
  const Bytes base = ZonedImageBytes();
  const Layout l(base);
  CheckOptions repair;
  repair.repair = true;
  {
    Bytes b = base;
    b[l.zext + kZoned] = 0;
    StoreBE32(b.data() + l.zext + kNrZones, 0xffffffffu);
    MemEnv env;
    env.SetContents("img", b);
    CheckReport r;
    REQUIRE(check::CheckImage(&env, "img", repair, &r).ok());
    CHECK(r.has("zoned.model_non_zoned"));
    CHECK(env.Contents("img") == b);  // nothing to repair: the table is not judged
  }
  {
    // Model 1, nr_zones far beyond the table, the table freed and discarded:
    // only the 12 entries the table holds are rebuilt.
    Bytes b = base;
    StoreBE32(b.data() + l.zext + kNrZones, 0xffffffffu);
    SetRefcount(b, l.meta, 0);
    std::fill(b.begin() + static_cast<long>(l.meta), b.begin() + static_cast<long>(l.meta + 96), 0);
    MemEnv env;
    env.SetContents("img", b);
    CheckReport r;
    REQUIRE(check::CheckImage(&env, "img", repair, &r).ok());
    INFO(check::FormatText(r));
    CHECK(r.has("zoned.nr_zones_mismatch"));
    const Bytes after = env.Contents("img");
    CHECK(GetRefcount(after, l.meta) == 1);
    CHECK(qcow2::LoadLE64(after.data() + l.meta + 2 * 8) == (2u << 20) + (64u << 10));
    CHECK(std::equal(after.begin() + static_cast<long>(l.meta + 96), after.begin() + static_cast<long>(l.meta + 4096),
                     b.begin() + static_cast<long>(l.meta + 96)));
  }
}

}  // namespace
}  // namespace zonesim::checktest
