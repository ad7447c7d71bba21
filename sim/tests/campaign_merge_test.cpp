// MergeCampaign on shard files written by hand: divergences de-duplicated by
// their reproducer, coverage unioned, failures named with their cause.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "common/testing/test_files.h"
#include "sim/campaign/campaign_merge.h"
#include "sim/campaign/campaign_report.h"

namespace zonesim::testing {
namespace {

// A fuzz --json result in the shape cmd_fuzz.cpp writes (the fields merge reads).
std::string Result(uint64_t ops, const std::string& edges, const std::string& uncovered,
                   const std::string& repro = "") {
  std::string s = "{\"seed\": 1, \"operations\": " + std::to_string(ops) +
                  ", \"profile\": \"zns\", \"device\": \"dev\", \"op_counts\": {\"write\": " +
                  std::to_string(ops) + "}, \"status_counts\": {\"GOOD\": " + std::to_string(ops) +
                  "}, \"coverage\": {\"covered\": 1, \"total\": 3, \"percent\": 33.3, "
                  "\"uncovered\": [" + uncovered + "], \"unexpected\": [], \"edges\": {" + edges +
                  "}}";
  if (!repro.empty())
    s += ", \"divergence\": {\"what\": \"write pointer differs\", \"reproducer\": [" + repro +
         "]}, \"verdict\": \"divergence\"}";
  else
    s += ", \"verdict\": \"conforming\"}";
  return s;
}

void WriteShard(const TestDir& d, uint64_t i, const std::string& exit, const std::string& json,
           const std::string& err = "") {
  auto put = [&](const std::string& suffix, const std::string& text) {
    REQUIRE(WriteFileBytes(d.File(ShardFile(i, suffix)), text.data(), text.size()));
  };
  put(".exit", exit);
  put(".json", json);
  put(".stderr", err);
}

TEST_CASE("merge: findings by reproducer, coverage union, failed and missing shards") {
  TestDir d;
  std::filesystem::create_directories(d.File("shards"));
  PlanOptions o;
  o.zonesim = "/bin/false";
  o.first_seed = 10;
  o.last_seed = 15;
  o.profiles = {"zns"};
  o.configs = {""};
  o.ops = 5;
  CampaignPlan plan;
  REQUIRE(BuildPlan(o, &plan).ok());
  const std::string a = "\"EMPTY --write--> IMP_OPEN\": 2";
  const std::string b = "\"IMP_OPEN --close--> CLOSED\": 1";
  const std::string ua = "\"IMP_OPEN --close--> CLOSED\", \"CLOSED --reset--> EMPTY\"";
  const std::string ub = "\"EMPTY --write--> IMP_OPEN\", \"CLOSED --reset--> EMPTY\"";
  WriteShard(d, 0, "exit 0\n", Result(5, a, ua));
  WriteShard(d, 1, "exit 1\n", Result(3, b, ub, "\"zo 0\", \"zc 0\""));
  WriteShard(d, 2, "exit 1\n", Result(4, a, ua, "\"zo 0\", \"zc 0\""));  // the same finding
  WriteShard(d, 3, "exit 1\n", Result(2, a, ua, "\"zf 0\""));            // another one
  WriteShard(d, 4, "exit 2\n", "", "fuzz: 1/5 operations\nzonesim fuzz: cannot create the image\n");
  // Shard 5: no files at all.
  MergedCampaign m;
  REQUIRE(MergeCampaign(d.path(), plan, &m).ok());
  CHECK(m.done == 4);
  CHECK(m.failed == 1);
  CHECK(m.missing == 1);
  CHECK(m.operations == 14);
  CHECK(m.op_counts.at("write") == 14);
  REQUIRE(m.findings.size() == 2);
  CHECK(m.findings[0].shards == std::vector<uint64_t>{1, 2});
  CHECK(m.findings[0].seeds == std::vector<uint64_t>{11, 12});
  CHECK(m.findings[0].reproducer == std::vector<std::string>{"zo 0", "zc 0"});
  CHECK(m.findings[1].shards == std::vector<uint64_t>{3});
  const CoverageUnion& u = m.coverage.at("dev");
  CHECK(u.summary.covered == 2);
  CHECK(u.summary.total == 3);
  CHECK(u.summary.uncovered == std::vector<std::string>{"CLOSED --reset--> EMPTY"});
  CHECK(u.edges.at("EMPTY --write--> IMP_OPEN") == 6);
  CHECK(m.outcomes[4].reason == "exit 2: zonesim fuzz: cannot create the image");
  CHECK(m.outcomes[5].state == ShardOutcome::State::kMissing);
  CHECK(Verdict(m) == "divergence");
  const std::string text = MergedText(m);
  CHECK(text.find("6 shards: 4 done, 1 failed, 1 missing") != std::string::npos);
  CHECK(text.find("found by 2 shard(s): 1 (seed 11) 2 (seed 12)") != std::string::npos);
  CHECK(text.find("zonesim fuzz --config 'dev' --replay repro.script") != std::string::npos);
  const std::string junit = MergedJunit(m);
  CHECK(junit.find("tests=\"6\" failures=\"3\" errors=\"2\"") != std::string::npos);

  // A result that contradicts its exit status is a failure, not a finding.
  WriteShard(d, 0, "exit 1\n", Result(5, a, ua));
  WriteShard(d, 4, "signal 9\n", "");
  REQUIRE(MergeCampaign(d.path(), plan, &m).ok());
  CHECK(m.outcomes[0].state == ShardOutcome::State::kFailed);
  CHECK(m.outcomes[0].reason == "exit 1 disagrees with verdict 'conforming'");
  CHECK(m.outcomes[4].reason == "signal 9");
}

}  // namespace
}  // namespace zonesim::testing
