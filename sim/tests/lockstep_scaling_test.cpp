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
// accounts: whether it answers ZonesNotInitial (from the model it wraps, so
// the zone it fills wrongly is named) or keeps no account (every zone compared).
class FinishNeighbourDevice final : public Device {
 public:
  explicit FinishNeighbourDevice(const DeviceConfig& c, bool accounts = true) : inner_(c), accounts_(accounts) {}
  bool ZonesNotInitial(std::vector<uint32_t>* out) override { return accounts_ && inner_.ZonesNotInitial(out); }
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
  bool accounts_;
};

// A correct device (the model) whose report of one zone it calls untouched
// is wrong: the bookkeeping-based complete comparison must still look at it
// (the rotating window), or a device's report of untouched zones would never
// be checked.
class WrongUntouchedReportDevice final : public Device {
 public:
  WrongUntouchedReportDevice(const DeviceConfig& c, uint32_t zone) : inner_(c), zone_(zone) {}
  const DeviceConfig& config() const override { return inner_.config(); }
  std::string name() const override { return "wrong-untouched-report"; }
  ZoneStatus Read(uint64_t o, uint64_t l, uint8_t* out) override { return inner_.Read(o, l, out); }
  ZoneStatus Write(uint64_t o, uint64_t l, const Payload& d) override { return inner_.Write(o, l, d); }
  ZoneStatus Append(uint64_t z, uint64_t l, const Payload& d, uint64_t* a) override {
    return inner_.Append(z, l, d, a);
  }
  ZoneStatus Flush() override { return inner_.Flush(); }
  ZoneStatus Manage(ZoneAction action, uint64_t start) override { return inner_.Manage(action, start); }
  ZoneStatus ManageAll(ZoneAction a) override { return inner_.ManageAll(a); }
  bool ZonesNotInitial(std::vector<uint32_t>* out) override { return inner_.ZonesNotInitial(out); }
  ZoneStatus Report(uint64_t o, uint32_t n, ReportFilter f, std::vector<ZoneReportEntry>* out,
                    bool* partial) override {
    ZoneStatus s = inner_.Report(o, n, f, out, partial);
    for (ZoneReportEntry& e : *out)
      if (e.start == config().zone_start(zone_)) e.capacity -= 4096;
    return s;
  }
  ZoneCounts Counts() override { return inner_.Counts(); }
  Status PowerCycle() override { return inner_.PowerCycle(); }
  ZoneStatus Inject(ZoneFault f, uint64_t z) override { return inner_.Inject(f, z); }
  Status Close() override { return inner_.Close(); }

 private:
  ModelDevice inner_;
  uint32_t zone_;
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

// Steps through ops until the checker diverges (or they run out).
void StepUntilDivergence(LockstepChecker& checker, const std::vector<Operation>& ops) {
  for (const Operation& op : ops)
    if (!checker.Step(op)) return;
}

// A zns device of `zones` zones of 1 MiB.
DeviceConfig LargeConfig(uint32_t zones) {
  DeviceConfig c;
  REQUIRE(ParseDeviceConfig("size=" + std::to_string(zones) + "M,zone_size=1M,zone_capacity=1M,profile=zns", &c).ok());
  return c;
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
  StepUntilDivergence(checker, ops);
  REQUIRE(checker.divergence().has_value());
  const Divergence& d = *checker.divergence();
  CHECK(d.index == 3);  // the complete comparison after the 4th operation
  CHECK(d.what.find("zone 2:") != std::string::npos);
  CHECK(d.what.find("complete comparison") != std::string::npos);
  REQUIRE(d.zones.size() == 1);
  CHECK(d.zones[0].zone == 2);
  CHECK(checker.full_compares() == 1);
}

TEST_CASE("a device that keeps no account of its changed zones gets every zone compared") {
  DeviceConfig c = Config();
  FinishNeighbourDevice device(c, /*accounts=*/false);
  LockstepChecker checker(c, &device, 16, 4);
  std::vector<Operation> ops = Script(kScript);
  StepUntilDivergence(checker, ops);
  REQUIRE(checker.divergence().has_value());
  CHECK(checker.divergence()->index == 3);
  CHECK(checker.divergence()->what.find("zone 2:") != std::string::npos);
}

TEST_CASE("the complete comparison of a large device compares the zones either side changed") {
  // 100,000 zones: the rotating window (kCompareWindow zones from zone 0)
  // does not reach zone 50,001, so only the accounts of the two devices can
  // name it.
  const DeviceConfig c = LargeConfig(100000);
  FinishNeighbourDevice device(c);
  LockstepChecker checker(c, &device, 16, /*full_compare_every=*/4);
  std::vector<Operation> ops = Script(
      "zf 50000M 1M\n"
      "write -P 0x11 8M 4k\n"
      "write -P 0x12 8196k 4k\n"
      "write -P 0x13 8200k 4k\n");
  StepUntilDivergence(checker, ops);
  REQUIRE(checker.divergence().has_value());
  CHECK(checker.divergence()->index == 3);
  CHECK(checker.divergence()->what.find("zone 50001:") != std::string::npos);
  CHECK(checker.divergence()->what.find("complete comparison") != std::string::npos);
}

TEST_CASE("a wrong report of a zone both sides call untouched is found by the rotating window") {
  const DeviceConfig c = LargeConfig(10000);
  // Zone 5000 lies outside the first window [0, 4096) and inside the second.
  WrongUntouchedReportDevice device(c, 5000);
  LockstepChecker checker(c, &device, 16, /*full_compare_every=*/1);
  const std::vector<Operation> ops = Script("write -P 0x11 8M 4k\nwrite -P 0x12 8196k 4k\nwrite -P 0x13 8200k 4k\n");
  CHECK(checker.Step(ops[0]));  // first window: zones 0..4095
  CHECK_FALSE(checker.Step(ops[1]));
  REQUIRE(checker.divergence().has_value());
  CHECK(checker.divergence()->what.find("zone 5000:") != std::string::npos);
}

TEST_CASE("Finish compares every zone even when both devices account for their changes") {
  // The wrong report of zone 9000 is outside every window the two complete
  // comparisons before Finish look at; Finish looks at every zone.
  const DeviceConfig c = LargeConfig(10000);
  WrongUntouchedReportDevice device(c, 9000);
  LockstepChecker checker(c, &device, 16, /*full_compare_every=*/1);
  const std::vector<Operation> ops = Script("write -P 0x11 8M 4k\nwrite -P 0x12 8196k 4k\n");
  for (const Operation& op : ops) REQUIRE(checker.Step(op));
  CHECK_FALSE(checker.Finish());
  REQUIRE(checker.divergence().has_value());
  CHECK(checker.divergence()->what.find("zone 9000:") != std::string::npos);
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
