// The deliberately broken builds of issue 15 are found by zonesim fuzz:
// - wp_before_data (the write-pointer entry made durable with the data, before
//   the data is) by a campaign with power losses, shrunk to a short reproducer;
// - reset_leaks (a reset frees the L2 entries but keeps the refcounts) by the
//   structural check of the image at the end of a campaign.
// The correct build passes the same campaigns (power_loss_cli_test.cpp).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <sys/wait.h>

#include "sim/tests/zonesim_binary.h"

namespace zonesim {
namespace {

struct Run {
  int status = -1;
  std::string out;
};

Run RunMutant(const std::string& name, const std::string& args) {
  const std::string bin = testing::BinaryDir() + "/sim/zonesim-mutant-" + name;
  REQUIRE(std::filesystem::exists(bin));
  Run r;
  FILE* p = popen((bin + " " + args + " 2>/dev/null </dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int w = pclose(p);
  REQUIRE(WIFEXITED(w));
  r.status = WEXITSTATUS(w);
  return r;
}

TEST_CASE("mutant wp_before_data: found by fuzz with power losses and shrunk") {
  Run r = RunMutant("wp_before_data", "fuzz --seed 1 --ops 3000 --power-loss-rate 0.02");
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(r.out.find("write pointer past durable data") != std::string::npos);
  const size_t at = r.out.find("minimal reproducer (");
  REQUIRE(at != std::string::npos);
  const int ops = std::stoi(r.out.substr(at + std::string("minimal reproducer (").size()));
  CHECK(ops <= 3);
  CHECK(r.out.find("powerloss") != std::string::npos);
}

TEST_CASE("mutant reset_leaks: found by the image check at the end of a campaign") {
  Run r = RunMutant("reset_leaks", "fuzz --seed 1 --ops 3000");
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(r.out.find("refcount.leak") != std::string::npos);
  CHECK(r.out.find("verdict: FAILED") != std::string::npos);
  // The correct build on the same campaign: no finding.
  testing::ZonesimRun ok = testing::RunZonesim({"fuzz", "--seed", "1", "--ops", "3000"});
  CHECK(ok.status == 0);
  CHECK(ok.out.find("refcount.leak") == std::string::npos);
}

}  // namespace
}  // namespace zonesim
