// The crafted-input suite of issue 12 (qcow2/README.md "Reliability"): images
// damaged the ways that used to lose data, host failures that used to be
// reported as a bare "Input/output error", overflowing numbers, FIFOs, odd
// file names. Every case asserts the outcome and, where a file is involved,
// that zonesim left it byte for byte as it was.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/testing/test_files.h"
#include "sim/tests/image_file_util.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim::testing {
namespace {

constexpr uint64_t kCopied = 1ull << 63;

// A 4 MiB image of four 1 MiB zones with 4 KiB written at 0 (so L1 entry 0
// has an L2 table and zone 0 a data cluster).
std::string MakeWrittenImage(TestDir& dir, const std::string& name = "img.qcow2") {
  const std::string path = dir.File(name);
  ZonesimRun r = RunZonesim({"create", path, "-o", "size=4M,zone.size=1M"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  r = RunZonesim({"io", path, "-c", "write -P 0xab 0 4K"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  return path;
}

// The damage must be refused for writing, name `zonesim check`, leave the file
// untouched, and still let the data be read read-only.
void ExpectRefusedUntouched(const std::string& path, const std::string& must_mention) {
  const std::vector<uint8_t> before = ReadFileBytes(path);
  ZonesimRun r = RunZonesim({"io", path, "-c", "write -P 0xcd 1M 4K"});
  INFO(r.out);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find(must_mention) != std::string::npos);
  CHECK(ReadFileBytes(path) == before);
  r = RunZonesim({"check", path});
  CHECK(r.status == 2);  // and the checker agrees it is corrupt
  CHECK(ReadFileBytes(path) == before);
}

TEST_CASE("crafted: metadata with refcount 0 is refused for writing, file unchanged") {
  TestDir dir;
  SUBCASE("L1 table") {
    const std::string p = MakeWrittenImage(dir);
    ImageLayout(p).SetRefcount(p, ImageLayout(p).l1, 0);
    ExpectRefusedUntouched(p, "zonesim check");
    ZonesimRun r = RunZonesim({"io", p, "-r", "-c", "read -P 0xab 0 4K"});
    INFO(r.err);
    CHECK(r.status == 0);
  }
  SUBCASE("L2 table") {
    const std::string p = MakeWrittenImage(dir);
    ImageLayout l(p);
    REQUIRE(l.l2 != 0);
    l.SetRefcount(p, l.l2, 0);
    ExpectRefusedUntouched(p, "refcount 0");
  }
  SUBCASE("a data cluster of another zone") {
    const std::string p = MakeWrittenImage(dir);
    ImageLayout l(p);
    const uint64_t data = ReadBE(p, l.l2, 8) & 0x00fffffffffffe00ull;
    REQUIRE(data != 0);
    l.SetRefcount(p, data, 0);
    ExpectRefusedUntouched(p, "the data cluster of guest offset 0 (host offset " + std::to_string(data) +
                                  ") has refcount 0");
  }
}

TEST_CASE("crafted: tables pointing at other metadata are refused for writing, file unchanged") {
  TestDir dir;
  SUBCASE("L1 entry pointing at the refcount block") {
    const std::string p = MakeWrittenImage(dir);
    ImageLayout l(p);
    WriteBE(p, l.l1, 8, l.refcount_block | kCopied);
    ExpectRefusedUntouched(p, "zonesim check");
  }
  SUBCASE("L2 entry pointing at the L2 table itself") {
    const std::string p = MakeWrittenImage(dir);
    ImageLayout l(p);
    WriteBE(p, l.l2, 8, l.l2 | kCopied);
    ExpectRefusedUntouched(p, "is both the L2 table of L1 entry 0 and the data cluster of guest offset 0");
  }
  SUBCASE("L2 entry pointing at the refcount block") {
    const std::string p = MakeWrittenImage(dir);
    ImageLayout l(p);
    WriteBE(p, l.l2, 8, l.refcount_block | kCopied);
    ExpectRefusedUntouched(p, "is both refcount block 0 and the data cluster of guest offset 0");
  }
}

TEST_CASE("crafted: a full file system reaches the user with the call, the file and the errno text") {
  TestDir dir;
  const std::string p = MakeWrittenImage(dir);
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  // RLIMIT_FSIZE at the current size: the first write that grows the file
  // fails with EFBIG (SIGXFSZ ignored), as a full disk fails with ENOSPC.
  const std::string cmd = "ulimit -f " + std::to_string(st.st_size / 512) + "; trap '' XFSZ; exec " +
                          ShellQuote(ZonesimBinary()) + " io " + ShellQuote(p) +
                          " -c 'write -P 0xcd 2M 64K' 2>&1";
  std::string out;
  const int status = RunShell(cmd, &out);
  INFO(out);
  CHECK(status == 1);
  CHECK(out.find("write failed: write of ") != std::string::npos);
  CHECK(out.find(p + " failed: File too large") != std::string::npos);
}

TEST_CASE("crafted: overflowing numbers") {
  TestDir dir;
  SUBCASE("fuzz --ops -5 is a usage error, not 2^64 - 5 operations") {
    ZonesimRun r = RunZonesim({"fuzz", "--ops", "-5"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--ops") != std::string::npos);
  }
  SUBCASE("replay of a sector >= 2^55 does not wrap to offset 0") {
    const std::string trace = dir.File("t.txt");
    // blkparse text: a write at sector 2^55 (36028797018963968).
    const std::string line = "  8,0    0        1     0.000000000  100  Q  WS 36028797018963968 + 8 [dd]\n";
    REQUIRE(WriteFileBytes(trace, line.data(), line.size()));
    ZonesimRun r = RunZonesim({"replay", trace, "--config", "size=4M,zone_size=1M", "--json"});
    INFO(r.out);
    INFO(r.err);
    CHECK(r.out.find("lba_out_of_range") != std::string::npos);
  }
}

TEST_CASE("crafted: create refuses a repeated option and a zone larger than the device") {
  TestDir dir;
  ZonesimRun r = RunZonesim({"create", dir.File("a.qcow2"), "-o", "size=4M,zone.size=1M", "-o", "size=8M"});
  CHECK(r.status == 2);
  CHECK(r.err.find("set the same option") != std::string::npos);
  r = RunZonesim({"create", dir.File("b.qcow2"), "-o", "size=4M,zone_size=1M,zone.size=2M"});
  CHECK(r.status == 2);
  r = RunZonesim({"create", dir.File("c.qcow2"), "-o", "size=4M,zone.size=8M"});
  CHECK(r.status == 2);
  CHECK(r.err.find("larger than the device size") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.File("a.qcow2")));
  CHECK_FALSE(std::filesystem::exists(dir.File("c.qcow2")));
}

TEST_CASE("crafted: --json stays valid UTF-8 for a file name that is not") {
  TestDir dir;
  const std::string p = MakeWrittenImage(dir, "name\xff.qcow2");
  ZonesimRun r = RunZonesim({"check", "--json", p});
  CHECK(r.status == 0);
  CHECK(r.out.find("name\\ufffd.qcow2") != std::string::npos);
  CHECK(r.out.find('\xff') == std::string::npos);
}

TEST_CASE("crafted: FIFOs are refused at once instead of hanging") {
  TestDir dir;
  const std::string fifo = dir.File("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"info", fifo}, {"check", fifo}, {"io", fifo, "-c", "zrp 0 1"},
        {"replay", fifo, "--config", "size=4M,zone_size=1M"}}) {
    ZonesimRun r = RunZonesim(args);
    INFO(args[0]);
    INFO(r.err);
    CHECK(r.status != 0);
    CHECK((r.out + r.err).find("not a regular file") != std::string::npos);
  }
}

TEST_CASE("crafted: a read-only file is reported through io without -r, and io -r never writes") {
  TestDir dir;
  const std::string p = MakeWrittenImage(dir);
  REQUIRE(::chmod(p.c_str(), 0444) == 0);
  const std::vector<uint8_t> before = ReadFileBytes(p);
  ZonesimRun r = RunZonesim({"io", p, "-c", "zrp 0 1", "-c", "read -P 0xab 0 4K"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("wptr 0x8") != std::string::npos);
  REQUIRE(::chmod(p.c_str(), 0644) == 0);
  r = RunZonesim({"io", p, "-r", "-c", "write -P 0x11 0 4K"});
  CHECK(r.status == 1);
  CHECK(r.out.find("read-only") != std::string::npos);
  CHECK(ReadFileBytes(p) == before);
  CHECK(RunZonesim({"io", p, "-U", "-c", "zrp 0 1"}).status == 2);  // -U needs -r
}

}  // namespace
}  // namespace zonesim::testing
