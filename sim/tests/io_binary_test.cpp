// The built `zonesim` binary: `zonesim io` with -c and with standard input,
// exit statuses 0 / 1 / 2, --coverage-out, and `zonesim demo`.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/testing/test_files.h"
#include "common/env.h"
#include "zoned/device_config.h"
#include "model/edge_coverage.h"
#include "sim/devices/image_setup.h"
#include "sim/tests/io_golden_util.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim {
namespace {

using Result = testing::ZonesimRun;
using testing::RunZonesim;

const std::string kSpec =
    "size=8M,zone_size=1M,zone_capacity=1M,conventional_zones=0,max_open_zones=1,"
    "max_active_zones=0,max_append_bytes=65536,profile=linux,implicit_close=fail";

}  // namespace

TEST_CASE("zonesim io -c: success exits 0") {
  Result r = RunZonesim({"io", "--model", kSpec, "-c", "write -P 0xaa 0 4k", "-c",
                         "read -P 0xaa 0 4k", "-c", "zap -p 0 4k", "-c", "zrp 0 2"});
  CHECK(r.err == "");
  CHECK(r.out ==
        "wrote 4096/4096 bytes at offset 0\n"
        "read 4096/4096 bytes at offset 0\n"
        "After zap done, the append sector is 0x8\n"
        "start: 0x0, len 0x800, cap 0x800, wptr 0x10, zcond:2, [type: 2]\n"
        "start: 0x800, len 0x800, cap 0x800, wptr 0x800, zcond:1, [type: 2]\n");
  CHECK(r.status == 0);
}

TEST_CASE("zonesim io -c: a failed command exits 1 and the run goes on") {
  // Open limit 1 with implicit close disabled: the second zone cannot open.
  Result r = RunZonesim({"io", "--model", kSpec, "-c", "write 0 4k", "-c", "write 1M 4k", "-c",
                         "read -P 0x11 0 512", "-c", "zrp 1M 1"});
  CHECK(r.out ==
        "wrote 4096/4096 bytes at offset 0\n"
        "write failed: Too many references: cannot splice (Too Many Open Zones, "
        "BLK_STS_ZONE_OPEN_RESOURCE)\n"
        "Pattern verification failed at offset 0, 512 bytes\n"
        "read 512/512 bytes at offset 0\n"
        "start: 0x800, len 0x800, cap 0x800, wptr 0x800, zcond:1, [type: 2]\n");
  CHECK(r.status == 1);
  CHECK(r.err == "");

  // A read -P mismatch alone is a failure.
  r = RunZonesim({"io", "--model", kSpec, "-c", "read -P 1 0 512"});
  CHECK(r.status == 1);
}

TEST_CASE("zonesim io: commands from standard input (the golden session)") {
  testing::Golden g = testing::LoadGolden("basic");
  Result r = RunZonesim({"io", "--model", g.model_spec}, g.script_path);
  // From a pipe, a prompt precedes each command read (and the end of input).
  testing::CheckSameLines(testing::StripPrompts(r.out), g.expected);
  CHECK(r.out.starts_with("qemu-io> "));
  CHECK(r.out.ends_with("qemu-io> "));
  CHECK(r.err == "");
  CHECK(r.status == 1);
}

TEST_CASE("zonesim io IMAGE: the golden session on a qcow2 image, and a missing image") {
  testing::Golden g = testing::LoadGolden("basic");
  DeviceConfig config;
  REQUIRE(ParseDeviceConfig(g.model_spec, &config).ok());
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string image = dir.path() + "/basic.qcow2";
  REQUIRE(CreateZonedImage(Env::Default(), image, config).ok());
  Result r = RunZonesim({"io", image, "--profile", "linux"}, g.script_path);
  testing::CheckSameLines(testing::StripPrompts(r.out), g.expected);
  CHECK(r.status == 1);

  // The image kept its state: a second run sees the zones the first left.
  r = RunZonesim({"io", image, "-c", "write -P 0x77 3M 4K", "-c", "zrp 3M 1"});
  CHECK(r.out ==
        "wrote 4096/4096 bytes at offset 3145728\n"
        "start: 0x1800, len 0x400, cap 0x300, wptr 0x1808, zcond:2, [type: 2]\n");
  CHECK(r.status == 0);

  // --config changes behaviour, never geometry.
  r = RunZonesim({"io", image, "--config", "zone_size=1M", "-c", "flush"});
  CHECK(r.status == 2);
  CHECK(r.err.starts_with("zonesim io: --config: geometry comes from the image"));
  r = RunZonesim({"io", image, "--profile", "zns", "--config", "full_wp=all_ones", "-c", "zf 3M 512K",
                  "-c", "zrp 3M 1"});
  CHECK(r.out == "start: 0x1800, len 0x400, cap 0x300, wptr 0xffffffffffffffff, zcond:14, [type: 2]\n");
  CHECK(r.status == 0);

  r = RunZonesim({"io", dir.path() + "/missing.qcow2", "-c", "flush"});
  CHECK(r.status == 2);
  CHECK(r.out == "");
  CHECK(r.err.starts_with("zonesim io: " + dir.path() + "/missing.qcow2: "));
  CHECK(r.err.find('\n') == r.err.size() - 1);
}

