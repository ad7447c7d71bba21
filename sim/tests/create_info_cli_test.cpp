// `zonesim create` and `zonesim info`, run as the built binary
// ($ZONESIM_BINARY_DIR/sim/zonesim, set by ctest): options in both qemu-img
// spellings, refusals that leave no file behind, no overwrite without --force,
// --from conversion of a plain image, and info never modifying the file.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "qcow2/tests/zoned_image_fixture.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim::test {
namespace {

using testing::ShellQuote;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result Run(const testing::TestDir& dir, const std::string& args) {
  const std::string out = dir.File("stdout.txt"), err = dir.File("stderr.txt");
  std::string cmd = ShellQuote(testing::ZonesimBinary()) + " " + args + " >" + ShellQuote(out) + " 2>" + ShellQuote(err);
  int raw = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

TEST_CASE("cli: create with the latest option spelling, then info") {
  testing::TestDir dir;
  const std::string img = dir.File("a.qcow2");
  Result r = Run(dir, "create " + ShellQuote(img) +
                          " -o size=768M -o zone.mode=host-managed -o zone.size=64M"
                          " -o zone.capacity=48M -o zone.conventional_zones=2"
                          " -o zone.max_open_zones=4,zone.max_active_zones=6"
                          " -o zone.max_append_bytes=131072");
  INFO(r.err);
  REQUIRE(r.code == 0);
  Result info = Run(dir, "info --json " + ShellQuote(img));
  INFO(info.err);
  REQUIRE(info.code == 0);
  CHECK(Contains(info.out, "\"virtual_size\": 805306368"));
  CHECK(Contains(info.out, "\"zoned\": true"));
  CHECK(Contains(info.out, "\"layout\": \"latest\""));
  CHECK(Contains(info.out, "\"zone_size\": 67108864"));
  CHECK(Contains(info.out, "\"zone_capacity\": 50331648"));
  CHECK(Contains(info.out, "\"conventional_zones\": 2"));
  CHECK(Contains(info.out, "\"nr_zones\": 12"));
  CHECK(Contains(info.out, "\"max_open_zones\": 4"));
  CHECK(Contains(info.out, "\"max_active_zones\": 6"));
  CHECK(Contains(info.out, "\"max_append_bytes\": 131072"));
  CHECK(Contains(info.out, "\"NOT_WP\": 2"));
  CHECK(Contains(info.out, "\"EMPTY\": 10"));
  Result text = Run(dir, "info " + ShellQuote(img));
  REQUIRE(text.code == 0);
  CHECK(Contains(text.out, "layout: latest"));
  CHECK(Contains(text.out, "zones: 12 (2 conventional, 10 sequential)"));
}

TEST_CASE("cli: create with the older spelling, v5 layout, defaults and limits stored as 0") {
  testing::TestDir dir;
  const std::string img = dir.File("b.qcow2");
  Result r = Run(dir, "create " + ShellQuote(img) +
                          " -o size=1G,zone_model=host-managed,max_open_zones=4,max_active_zones=4"
                          " --layout v5 --cluster-size 4K");
  INFO(r.err);
  REQUIRE(r.code == 0);
  // create says that the limits it was given are stored as no limit, and why.
  CHECK(Contains(r.out, "max_active_zones 0 (no limit: 4 is the number of sequential zones)"));
  CHECK(Contains(r.out, "max_open_zones 0 (no limit: 4 is the number of sequential zones)"));
  Result info = Run(dir, "info --json " + ShellQuote(img));
  REQUIRE(info.code == 0);
  CHECK(Contains(info.out, "\"layout\": \"v5\""));
  CHECK(Contains(info.out, "\"cluster_size\": 4096"));
  CHECK(Contains(info.out, "\"zone_size\": 268435456"));      // default 256 MiB
  CHECK(Contains(info.out, "\"zone_capacity\": 268435456"));  // default = zone size
  CHECK(Contains(info.out, "\"max_append_bytes\": 65536"));   // default 64 KiB
  // 4 sequential zones: a limit of 4 means no limit, stored as 0.
  CHECK(Contains(info.out, "\"max_open_zones\": 0"));
  CHECK(Contains(info.out, "\"max_active_zones\": 0"));
}

TEST_CASE("cli: bad options are refused with both values named and no file left behind") {
  testing::TestDir dir;
  const std::string img = dir.File("bad.qcow2");
  struct Case {
    std::string opts;
    std::vector<std::string> mentions;
  };
  const Case cases[] = {
      {"-o zone.mode=host-managed", {"size"}},  // size= missing
      {"-o size=1G,zone.size=64M,zone.capacity=128M", {"134217728", "67108864"}},
      {"-o size=1G,zone.size=64M,zone.max_open_zones=8,zone.max_active_zones=4", {"8", "4"}},
      {"-o size=1G,zone.size=64M,zone.max_open_zones=17", {"17", "16"}},
      {"-o size=1G,zone.size=64M,zone.conventional_zones=16", {"16"}},
      {"-o size=1G,zone.size=64K,zone.max_append_bytes=64K", {"65536"}},
      {"-o size=1G,zone.size=48M", {"50331648", "power of two"}},
      {"-o size=1G,zone.size=4G --layout v5", {"4294967296"}},
      {"-o size=1G,zone.mode=drive-managed", {"drive-managed"}},
      {"-o size=1G,compat=0.10", {"compat"}},
      {"-o size=1G,profile=zns", {"profile"}},
      {"-o size=1G --cluster-size 3000", {"3000"}},
      {"-o size=1G --layout v7", {"v7"}},
      {"-o size=1G,zone.size=banana", {"banana"}},
      {"-o size=1G --from " + dir.File("missing.qcow2"), {"missing.qcow2"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.opts);
    Result r = Run(dir, "create " + ShellQuote(img) + " " + c.opts);
    CHECK(r.code != 0);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
    for (const std::string& m : c.mentions) CHECK(Contains(r.err, m));
    CHECK_FALSE(std::filesystem::exists(img));
  }
  CHECK(Run(dir, "create").code == 2);
  CHECK(Run(dir, "create --bogus " + ShellQuote(img)).code == 2);
  CHECK_FALSE(std::filesystem::exists(img));
}

TEST_CASE("cli: an existing file is not overwritten without --force") {
  testing::TestDir dir;
  const std::string img = dir.File("c.qcow2");
  REQUIRE(Run(dir, "create " + ShellQuote(img) + " -o size=64M,zone.size=4M").code == 0);
  const std::vector<uint8_t> before = FileBytes(Env::Default(), img);
  Result r = Run(dir, "create " + ShellQuote(img) + " -o size=128M,zone.size=8M");
  CHECK(r.code == 1);
  CHECK(Contains(r.err, "--force"));
  CHECK(FileBytes(Env::Default(), img) == before);
  // A refused option with --force leaves the old file alone too.
  r = Run(dir, "create " + ShellQuote(img) + " --force -o size=128M,zone.size=3M");
  CHECK(r.code == 2);
  CHECK(FileBytes(Env::Default(), img) == before);
  r = Run(dir, "create " + ShellQuote(img) + " --force -o size=128M,zone.size=8M");
  CHECK(r.code == 0);
  Result info = Run(dir, "info --json " + ShellQuote(img));
  CHECK(Contains(info.out, "\"virtual_size\": 134217728"));
}

TEST_CASE("cli: info is read-only and reports recovered conditions") {
  testing::TestDir dir;
  const std::string img = dir.File("d.qcow2");
  REQUIRE(Run(dir, "create " + ShellQuote(img) +
                       " -o size=1M,zone.size=64K,zone.max_append_bytes=4K,zone.max_active_zones=2")
              .code == 0);
  {
    auto zi = OpenImage(Env::Default(), img, profile_params(Profile::kLinux));
    REQUIRE(WritePattern(zi.get(), 0, 4096) == ZoneStatus::kOk);               // -> CLOSED
    REQUIRE(WritePattern(zi.get(), 64 << 10, 64 << 10) == ZoneStatus::kOk);   // FULL
    REQUIRE(zi->Flush() == ZoneStatus::kOk);
    REQUIRE(zi->Close().ok());
  }
  {
    // One more CLOSED zone than max_active_zones allows, as a crash could leave.
    std::unique_ptr<Qcow2Image> q;
    REQUIRE(Qcow2Image::Open(Env::Default(), img, false, &q).ok());
    REQUIRE(q->WriteWritePointer(2, (2 << 16) + 512).ok());
    REQUIRE(q->WriteWritePointer(3, (3 << 16) + 512).ok());
    REQUIRE(q->Flush().ok());
  }
  const std::vector<uint8_t> before = FileBytes(Env::Default(), img);
  Result r = Run(dir, "info --json " + ShellQuote(img));
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(Contains(r.out, "\"CLOSED\": 3"));
  CHECK(Contains(r.out, "\"FULL\": 1"));
  CHECK(Contains(r.out, "\"EMPTY\": 12"));
  CHECK(Contains(r.out, "max_active_zones 2"));  // the recovery warning
  r = Run(dir, "info " + ShellQuote(img));
  CHECK(Contains(r.out, "zone conditions after recovery: NOT_WP 0 EMPTY 12 CLOSED 3 FULL 1"));
  CHECK(Contains(r.out, "warning:"));
  CHECK(FileBytes(Env::Default(), img) == before);
  // Missing file, not an image, extra arguments.
  CHECK(Run(dir, "info " + ShellQuote(dir.File("nope.qcow2"))).code == 1);
  {
    std::ofstream junk(dir.File("junk.bin"));
    junk << "this is not a qcow2 image at all";
  }
  Result j = Run(dir, "info " + ShellQuote(dir.File("junk.bin")));
  CHECK(j.code == 1);
  CHECK(std::count(j.err.begin(), j.err.end(), '\n') == 1);
  CHECK(Run(dir, "info").code == 2);
  CHECK(Run(dir, "info --frob " + ShellQuote(img)).code == 2);
}

TEST_CASE("cli: --from converts a plain image, zones with data become FULL") {
  testing::TestDir dir;
  Env* env = Env::Default();
  const std::string plain = dir.File("plain.qcow2"), zoned = dir.File("zoned.qcow2");
  REQUIRE(Run(dir, "create " + ShellQuote(plain) + " -o size=1M,zone.mode=none --cluster-size 4K").code == 0);
  {
    std::unique_ptr<Qcow2Image> q;
    REQUIRE(Qcow2Image::Open(env, plain, false, &q).ok());
    CHECK_FALSE(q->zoned().has_value());
    std::vector<uint8_t> d = Pattern(0, 8192);
    REQUIRE(q->Write(0, 8192, d.data()).ok());                     // conventional zone 0
    d = Pattern(3 << 16, 4096);
    REQUIRE(q->Write((3 << 16) + 8192, 4096, d.data()).ok());       // zone 3, mid-zone
    d = Pattern(9 << 16, 512);
    REQUIRE(q->Write((9 << 16) + 40 * 1024, 512, d.data()).ok());   // zone 9, below capacity
    REQUIRE(q->Flush().ok());
  }
  const std::vector<uint8_t> src_before = FileBytes(env, plain);
  Result r = Run(dir, "create " + ShellQuote(zoned) + " --from " + ShellQuote(plain) +
                          " -o zone.size=64K,zone.capacity=48K,zone.conventional_zones=1"
                          ",zone.max_append_bytes=4K");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(Contains(r.out, "2 zones with data FULL, 13 EMPTY"));
  CHECK(FileBytes(env, plain) == src_before);  // the source is never modified
  Result info = Run(dir, "info --json " + ShellQuote(zoned));
  CHECK(Contains(info.out, "\"FULL\": 2"));
  CHECK(Contains(info.out, "\"EMPTY\": 13"));
  auto zi = OpenImage(env, zoned, profile_params(Profile::kLinux));
  CHECK(Cond(zi.get(), 3 << 16) == ZoneCondition::kFull);
  CHECK(Cond(zi.get(), 9 << 16) == ZoneCondition::kFull);
  CHECK(ReportOne(zi.get(), 3 << 16).wp == (3 << 16) + (48 << 10));  // start + capacity
  CHECK(ReadBack(zi.get(), 0, 8192) == Pattern(0, 8192));
  CHECK(ReadBack(zi.get(), (3 << 16) + 8192, 4096) == Pattern(3 << 16, 4096));
  CHECK(ReadBack(zi.get(), (9 << 16) + 40 * 1024, 512) == Pattern(9 << 16, 512));
  zi.reset();

  // Data past a zone's capacity would become unreadable: refused, no file.
  const std::string plain2 = dir.File("plain2.qcow2"), out2 = dir.File("out2.qcow2");
  REQUIRE(Run(dir, "create " + ShellQuote(plain2) + " -o size=1M,zone.mode=none").code == 0);
  {
    std::unique_ptr<Qcow2Image> q;
    REQUIRE(Qcow2Image::Open(env, plain2, false, &q).ok());
    std::vector<uint8_t> d(512, 0x77);
    REQUIRE(q->Write((2 << 16) + (56 << 10), 512, d.data()).ok());
    REQUIRE(q->Flush().ok());
  }
  r = Run(dir, "create " + ShellQuote(out2) + " --from " + ShellQuote(plain2) +
                   " -o zone.size=64K,zone.capacity=48K,zone.max_append_bytes=4K");
  CHECK(r.code != 0);
  CHECK(Contains(r.err, "zone 2"));
  CHECK_FALSE(std::filesystem::exists(out2));
  // A size that disagrees with the source, an already zoned source, same file.
  r = Run(dir, "create " + ShellQuote(out2) + " --from " + ShellQuote(plain) +
                   " -o size=2M,zone.size=64K,zone.max_append_bytes=4K");
  CHECK(r.code == 2);
  CHECK(Contains(r.err, "2097152"));
  CHECK(Contains(r.err, "1048576"));
  CHECK_FALSE(std::filesystem::exists(out2));
  r = Run(dir, "create " + ShellQuote(out2) + " --from " + ShellQuote(zoned) +
                   " -o zone.size=64K,zone.max_append_bytes=4K");
  CHECK(r.code != 0);
  CHECK_FALSE(std::filesystem::exists(out2));
  r = Run(dir, "create " + ShellQuote(plain) + " --force --from " + ShellQuote(plain) + " -o zone.size=64K");
  CHECK(r.code == 2);
  CHECK(FileBytes(env, plain) == src_before);
}

TEST_CASE("cli: --from takes an image made by qemu-img") {
  REQUIRE_MESSAGE(std::system("command -v qemu-img >/dev/null 2>&1") == 0,
                  "qemu-img is required (scripts/install-deps.sh)");
  testing::TestDir dir;
  const std::string plain = dir.File("q.qcow2"), zoned = dir.File("qz.qcow2");
  REQUIRE(std::system(("qemu-img create -q -f qcow2 " + ShellQuote(plain) + " 4M").c_str()) == 0);
  if (std::system("command -v qemu-io >/dev/null 2>&1") == 0)
    REQUIRE(std::system(("qemu-io -c 'write -P 0x5a 1M 64K' " + ShellQuote(plain) + " >/dev/null").c_str()) == 0);
  Result r = Run(dir, "create " + ShellQuote(zoned) + " --from " + ShellQuote(plain) +
                          " -o zone.size=1M,zone.max_append_bytes=64K");
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto zi = OpenImage(Env::Default(), zoned, profile_params(Profile::kLinux));
  CHECK(zi->config().nr_zones() == 4);
  if (std::system("command -v qemu-io >/dev/null 2>&1") == 0) {
    CHECK(Cond(zi.get(), 1 << 20) == ZoneCondition::kFull);
    std::vector<uint8_t> got = ReadBack(zi.get(), 1 << 20, 64 << 10);
    CHECK(std::all_of(got.begin(), got.end(), [](uint8_t b) { return b == 0x5a; }));
  }
}

}  // namespace
}  // namespace zonesim::test
