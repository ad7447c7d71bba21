// Trace-input hints (issue 18 items 5 and 6): one CPU of a multi-CPU blktrace
// capture given alone is said on stderr and in the JSON warnings, naming the
// prefix that reads them all; a few records with a clock far off do not make
// the reported duration decades long.
#include <doctest/doctest.h>

#include <filesystem>

#include "common/testing/test_files.h"
#include "sim/replay/timestamp_span.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim {

TEST_CASE("replay: one per-CPU file of several is named, with the prefix that reads them all") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string fixtures = testing::SourceDir() + "/traces/fixtures/";
  for (const char* f : {"twocpu.blktrace.0", "twocpu.blktrace.1"})
    std::filesystem::copy_file(fixtures + f, dir.File(f));
  testing::ZonesimRun r = testing::RunZonesim({"replay", dir.File("twocpu.blktrace.0"), "--json"});
  INFO(r.err);
  CHECK(r.status == 0);
  const std::string warning = "1 of 2 per-CPU files given, so only those CPUs' records are read; give the prefix '" +
                              dir.File("twocpu") + "' to read them all";
  CHECK(r.err.find("zonesim replay: warning: " + dir.File("twocpu") + ".blktrace.*: " + warning) !=
        std::string::npos);
  CHECK(r.out.find(warning) != std::string::npos);  // in the JSON warnings too

  r = testing::RunZonesim({"replay", dir.File("twocpu.blktrace.0"), dir.File("twocpu.blktrace.1")});
  CHECK(r.status == 0);
  CHECK(r.err.find("per-CPU files given") == std::string::npos);
  r = testing::RunZonesim({"replay", dir.File("twocpu")});
  CHECK(r.err.find("per-CPU files given") == std::string::npos);
}

TEST_CASE("timestamps: the duration leaves out a clock decades off, and says so") {
  TimestampSpan t;
  for (uint64_t i = 0; i <= 30; ++i) t.Add(i * 1000000000ull);  // 0..30 s
  CHECK(t.duration_ns() == 30000000000ull);
  CHECK(t.Warning() == "");
  t.Add(1270000000ull * 1000000000ull);  // one CPU at ~1.27e9 s
  CHECK(t.duration_ns() == 30000000000ull);
  CHECK(t.outliers() == 1);
  CHECK(t.Warning().find("1 of 32 I/O events have timestamps far from the rest") == 0);
  t.Add(5000000000ull);  // back in time
  CHECK(t.backward_steps() == 1);
  CHECK(t.Warning().find("timestamps go backwards 1 times") != std::string::npos);
  // Spread within a factor of 1024 is one cluster: nothing is an outlier.
  TimestampSpan u;
  u.Add(1000);
  u.Add(900000);
  CHECK(u.duration_ns() == 899000);
  CHECK(u.outliers() == 0);
}

}  // namespace zonesim
