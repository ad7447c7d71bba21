// The committed fixtures are what PROVENANCE.md says: trace_fixture_gen
// regenerates the binary ones byte for byte, and blkparse (when installed)
// regenerates the text output and the dump from them.
#include <doctest/doctest.h>

#include <filesystem>

#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

const char* kGenerated[] = {
    "twocpu.blktrace.0",   "twocpu.blktrace.1",    "bigendian.blktrace.0", "zoned_v8.blktrace.0",
    "mismatch.blktrace.1", "truncated.blktrace.0", "badmagic.blktrace.0",  "zoned_v8.script",
};

TEST_CASE("trace_fixture_gen regenerates the committed fixtures exactly") {
  const std::string tool = BinaryDir() + "/traces/trace_fixture_gen";
  REQUIRE_MESSAGE(std::filesystem::exists(tool), (tool + " is missing (built with traces_tests)"));
  testing::TestDir t;
  std::string out;
  REQUIRE_MESSAGE(Run(tool + " " + t.path(), &out) == 0, out);
  for (const char* name : kGenerated) {
    CAPTURE(name);
    const std::string fresh = ReadFile(t.File(name));
    CHECK(!fresh.empty());
    CHECK(fresh == ReadFile(Fixture(name)));
  }
  CHECK_FALSE(std::filesystem::exists(t.File("mismatch.blktrace.0")));
}

TEST_CASE("blkparse regenerates the committed text output and dump") {
  if (!HaveTool("blkparse")) {
    MESSAGE("blkparse not installed: skipped");
    return;
  }
  testing::TestDir t;
  WriteFile(t.File("twocpu.blktrace.0"), ReadFile(Fixture("twocpu.blktrace.0")));
  WriteFile(t.File("twocpu.blktrace.1"), ReadFile(Fixture("twocpu.blktrace.1")));
  std::string out;
  REQUIRE(Run("cd " + t.path() + " && LC_ALL=C blkparse -i twocpu -o twocpu.blkparse.txt", &out) == 0);
  REQUIRE(Run("cd " + t.path() + " && LC_ALL=C blkparse -i twocpu -d twocpu.dump -o /dev/null", &out) == 0);
  CHECK(ReadFile(t.File("twocpu.blkparse.txt")) == ReadFile(Fixture("twocpu.blkparse.txt")));
  CHECK(ReadFile(t.File("twocpu.dump")) == ReadFile(Fixture("twocpu.dump")));
  // blkparse drops the mismatched fixture's records, which zonesim reads with a warning.
  WriteFile(t.File("mm.blktrace.0"), ReadFile(Fixture("twocpu.blktrace.0")));
  WriteFile(t.File("mm.blktrace.1"), ReadFile(Fixture("mismatch.blktrace.1")));
  Run("cd " + t.path() + " && blkparse -i mm -o /dev/null", &out);
  CHECK(out.find("cpu 1 trace info has error cpu 0") != std::string::npos);
}

}  // namespace
}  // namespace zonesim
