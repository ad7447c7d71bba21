// zonesim crash (issue 15 item 3): every crash state of a short script's
// power losses is tried and checked; the correct build passes them all, the
// wp_before_data mutant (write-pointer entries durable before the data) fails
// the states that keep its entry and drop its data, and each failure names
// the writes it dropped.
#include <doctest/doctest.h>

#include <string>

#include "common/testing/test_files.h"
#include "sim/lockstep/crash_states.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim {
namespace {

// Data written, one flush, then unsynced writes to two zones and a power loss.
constexpr const char* kScript =
    "write -P 0xaa 512K 64K\n"
    "flush\n"
    "write -P 0xbb 576K 8K\n"
    "zap -P 0xcc 768K 4K\n"
    "powerloss\n"
    "read -P 0xaa 512K 64K\n"
    "write -P 0xdd 1M 4K\n";

std::string ScriptFile(testing::TestDir& dir, const std::string& text) {
  const std::string path = dir.File("s.script");
  REQUIRE(testing::WriteFileBytes(path, text.data(), text.size()));
  return path;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_CASE("crash states: every subset while they fit, else prefixes then prefixes missing one write") {
  std::string how;
  auto all = CrashStatesOf(3, 8, &how);
  CHECK(how == "every subset");
  REQUIRE(all.size() == 8);
  CHECK(all[0].empty());
  CHECK(all[5] == std::vector<uint32_t>{0, 2});
  CHECK(all[7] == std::vector<uint32_t>{0, 1, 2});

  auto bounded = CrashStatesOf(3, 7, &how);
  CHECK(how == "prefixes, then prefixes missing one write");
  REQUIRE(bounded.size() == 7);
  CHECK(bounded[0].empty());
  CHECK(bounded[3] == std::vector<uint32_t>{0, 1, 2});
  CHECK(bounded[4] == std::vector<uint32_t>{1});     // write 1 overtook write 0
  CHECK(bounded[5] == std::vector<uint32_t>{1, 2});  // write 2 overtook write 0
  CHECK(bounded[6] == std::vector<uint32_t>{0, 2});  // write 2 overtook write 1

  CHECK(CrashStatesOf(0, 10, &how).size() == 1);  // nothing unsynced: one state
  CHECK(CrashStatesOf(40, 100, &how).size() == 100);
}

TEST_CASE("zonesim crash: the correct build survives every crash state of the window") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string script = ScriptFile(dir, kScript);
  testing::ZonesimRun r = testing::RunZonesim({"crash", script});
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("crash point 1: operation #4, 4 unsynced writes, every subset: 16 states, 0 failed") !=
        std::string::npos);
  CHECK(Count(r.out, "  write ") == 4);
  CHECK(r.out.find("write of 65536 bytes at offset 0x70000 (crash.qcow2)") != std::string::npos);
  CHECK(r.out.find("states: 16 tried, 0 failed") != std::string::npos);
  CHECK(r.out.find("verdict: CONFORMING") != std::string::npos);
  // Deterministic: the same output again (no temporary path in it).
  CHECK(testing::RunZonesim({"crash", script}).out == r.out);
}

TEST_CASE("zonesim crash: the wp_before_data mutant fails the states that keep the entry, not the data") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string script = ScriptFile(dir, kScript);
  testing::ZonesimRun r = testing::RunZonesim({"crash", script}, "", "zonesim-mutant-wp_before_data");
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(r.out.find("every subset: 64 states, 48 failed") != std::string::npos);
  // The first failure keeps only the write-pointer entry of zone 2.
  CHECK(r.out.find("FAIL keep 2 (dropped 0,1,3,4,5): operation #4: write pointer past durable data") !=
        std::string::npos);
  CHECK(r.out.find("repro.script:\n  write -P 0xaa 512K 64K") != std::string::npos);
  CHECK(r.out.find("  powerloss keep 2\n") != std::string::npos);
  CHECK(r.out.find("verdict: FAILED") != std::string::npos);

  // The reproducer replays the failure through zonesim fuzz.
  std::string repro = kScript;
  repro.replace(repro.find("powerloss\n"), 10, "powerloss keep 2\n");
  const std::string repro_path = dir.File("repro.script");
  REQUIRE(testing::WriteFileBytes(repro_path, repro.data(), repro.size()));
  testing::ZonesimRun f =
      testing::RunZonesim({"fuzz", "--replay", repro_path}, "", "zonesim-mutant-wp_before_data");
  CHECK(f.status == 1);
  CHECK(f.out.find("write pointer past durable data") != std::string::npos);
}

TEST_CASE("zonesim crash: a script without powerloss crashes at its end; bounded windows; JSON") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string script = ScriptFile(dir, "write -P 0x11 512K 8K\nwrite -P 0x22 520K 8K\nzap -P 0x33 768K 4K\n");
  testing::ZonesimRun r = testing::RunZonesim({"crash", script, "--max-states", "4", "--profile", "zns"});
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("profile zns") != std::string::npos);
  CHECK(r.out.find("crash point 1: operation #3, ") != std::string::npos);
  CHECK(r.out.find("prefixes, then prefixes missing one write: 4 states, 0 failed") != std::string::npos);

  testing::ZonesimRun j = testing::RunZonesim({"crash", script, "--json"});
  CHECK(j.status == 0);
  CHECK(j.out.find("\"verdict\": \"conforming\"") != std::string::npos);
  CHECK(j.out.find("\"unsynced_writes\": [") != std::string::npos);
}

TEST_CASE("zonesim crash: bad input is one line and exit 2") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string good = ScriptFile(dir, kScript);
  struct Bad {
    std::vector<std::string> args;
    std::string names;
  };
  const std::string bad_script = dir.File("bad.script");
  REQUIRE(testing::WriteFileBytes(bad_script, "write 0 banana\n", 15));
  const Bad cases[] = {
      {{"crash"}, "expected one SCRIPT"},
      {{"crash", dir.File("missing.script")}, "cannot read script file"},
      {{"crash", bad_script}, "bad.script"},
      {{"crash", good, "--max-states", "0"}, "--max-states"},
      {{"crash", good, "--profile", "nvme"}, "--profile"},
      {{"crash", good, "--config", "zone_size=3"}, "--config"},
      {{"crash", good, "--bogus"}, "bogus"},
  };
  for (const Bad& b : cases) {
    testing::ZonesimRun r = testing::RunZonesim(b.args);
    INFO(b.args.back() << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("zonesim crash: ", 0) == 0);
    CHECK(r.err.find(b.names) != std::string::npos);
    CHECK(Count(r.err, "\n") == 1);
  }
}

}  // namespace
}  // namespace zonesim
