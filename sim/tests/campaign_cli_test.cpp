// zonesim campaign end to end on this machine: plan, run, shard, merge.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "sim/tests/zonesim_binary.h"

namespace zonesim::testing {
namespace {

// Operations a shard: 800, 200 under the sanitizers (8 shards, run up to 4 times a test).
constexpr uint64_t kShardOps = Scaled(800, 4);

std::string Plan(const TestDir& d, const std::string& name, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"campaign", "plan", "--seeds", "3..6", "--profiles", "zbc,linux",
                                   "--ops", std::to_string(kShardOps), "-o", d.File(name)};
  args.insert(args.end(), extra.begin(), extra.end());
  ZonesimRun r = RunZonesim(args);
  INFO(r.err);
  REQUIRE(r.status == 0);
  return d.File(name);
}

// A second directory holding the same plan, for the same shards run another way.
std::string Copy(const TestDir& d, const std::string& from, const std::string& name) {
  std::filesystem::create_directories(d.File(name) + "/shards");
  std::filesystem::copy_file(from + "/plan.json", d.File(name) + "/plan.json");
  return d.File(name);
}

TEST_CASE("campaign: the merged report is the same for 1 or 2 jobs and any shard order") {
  TestDir d;
  const std::string a = Plan(d, "a");
  const std::string b = Copy(d, a, "b");
  const std::string c = Copy(d, a, "c");
  REQUIRE(RunZonesim({"campaign", "run", a, "--jobs", "1"}).status == 0);
  REQUIRE(RunZonesim({"campaign", "run", b, "--jobs", "2"}).status == 0);
  for (int i = 7; i >= 0; --i)  // one shard at a time, backwards
    REQUIRE(RunZonesim({"campaign", "shard", c, std::to_string(i)}).status == 0);
  for (const char* form : {"--json", "--text"}) {
    std::vector<std::string> args = {"campaign", "merge", a};
    if (std::string(form) == "--json") args.push_back(form);
    ZonesimRun ra = RunZonesim(args);
    args[2] = b;
    ZonesimRun rb = RunZonesim(args);
    args[2] = c;
    ZonesimRun rc = RunZonesim(args);
    CHECK(ra.status == 0);
    CHECK(ra.out == rb.out);
    CHECK(ra.out == rc.out);
  }
  ZonesimRun text = RunZonesim({"campaign", "merge", a});
  CHECK(text.out.find("8 shards: 8 done, 0 failed, 0 missing") != std::string::npos);
  CHECK(text.out.find("operations: " + std::to_string(8 * kShardOps) + "\n") != std::string::npos);
  CHECK(text.out.find("verdict: conforming") != std::string::npos);
  // Two devices (zbc and linux), each with its union of coverage.
  size_t n = 0;
  for (size_t p = 0; (p = text.out.find("edge coverage, union", p)) != std::string::npos; ++p) ++n;
  CHECK(n == 2);
}

TEST_CASE("campaign: failed and missing shards are named, never skipped") {
  TestDir d;
  // A pass-through rate fuzz refuses: every shard fails with fuzz's message.
  const std::string bad = Plan(d, "bad", {"--", "--power-cycle-rate", "2"});
  CHECK(RunZonesim({"campaign", "run", bad, "--jobs", "2"}).status == 1);
  ZonesimRun r = RunZonesim({"campaign", "merge", bad});
  CHECK(r.status == 1);
  CHECK(r.out.find("8 shards: 0 done, 8 failed, 0 missing") != std::string::npos);
  CHECK(r.out.find("failed: shard 0 (seed 3, profile zbc): exit 2: zonesim fuzz: rates must lie") !=
        std::string::npos);
  CHECK(r.out.find("verdict: incomplete") != std::string::npos);

  // Shards 1 and 6 never finish (no exit record); the others are done.
  const std::string part = Plan(d, "part");
  REQUIRE(RunZonesim({"campaign", "run", part}).status == 0);
  std::filesystem::remove(part + "/shards/000001.exit");
  std::filesystem::remove(part + "/shards/000006.exit");
  const std::string junit = d.File("merge.xml");
  r = RunZonesim({"campaign", "merge", part, "--junit", junit});
  CHECK(r.status == 1);
  CHECK(r.out.find("8 shards: 6 done, 0 failed, 2 missing") != std::string::npos);
  CHECK(r.out.find("missing: shard 1 (seed 4, profile zbc): no exit record") != std::string::npos);
  CHECK(r.out.find("missing: shard 6 (seed 5, profile linux)") != std::string::npos);
  const std::string xml = ReadFileText(junit);
  CHECK(xml.find("tests=\"8\" failures=\"0\" errors=\"2\"") != std::string::npos);
  // --missing runs exactly the two again; then the campaign is complete.
  ZonesimRun resume = RunZonesim({"campaign", "run", part, "--missing"});
  CHECK(resume.err.find("2 shards run") != std::string::npos);
  CHECK(RunZonesim({"campaign", "merge", part}).status == 0);
}

TEST_CASE("campaign: a shard run by a deliberately broken build is a finding in the merge") {
  TestDir d;
  const std::string mutant = BinaryDir() + "/sim/zonesim-mutant-forget_closed_active";
  REQUIRE(std::filesystem::exists(mutant));
  ZonesimRun plan = RunZonesim({"campaign", "plan", "--seeds", "1..2", "--profiles", "linux", "--ops", "3000",
                                "--zonesim", mutant, "-o", d.File("m")});
  INFO(plan.err);
  REQUIRE(plan.status == 0);
  CHECK(RunZonesim({"campaign", "run", d.File("m"), "--jobs", "2"}).status == 1);
  ZonesimRun r = RunZonesim({"campaign", "merge", d.File("m")});
  CHECK(r.status == 1);
  CHECK(r.out.find("2 shards: 2 done, 0 failed, 0 missing") != std::string::npos);
  CHECK(r.out.find("finding 1: open/active counts differ") != std::string::npos);
  CHECK(r.out.find("found by 1 shard(s): 0 (seed 1)") != std::string::npos);
  CHECK(r.out.find("verdict: divergence") != std::string::npos);
}

TEST_CASE("campaign plan: the plan and the sbatch script") {
  TestDir d;
  const std::string dir = Plan(d, "p", {"--", "--cluster-size", "4096"});
  const std::string plan = ReadFileText(dir + "/plan.json");
  // Every shard's exact command line, the pass-through arguments last.
  CHECK(plan.find("\"--seed\",\n        \"3\",\n        \"--ops\",\n        \"" + std::to_string(kShardOps) + "\",\n"
                  "        \"--profile\",\n        \"zbc\",\n        \"--json\",\n"
                  "        \"--junit\",\n        \"shards/000000.junit.xml\",\n"
                  "        \"--cluster-size\",\n        \"4096\"\n") != std::string::npos);
  const std::string script = ReadFileText(dir + "/campaign.sbatch");
  CHECK(script.find("#SBATCH --array=0-7\n") != std::string::npos);
  CHECK(script.find("#SBATCH --chdir=" + dir + "\n") != std::string::npos);
  CHECK(script.find(" campaign shard '" + dir + "' \"$SLURM_ARRAY_TASK_ID\"\n") !=
        std::string::npos);
  // The plan is refused, with one line, where it would be wrong.
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--seeds", "9..2"}, {"--seeds", "1..2", "--profiles", "nvme"},
        {"--seeds", "1..2", "--", "--seed", "4"}, {"--seeds", "1..2", "--", "--json"}}) {
    std::vector<std::string> args = {"campaign", "plan", "-o", d.File("x")};
    args.insert(args.end(), bad.begin(), bad.end());
    ZonesimRun r = RunZonesim(args);
    CHECK(r.status == 2);
    CHECK(r.err.find("zonesim campaign: ") == 0);
    CHECK(!std::filesystem::exists(d.File("x")));
  }
  ZonesimRun again = RunZonesim({"campaign", "plan", "--seeds", "1", "-o", dir});
  CHECK(again.status == 2);
  CHECK(again.err.find("already exists") != std::string::npos);
}

}  // namespace
}  // namespace zonesim::testing
