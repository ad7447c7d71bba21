// The lockstep checker's incremental comparison (issue 14): a device that
// changes a zone the operation did not address is found at the next complete
// comparison, at the end of a run at the latest, and the shrinker still ends
// at the one operation that does it.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/devices/model_device.h"
#include "sim/lockstep/lockstep.h"
#include "sim/lockstep/shrink.h"
#include "zoned/script.h"

namespace zonesim {
namespace {

// The model with the bug of the finish_neighbour mutant (qcow2/zoned/
// zoned_image.cpp): finishing a zone also fills the EMPTY zone after it.
class FinishNeighbourDevice final : public Device {
 public:
  explicit FinishNeighbourDevice(const DeviceConfig& c) : inner_(c) {}
  const DeviceConfig& config() const override { return inner_.config(); }
  std::string name() const override { return "finish-neighbour"; }
  ZoneStatus Read(uint64_t o, uint64_t l, uint8_t* out) override { return inner_.Read(o, l, out); }
  ZoneStatus Write(uint64_t o, uint64_t l, const Payload& d) override { return inner_.Write(o, l, d); }
  ZoneStatus Append(uint64_t z, uint64_t l, const Payload& d, uint64_t* a) override {
    return inner_.Append(z, l, d, a);
  }
  ZoneStatus Flush() override { return inner_.Flush(); }
  ZoneStatus Manage(ZoneAction action, uint64_t start) override {
    ZoneStatus s = inner_.Manage(action, start);
    const DeviceConfig& c = config();
    const uint32_t next = c.zone_index(start) + 1;
    if (action == ZoneAction::kFinish && s == ZoneStatus::kOk && next < c.nr_zones() &&
        inner_.model().zone(next).cond == ZoneCondition::kEmpty)
      s = inner_.Manage(ZoneAction::kFinish, c.zone_start(next));
    return s;
  }
  ZoneStatus ManageAll(ZoneAction a) override { return inner_.ManageAll(a); }
  ZoneStatus Report(uint64_t o, uint32_t n, ReportFilter f, std::vector<ZoneReportEntry>* out,
                    bool* partial) override {
    return inner_.Report(o, n, f, out, partial);
  }
  ZoneCounts Counts() override { return inner_.Counts(); }
  Status PowerCycle() override { return inner_.PowerCycle(); }
  ZoneStatus Inject(ZoneFault f, uint64_t z) override { return inner_.Inject(f, z); }
  Status Close() override { return inner_.Close(); }

 private:
  ModelDevice inner_;
};

DeviceConfig Config() {
  DeviceConfig c;
  REQUIRE(ParseDeviceConfig("size=16M,zone_size=1M,zone_capacity=1M,profile=zns", &c).ok());
  return c;
}

std::vector<Operation> Script(const std::string& text) {
  std::vector<Operation> ops;
  REQUIRE(ParseScript(text, &ops).ok());
  return ops;
}

// `zf 1M` (the bug fills zone 2), then writes to zone 8 only.
const char* kScript =
    "zf 1M 1M\n"
    "write -P 0x11 8M 4k\n"
    "write -P 0x12 8196k 4k\n"
    "write -P 0x13 8200k 4k\n"
    "write -P 0x14 8204k 4k\n"
    "write -P 0x15 8208k 4k\n";

}  // namespace

TEST_CASE("the default interval compares every zone every ceil(zones / 64) operations") {
  DeviceConfig c = Config();
  CHECK(DefaultFullCompareInterval(c) == 1);
  c.size = uint64_t{1000} * c.zone_size;
  CHECK(DefaultFullCompareInterval(c) == 16);
}

TEST_CASE("a change to a zone the operation did not address is found at the next complete comparison") {
  DeviceConfig c = Config();
  FinishNeighbourDevice device(c);
  LockstepChecker checker(c, &device, 16, /*full_compare_every=*/4);
  std::vector<Operation> ops = Script(kScript);
  size_t ran = 0;
  while (ran < ops.size() && checker.Step(ops[ran])) ++ran;
  REQUIRE(checker.divergence().has_value());
  const Divergence& d = *checker.divergence();
  CHECK(d.index == 3);  // the complete comparison after the 4th operation
  CHECK(d.what.find("zone 2:") != std::string::npos);
  CHECK(d.what.find("complete comparison") != std::string::npos);
  REQUIRE(d.zones.size() == 1);
  CHECK(d.zones[0].zone == 2);
  CHECK(checker.full_compares() == 1);
}

TEST_CASE("with --full-compare-every 1 it is found at the operation that does it") {
  DeviceConfig c = Config();
  FinishNeighbourDevice device(c);
  LockstepChecker checker(c, &device, 16, 1);
  CHECK_FALSE(checker.Step(Script(kScript)[0]));
  CHECK(checker.divergence()->index == 0);
}

TEST_CASE("Finish compares every zone at the end of a run shorter than the interval") {
  DeviceConfig c = Config();
  FinishNeighbourDevice device(c);
  LockstepChecker checker(c, &device, 16, 1000);
  for (const Operation& op : Script(kScript)) REQUIRE(checker.Step(op));
  CHECK_FALSE(checker.Finish());
  REQUIRE(checker.divergence().has_value());
  CHECK(checker.divergence()->index == 5);
}

TEST_CASE("a correct device passes the incremental and the complete comparisons") {
  DeviceConfig c = Config();
  ModelDevice device(c);
  LockstepChecker checker(c, &device, 16, 2);
  for (const Operation& op : Script(std::string(kScript) + "zrs 0 16M\npowercycle\nzo 4M 1M\n"))
    REQUIRE(checker.Step(op));
  CHECK(checker.Finish());
  CHECK(checker.full_compares() >= 4);
}

TEST_CASE("the shrinker ends at the one operation that changes the other zone") {
  DeviceConfig c = Config();
  auto fails = [&](const std::vector<Operation>& candidate) {
    FinishNeighbourDevice device(c);
    LockstepChecker checker(c, &device, 16, 1);
    for (const Operation& op : candidate)
      if (!checker.Step(op)) break;
    checker.Finish();
    return checker.divergence().has_value();
  };
  ShrinkResult r = ShrinkOperations(Script(kScript), fails, 1000);
  REQUIRE(r.ops.size() == 1);
  CHECK(FormatScriptLine(r.ops[0]).rfind("zf", 0) == 0);
}

}  // namespace zonesim
