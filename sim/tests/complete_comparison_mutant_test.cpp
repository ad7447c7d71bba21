// The finish_neighbour mutant (qcow2/zoned/zoned_image.cpp: finishing a zone
// also fills the EMPTY zone after it) on a real image of 100,000 zones: the
// operation addresses zone 50,000, the image changes zone 50,001. The
// per-operation comparison cannot see it; the complete comparison finds it
// from the image's own account of its changed zones (ZoneTable pages), far
// outside the rotating window of untouched zones it also compares (issue 14).
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "common/testing/test_files.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim {
namespace {

const char* kConfig = "size=12500M,zone_size=128K,zone_capacity=128K,profile=zns";

std::string WriteScript(testing::TestDir& dir) {
  const std::string path = dir.File("script.txt");
  std::ofstream(path) << "zf 6400000K 128K\n"  // zone 50,000 (the mutant also fills 50,001)
                         "write -P 0x11 0 4k\n"
                         "write -P 0x12 4k 4k\n"
                         "write -P 0x13 8k 4k\n"
                         "write -P 0x14 12k 4k\n"
                         "write -P 0x15 16k 4k\n";
  return path;
}

TEST_CASE("mutant finish_neighbour: a change to an unaddressed zone of a 100,000-zone image is found") {
  testing::TestDir dir;
  const std::string script = WriteScript(dir);
  testing::ZonesimRun r = testing::RunZonesim(
      {"fuzz", "--replay", script, "--config", kConfig, "--full-compare-every", "4", "--no-shrink"}, "",
      "zonesim-mutant-finish_neighbour");
  INFO(r.out, r.err);
  CHECK(r.status == 1);
  CHECK(r.out.find("DIVERGENCE at operation 3") != std::string::npos);
  CHECK(r.out.find("zone 50001:") != std::string::npos);
  CHECK(r.out.find("found by the complete comparison (every 4 operations)") != std::string::npos);
  // Shrunk, it ends at the one operation that does it.
  testing::ZonesimRun s = testing::RunZonesim({"fuzz", "--replay", script, "--config", kConfig}, "",
                                              "zonesim-mutant-finish_neighbour");
  INFO(s.out);
  CHECK(s.status == 1);
  CHECK(s.out.find("minimal reproducer (1 operation") != std::string::npos);
  // The correct build agrees with the model on the same script.
  testing::ZonesimRun ok =
      testing::RunZonesim({"fuzz", "--replay", script, "--config", kConfig, "--full-compare-every", "4"});
  INFO(ok.out, ok.err);
  CHECK(ok.status == 0);
}

}  // namespace
}  // namespace zonesim
