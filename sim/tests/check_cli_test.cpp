// `zonesim check` as a command ($ZONESIM_BINARY_DIR/sim/zonesim, set by
// ctest): exit codes as qemu-img check's, the worst of several images, JSON,
// read-only without --repair (bytes compared before and after), --repair,
// --conformance, --written-by, and usage errors.
#include <doctest/doctest.h>

#include "qcow2/tests/check_test_util.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim::checktest {
namespace {

using qcow2test::Quote;

int Zonesim(const std::string& args, std::string* out) {
  return qcow2test::Run(Quote(testing::ZonesimBinary()) + " " + args, out);
}

bool Has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

struct Images {
  testing::TestDir dir;
  std::string clean, leaky, corrupt, plain, junk;
  Images() {
    clean = dir.File("clean.qcow2");
    qcow2test::WriteAll(clean, ZonedImageBytes());
    Bytes b = ZonedImageBytes();
    b.resize(b.size() + 4096, 0);
    SetRefcount(b, b.size() - 4096, 1);
    leaky = dir.File("leaky.qcow2");
    qcow2test::WriteAll(leaky, b);
    Bytes c = ZonedImageBytes();
    const Layout l(c);
    StoreBE32(c.data() + l.zext + kNrZones, 13);
    corrupt = dir.File("corrupt.qcow2");
    qcow2test::WriteAll(corrupt, c);
    plain = dir.File("plain.qcow2");
    qcow2test::WriteAll(plain, PlainImageBytes());
    junk = dir.File("junk.bin");
    qcow2test::WriteAll(junk, Bytes(300, 7));
  }
};

TEST_CASE("cli check: exit codes as qemu-img check, the worst of several images") {
  Images im;
  std::string out;
  CHECK(Zonesim("check " + Quote(im.clean), &out) == 0);
  CHECK(Has(out, "exit 0 (no errors, no leaks)"));
  CHECK(Zonesim("check " + Quote(im.leaky), &out) == 3);
  CHECK(Has(out, "refcount.leak"));
  CHECK(Zonesim("check " + Quote(im.corrupt), &out) == 2);
  CHECK(Has(out, "zoned.nr_zones_mismatch"));
  CHECK(Zonesim("check " + Quote(im.junk), &out) == 1);
  CHECK(Has(out, "qcow2.not_qcow2"));
  CHECK(Zonesim("check " + Quote(im.clean) + " " + Quote(im.leaky), &out) == 3);
  CHECK(Zonesim("check " + Quote(im.leaky) + " " + Quote(im.corrupt) + " " + Quote(im.clean), &out) == 2);
  CHECK(Has(out, "exit 2 (the worst of 3 images)"));
  CHECK(Zonesim("check " + Quote(im.corrupt) + " " + Quote(im.junk), &out) == 1);
  CHECK(Zonesim("check " + Quote(im.dir.File("missing.qcow2")), &out) == 1);
  CHECK(Has(out, "io.unreadable"));
}

TEST_CASE("cli check: read-only without --repair, --repair fixes leaks") {
  Images im;
  std::string out;
  for (const std::string& path : {im.clean, im.leaky, im.corrupt, im.plain, im.junk}) {
    const Bytes before = qcow2test::ReadAll(path);
    Zonesim("check --strict --json " + Quote(path), &out);
    Zonesim("check " + Quote(path), &out);
    CHECK_MESSAGE(qcow2test::ReadAll(path) == before, path);
  }
  CHECK(Zonesim("check --repair " + Quote(im.leaky), &out) == 0);
  CHECK(Has(out, "before repair: 0 errors, 1 leaked cluster"));
  CHECK(Has(out, "repaired: lowered the refcount of 1 leaked clusters"));
  CHECK(Zonesim("check " + Quote(im.leaky), &out) == 0);
  // Corruption is not repaired, and the file is left alone.
  const Bytes before = qcow2test::ReadAll(im.corrupt);
  CHECK(Zonesim("check --repair " + Quote(im.corrupt), &out) == 2);
  CHECK(qcow2test::ReadAll(im.corrupt) == before);
}

TEST_CASE("cli check: --json") {
  Images im;
  std::string out;
  CHECK(Zonesim("check --json " + Quote(im.leaky) + " " + Quote(im.corrupt), &out) == 2);
  for (const char* s : {"\"images\": [", "\"id\": \"refcount.leak\"", "\"severity\": \"leak\"",
                        "\"id\": \"zoned.nr_zones_mismatch\"", "\"nr_zones\": 13", "\"expected\": 12",
                        "\"exit_code\": 3", "\"exit_code\": 2", "\"layout\": \"latest\""}) {
    CHECK_MESSAGE(Has(out, s), s);
  }
  CHECK(out.back() == '\n');
}

TEST_CASE("cli check: --conformance runs the suite on the image's geometry") {
  Images im;
  std::string out;
  const int code = Zonesim("check --conformance --seeds 1 --ops 300 " + Quote(im.clean), &out);
  INFO(out);
  CHECK(code == 0);
  CHECK(Has(out, "pass  zns seed 1 (300 operations)"));
  CHECK(Has(out, "pass  linux seed 1"));
  if (std::getenv("ZONESIM_SOURCE_DIR") != nullptr) {  // the golden script is the default
    CHECK(Has(out, "pass  linux basic.script"));
  }
  // The image has a zone capacity or an active limit, which ZBC does not
  // have: the zbc profile does not apply to it (issue 18), nothing fails.
  CHECK(Has(out, "pass  zbc (0 operations): not applicable: profile zbc: "));
  CHECK(Has(out, " failed\n"));
  CHECK(Has(out, ", 0 failed"));
  CHECK(Zonesim("check --conformance --json --seeds 1 --ops 100 " + Quote(im.clean), &out) == 0);
  CHECK(Has(out, "\"conformance\": {"));
  CHECK(Has(out, "\"failed\": 0"));
  // No geometry, no suite.
  CHECK(Zonesim("check --conformance --seeds 1 --ops 100 " + Quote(im.plain), &out) == 1);
  CHECK(Has(out, "not a zoned image"));
}

// The gate for another implementation: an image some implementation wrote by
// running a script is compared with the model after the same script. Here
// `zonesim io` plays the implementation under test.
TEST_CASE("cli check: --written-by compares an image with the model after the script that wrote it") {
  testing::TestDir dir;
  const std::string img = dir.File("z.qcow2");
  const std::string script = dir.File("ops.txt");
  const std::string ops =
      "write -P 0x11 0 64K\n"   // conventional zone 0
      "write -P 0x22 1M 64K\n"  // zone 1: CLOSED after the reopen
      "zo 2M 1M\n"
      "write -P 0x33 2M 4K\n"
      "zf 3M 1M\n"              // zone 3: FULL without data
      "write -P 0x44 4M 1M\n"   // zone 4: FULL with data
      "zap -p 5M 8K\n";
  REQUIRE(testing::WriteFileBytes(script, ops.data(), ops.size()));
  std::string out;
  REQUIRE(Zonesim("create " + Quote(img) +
                      " -o size=16M,zone.mode=host-managed,zone.size=1M,zone.conventional_zones=1,max_open_zones=2",
                  &out) == 0);
  REQUIRE(Zonesim("io " + Quote(img) + " < " + Quote(script), &out) == 0);
  const Bytes before = qcow2test::ReadAll(img);

  CHECK(Zonesim("check " + Quote(img) + " --written-by " + Quote(script), &out) == 0);
  CHECK(Has(out, "(linux profile, 7 operations): the image matches the model"));
  CHECK(Zonesim("check " + Quote(img) + " --written-by " + Quote(script) + " --profile zns --json", &out) == 0);
  CHECK(Has(out, "\"matches\": true"));
  CHECK(qcow2test::ReadAll(img) == before);  // compared through a private copy

  // The image holds more than the script wrote: zones 4 and 5 differ.
  const std::string shorter = dir.File("shorter.txt");
  const std::string first5 = ops.substr(0, ops.find("write -P 0x44"));
  REQUIRE(testing::WriteFileBytes(shorter, first5.data(), first5.size()));
  CHECK(Zonesim("check " + Quote(img) + " --written-by " + Quote(shorter), &out) == 2);
  CHECK(Has(out, "the image DIFFERS from the model"));
  CHECK(Has(out, "zone 4: model EMPTY wp=0x400000"));
  CHECK(Has(out, "image FULL wp=0x500000"));
  CHECK(Has(out, "zone 5: model EMPTY"));
  CHECK(Has(out, "active 2; image"));

  // Same zones, other bytes: the first differing byte is named.
  std::string other = ops;
  other.replace(other.find("0x22"), 4, "0x23");
  const std::string other_script = dir.File("other.txt");
  REQUIRE(testing::WriteFileBytes(other_script, other.data(), other.size()));
  CHECK(Zonesim("check " + Quote(img) + " --written-by " + Quote(other_script), &out) == 2);
  CHECK(Has(out, "zone 1: data differs at 0x100000 (model 0x23, image 0x22)"));

  // Scripts an image cannot record, and bad usage.
  const std::string inject = dir.File("inject.txt");
  const std::string inject_text = "inject readonly 2M\n";
  REQUIRE(testing::WriteFileBytes(inject, inject_text.data(), inject_text.size()));
  CHECK(Zonesim("check " + Quote(img) + " --written-by " + Quote(inject), &out) == 1);
  CHECK(Has(out, "not compared: the script injects READ ONLY/OFFLINE zones"));
  CHECK(Zonesim("check " + Quote(img) + " --written-by " + Quote(dir.File("missing.txt")), &out) == 1);
  CHECK(Has(out, "cannot read script file"));
  CHECK(Zonesim("check " + Quote(img) + " --written-by " + Quote(script) + " --profile nvme", &out) == 1);
  CHECK(Has(out, "unknown --profile 'nvme'"));
  CHECK(qcow2test::ReadAll(img) == before);
}

TEST_CASE("cli check: usage errors") {
  std::string out;
  CHECK(Zonesim("check", &out) == 1);
  CHECK(Has(out, "missing IMAGE"));
  CHECK(Zonesim("check --frobnicate x", &out) == 1);
  CHECK(Has(out, "unknown option '--frobnicate'"));
  CHECK(Zonesim("check --ops abc x", &out) == 1);
  CHECK(Zonesim("check --conformance --script /nonexistent x", &out) == 1);
  CHECK(Zonesim("check --help", &out) == 0);
  CHECK(Has(out, "Exit status"));
  CHECK(Zonesim("check --rules", &out) == 0);
  CHECK(Has(out, "zoned.wp_table_freed"));
  CHECK(Has(out, "(--strict)"));
}

}  // namespace
}  // namespace zonesim::checktest
