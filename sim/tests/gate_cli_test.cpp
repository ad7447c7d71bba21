// zonesim gate and the --qemu-io options of fuzz: the battery conforms with
// zonesim io as the implementation, finds the deliberately broken build,
// refuses Debian's qemu-io/qemu-img 7.2 (no zoned driver) with exit 2 and the
// reason, and compares errnos through the declared vocabulary.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdlib>

#include "common/testing/test_files.h"
#include "sim/lockstep/status_match.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim {

using testing::RunZonesim;

TEST_CASE("gate: zonesim io as the implementation conforms on the whole matrix (JSON)") {
  const std::string z = testing::ZonesimBinary();
  testing::ZonesimRun r = RunZonesim({"gate", "--qemu-io", z + " io --profile {profile}", "--ops", "60", "--json"});
  INFO(r.err);
  INFO(r.out.substr(0, 2000));
  CHECK(r.status == 0);
  CHECK(r.out.find("\"verdict\": \"conforming\"") != std::string::npos);
  CHECK(r.out.find("\"name\": \"zns/zones-4g/seed1\"") != std::string::npos);
  CHECK(r.out.find("\"name\": \"linux/tiny-limits/seed1\"") != std::string::npos);
  CHECK(r.out.find("\"result\": \"failed\"") == std::string::npos);
}

TEST_CASE("gate: the deliberately broken build is found, with a reproducer, in text and JUnit") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const char* bin = std::getenv("ZONESIM_BINARY_DIR");
  REQUIRE(bin != nullptr);
  const std::string mutant = std::string(bin) + "/sim/zonesim-mutant-forget_closed_active io";
  const std::string junit = dir.path() + "/gate.xml";
  testing::ZonesimRun r = RunZonesim({"gate", "--qemu-io", mutant, "--ops", "400", "--junit", junit});
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(r.out.find("FAIL linux/default/seed1") != std::string::npos);
  CHECK(r.out.find("  lockstep.status: status differs") != std::string::npos);
  CHECK(r.out.find("the implementation alone:") != std::string::npos);
  CHECK(r.out.find("verdict: FINDINGS") != std::string::npos);
  const std::string xml = testing::ReadFileText(junit);
  CHECK(xml.find("<failure type=\"lockstep.status\"") != std::string::npos);
  CHECK(xml.find("name=\"linux/append-4k/seed1\"") != std::string::npos);
}

TEST_CASE("gate: Debian's qemu-io and qemu-img 7.2 have no zoned driver: exit 2 saying so") {
  testing::ZonesimRun r = RunZonesim({"gate", "--qemu-io", "qemu-io"});
  CHECK(r.status == 2);
  CHECK(r.out == "");
  CHECK(r.err.find("zonesim gate: zone commands not supported: this qemu-io has no zoned qcow2 driver") == 0);
  CHECK(r.err.find("Unsupported qcow2 feature") != std::string::npos);
  r = RunZonesim({"gate", "--qemu-io", "qemu-io", "--qemu-img", "qemu-img"});
  CHECK(r.status == 2);
  CHECK(r.err.find("zone options not supported: this qemu-img has no zoned qcow2 driver") != std::string::npos);
}

TEST_CASE("gate and fuzz --qemu-io: usage errors are one line and exit 2") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"gate"}, {"gate", "--qemu-io", "x", "--errno", "sometimes"},
        {"gate", "--qemu-io", "'unterminated"}, {"gate", "--qemu-io", "x", "--seeds", "5..1"},
        {"gate", "--qemu-io", "x", "--profiles", "nvme"}, {"fuzz", "--qemu-img", "qemu-img"},
        {"fuzz", "--qemu-io", "x", "--timeout", "0"}}) {
    testing::ZonesimRun r = RunZonesim(args);
    CAPTURE(args.size());
    CHECK(r.status == 2);
    CHECK(r.err.find('\n') == r.err.size() - 1);
  }
  // A script with something qemu-io cannot say is refused before anything runs.
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string script = dir.path() + "/s.script";
  const std::string text = "write -P 1 256K 4K\nwrite -S 7 260K 4K\n";
  REQUIRE(testing::WriteFileBytes(script, text.data(), text.size()));
  testing::ZonesimRun r =
      RunZonesim({"fuzz", "--replay", script, "--qemu-io", testing::ZonesimBinary() + " io"});
  CHECK(r.status == 2);
  CHECK(r.err.find("operation 2 (write -S 7 260K 4K): write -S (seeded data) has no qemu-io form") !=
        std::string::npos);
}

TEST_CASE("status match: success exact, errnos through the declared vocabulary") {
  StatusMatch exact{true, ErrnoComparison::kExact, ErrnoVocabulary::kLinuxBlock};
  StatusMatch qemu{true, ErrnoComparison::kQemu, ErrnoVocabulary::kLinuxBlock};
  StatusMatch ignore{true, ErrnoComparison::kIgnore, ErrnoVocabulary::kLinuxBlock};
  // An external device's EINVAL is kInvalidField, its EIO kLbaOutOfRange.
  CHECK(DescribeStatusDifference(ZoneStatus::kOk, ZoneStatus::kInvalidField, ignore) == "status differs");
  CHECK(DescribeStatusDifference(ZoneStatus::kZoneIsFull, ZoneStatus::kOk, ignore) == "status differs");
  CHECK(DescribeStatusDifference(ZoneStatus::kZoneIsFull, ZoneStatus::kLbaOutOfRange, exact) == "");
  const std::string d = DescribeStatusDifference(ZoneStatus::kZoneInvalidWrite, ZoneStatus::kInvalidField, exact);
  CHECK(IsErrnoDifference(d));
  CHECK(d.find("Input/output error") != std::string::npos);
  CHECK(DescribeStatusDifference(ZoneStatus::kZoneInvalidWrite, ZoneStatus::kInvalidField, qemu) == "");
  CHECK(IsErrnoDifference(DescribeStatusDifference(ZoneStatus::kTooManyOpenZones, ZoneStatus::kInvalidField, qemu)));
  CHECK(DescribeStatusDifference(ZoneStatus::kTooManyOpenZones, ZoneStatus::kInvalidField, ignore) == "");
  // zonesim's own devices: exact statuses.
  CHECK(DescribeStatusDifference(ZoneStatus::kZoneIsFull, ZoneStatus::kLbaOutOfRange, StatusMatch{}) ==
        "status differs");
}

}  // namespace zonesim
