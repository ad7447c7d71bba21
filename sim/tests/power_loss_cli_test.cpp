// zonesim fuzz and replay with power losses (issue 15): counted in the
// summary, deterministic, and bad option values are usage errors.
#include <doctest/doctest.h>

#include <fstream>

#include "sim/tests/zonesim_binary.h"

namespace zonesim {
namespace {

using testing::RunZonesim;
using testing::ZonesimRun;

TEST_CASE("fuzz --power-loss-rate: counted, conforming on zonesim's image, deterministic") {
  const std::string ops = std::to_string(testing::Scaled(3000, 3));
  for (const char* profile : {"linux", "zns", "zbc"}) {
    CAPTURE(profile);
    ZonesimRun a = RunZonesim({"fuzz", "--ops", ops, "--profile", profile, "--power-loss-rate", "0.02"});
    CHECK(a.status == 0);
    CHECK(a.out.find("power losses: ") != std::string::npos);
    CHECK(a.out.find("verdict: CONFORMING") != std::string::npos);
    ZonesimRun b = RunZonesim({"fuzz", "--ops", ops, "--profile", profile, "--power-loss-rate", "0.02"});
    CHECK(a.out == b.out);
  }
}

TEST_CASE("fuzz --power-loss-at: those operations are power losses; bad values are usage errors") {
  ZonesimRun r = RunZonesim({"fuzz", "--ops", "500", "--power-loss-at", "10,20", "--power-loss-at", "30"});
  CHECK(r.status == 0);
  CHECK(r.out.find("power losses: 3, states adopted: ") != std::string::npos);
  CHECK(r.out.find("  powerloss 3\n") != std::string::npos);
  CHECK(RunZonesim({"fuzz", "--power-loss-at", "x"}).status == 2);
  CHECK(RunZonesim({"fuzz", "--power-loss-rate", "2"}).status == 2);
  // Without power losses the summary is as it was.
  CHECK(RunZonesim({"fuzz", "--ops", "200"}).out.find("power losses") == std::string::npos);
}

TEST_CASE("fuzz --replay and replay run scripts with powerloss lines") {
  const std::string script = "/tmp/zonesim_power_loss_cli_test.script";
  {
    std::ofstream out(script);
    out << "write -P 0x11 512K 4K\nflush\nwrite -P 0x22 516K 4K\npowerloss torn 4K 5\nread 512K 8K\n"
           "powerloss reorder 9\npowerloss keepall\npowerloss\n";
  }
  ZonesimRun f = RunZonesim({"fuzz", "--replay", script});
  CHECK(f.status == 0);
  CHECK(f.out.find("power losses: 4") != std::string::npos);
  ZonesimRun r = RunZonesim({"replay", script, "--config", "size=4M,zone_size=256K", "--power-loss-at", "1"});
  CHECK(r.status == 0);
  CHECK(r.out.find("power losses: 1") != std::string::npos);
  CHECK(RunZonesim({"replay", script, "--power-loss-rate", "-1"}).status == 2);
}

}  // namespace
}  // namespace zonesim