TEST_CASE("zonesim io: bad options and malformed commands exit 2 with one line") {
  auto one_line = [](const Result& r, bool ran_some = false) {
    CHECK(r.status == 2);
    if (!ran_some) CHECK(r.out == "");
    REQUIRE(!r.err.empty());
    CHECK(r.err.starts_with("zonesim io: "));
    CHECK(r.err.find('\n') == r.err.size() - 1);
  };
  one_line(RunZonesim({"io", "--bogus"}));
  one_line(RunZonesim({"io"}));                                  // no device
  one_line(RunZonesim({"io", "--model", kSpec, "img.qcow2"}));   // two devices
  one_line(RunZonesim({"io", "--model", "size=banana"}));
  one_line(RunZonesim({"io", "--model", "size=8M,zone_size=3M,zone_capacity=4M"}));
  one_line(RunZonesim({"io", "--model", kSpec, "--profile", "zns"}));
  one_line(RunZonesim({"io", "a.qcow2", "--coverage-out", "x"}));
  one_line(RunZonesim({"io", "--model"}));

  Result r = RunZonesim({"io", "--model", kSpec, "-c", "write 0 4k", "-c", "zo abc 1M"});
  one_line(r);
  CHECK(r.err == "zonesim io: command 2: zo: offset 'abc' is not a number\n");

  testing::TestDir dir;
  REQUIRE(dir.ok());
  std::string script = dir.path() + "/bad.script";
  FILE* f = std::fopen(script.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs("write 0 4k\n# fine\nzrp 0 x\n", f);
  std::fclose(f);
  r = RunZonesim({"io", "--model", kSpec}, script);
  one_line(r, /*ran_some=*/true);
  CHECK(r.err == "zonesim io: line 3: zrp: count 'x' is not a number\n");
  // Commands run as they are read: the session stops at the malformed line.
  CHECK(r.out == "qemu-io> wrote 4096/4096 bytes at offset 0\nqemu-io> qemu-io> ");

  // A binary file on standard input: bounded lines, one error, nothing run after it.
  f = std::fopen(script.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs("flush\n", f);
  for (int i = 0; i < 10000; ++i) std::fputc('\x01', f);
  std::fclose(f);
  r = RunZonesim({"io", "--model", kSpec}, script);
  one_line(r, /*ran_some=*/true);
  CHECK(r.err == "zonesim io: line 2: longer than 4096 characters\n");
  CHECK(r.out == "qemu-io> qemu-io> ");  // flush ran, silently

  // The last line needs no newline; a line of exactly 4096 characters is fine.
  f = std::fopen(script.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs(("write 0 4K" + std::string(4086, ' ') + "\nzrp 0 1").c_str(), f);
  std::fclose(f);
  r = RunZonesim({"io", "--model", kSpec}, script);
  CHECK(r.err == "");
  // From a pipe, as qemu-io: a prompt before each command is read.
  CHECK(r.out ==
        "qemu-io> wrote 4096/4096 bytes at offset 0\n"
        "qemu-io> start: 0x0, len 0x800, cap 0x800, wptr 0x8, zcond:2, [type: 2]\n"
        "qemu-io> ");
  CHECK(r.status == 0);
}

TEST_CASE("zonesim io --help documents the dialect and exits 0") {
  Result r = RunZonesim({"io", "--help"});
  CHECK(r.status == 0);
  CHECK(r.out.find("zrp OFFSET NR") != std::string::npos);
  CHECK(r.out.find("timing") != std::string::npos);
  CHECK(r.out.find("--coverage-out") != std::string::npos);
}

TEST_CASE("zonesim io --coverage-out writes the model's edge coverage") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  std::string path = dir.path() + "/coverage.txt";
  Result r = RunZonesim({"io", "--model", kSpec, "--coverage-out", path, "-c", "write 0 4k", "-c",
                         "zf 0 1M"});
  CHECK(r.status == 0);
  std::string text = testing::ReadTextFile(path);
  EdgeCoverage cov;
  REQUIRE(EdgeCoverage::Parse(text, &cov).ok());
  CHECK(cov.Count({ZoneCondition::kEmpty, Trigger::kWrite, ZoneCondition::kImplicitOpen}) == 1);
  CHECK(cov.Count({ZoneCondition::kImplicitOpen, Trigger::kFinish, ZoneCondition::kFull}) == 1);

  r = RunZonesim({"io", "--model", kSpec, "--coverage-out", dir.path() + "/no/such/dir/c.txt", "-c",
                  "flush"});
  CHECK(r.status == 2);
  CHECK(r.err.starts_with("zonesim io: --coverage-out: cannot write"));
}

TEST_CASE("zonesim demo: deterministic tour, exit 0") {
  Result a = RunZonesim({"demo"});
  CHECK(a.status == 0);
  CHECK(a.err == "");
  const char* lines[] = {
      "qemu-io> write -P 0xee 7M 768K\nwrote 786432/786432 bytes at offset 7340032\n",
      "start: 0x3800, len 0x800, cap 0x600, wptr 0x3e00, zcond:14, [type: 2]\n",
      "write failed: Input/output error (Zone Is Full, BLK_STS_IOERR)\n",
      "write failed: Value too large for defined data type (Too Many Active Zones, "
      "BLK_STS_ZONE_ACTIVE_RESOURCE)\n",
      "zone open failed: Too many references: cannot splice (Too Many Open Zones, "
      "BLK_STS_ZONE_OPEN_RESOURCE)\n",
      "zone close failed: Invalid argument\n",
      "After zap done, the append sector is 0x2880\n",
      "Pattern verification failed at offset 3145728, 4096 bytes\n",
      "IMP_OPEN --implicit_close--> CLOSED  x1\n",
      "State graph of the linux profile: covered ",
  };
  for (const char* l : lines) {
    INFO(l);
    CHECK(a.out.find(l) != std::string::npos);
  }
  Result b = RunZonesim({"demo"});
  CHECK(a.out == b.out);
  CHECK(RunZonesim({"demo", "--bogus"}).status == 2);
  CHECK(RunZonesim({"demo", "--help"}).status == 0);
}

}  // namespace zonesim

namespace zonesim {

// Issue 18: ZBC has no zone capacity and no active limit (zone-semantics.md):
// the zbc profile refuses both with one line naming the profile and the field.
TEST_CASE("zonesim io: profile=zbc refuses a zone capacity and an active limit") {
  const std::string base = "size=8M,zone_size=1M,max_open_zones=2,profile=zbc";
  Result cap = RunZonesim({"io", "--model", base + ",zone_capacity=768K", "-c", "zrp 0 1"});
  CHECK(cap.status == 2);
  CHECK(cap.out == "");
  CHECK(cap.err.find("profile zbc: zone_capacity 786432 below zone_size 1048576") !=
        std::string::npos);
  CHECK(std::count(cap.err.begin(), cap.err.end(), '\n') == 1);
  Result active = RunZonesim({"io", "--model", base + ",max_active_zones=3", "-c", "zrp 0 1"});
  CHECK(active.status == 2);
  CHECK(active.err.find("profile zbc: max_active_zones 3") != std::string::npos);
  // The same geometry is fine for linux, and zbc with neither is fine.
  CHECK(RunZonesim({"io", "--model", "size=8M,zone_size=1M,zone_capacity=768K,max_active_zones=3,"
                                     "max_open_zones=2,profile=linux",
                    "-c", "zrp 0 1"})
            .status == 0);
  CHECK(RunZonesim({"io", "--model", base, "-c", "zrp 0 1"}).status == 0);
}

}  // namespace zonesim

namespace zonesim {

// Issue 18: the version and the build, the same string in JSON reports.
TEST_CASE("zonesim --version and zonesim version") {
  Result a = RunZonesim({"--version"});
  Result b = RunZonesim({"version"});
  CHECK(a.status == 0);
  CHECK(a.err == "");
  CHECK(a.out == b.out);
  CHECK(a.out.rfind("zonesim 0.", 0) == 0);
  CHECK(a.out.find(" (git ") != std::string::npos);
  CHECK(a.out.size() > 2);
  CHECK(a.out.substr(a.out.size() - 2) == ")\n");
  const std::string version = a.out.substr(8, a.out.size() - 9);
  Result fuzz = RunZonesim({"fuzz", "--ops", "20", "--json"});
  CHECK(fuzz.out.find("\"zonesim_version\": \"" + version + "\"") != std::string::npos);
}

}  // namespace zonesim
