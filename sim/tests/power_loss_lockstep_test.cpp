// The lockstep checker at a power loss (issue 15), against a fake lossy
// device: two copies of the model, one answering reports (the zone state) and
// one answering reads (the data), each left by the power loss either keeping
// everything or losing every write since the last flush. Both losing is a
// legal crash state, which the checker must adopt; the mixes are the bugs it
// must name: data exposed past the write pointer, a write pointer past
// durable data; a device that reports a write pointer below the flushed one
// lost flushed data. The shrinker keeps the power loss, crash spec included.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/devices/model_device.h"
#include "sim/lockstep/lockstep.h"
#include "sim/lockstep/shrink.h"
#include "zoned/script.h"

namespace zonesim {
namespace {

enum class Outcome { kKeepAll, kLoseUnflushed };

// Makes m the state in which every zone lost every write since the last flush
// (the lowest write pointer the model allows), through the model's own API.
void LoseUnflushed(ZoneModel& m) {
  m.PowerLoss();
  const DeviceConfig& c = m.config();
  for (uint32_t z : m.PowerLossZones()) {
    if (c.is_conventional(z)) continue;
    for (uint64_t w = c.zone_start(z); w <= c.zone_start(z) + c.zone_length(z); w += c.block_size) {
      ZoneReportEntry e = m.zone(z);
      e.cond = w == c.zone_start(z) ? ZoneCondition::kEmpty : ZoneCondition::kClosed;
      e.wp = w;
      std::vector<RecoveredState> states = m.PowerLossStates(z, e);
      if (states.empty()) continue;
      m.AdoptPowerLossState(z, states.front());
      break;
    }
  }
  m.EndPowerLoss();
}

class LossyDevice final : public Device {
 public:
  LossyDevice(const DeviceConfig& c, Outcome state, Outcome data, uint64_t report_wp_drop = 0)
      : state_(c), data_(c), state_outcome_(state), data_outcome_(data), drop_(report_wp_drop) {}
  const DeviceConfig& config() const override { return state_.config(); }
  std::string name() const override { return "lossy"; }
  ZoneStatus Read(uint64_t o, uint64_t l, uint8_t* out) override { return data_.Read(o, l, out); }
  ZoneStatus Write(uint64_t o, uint64_t l, const Payload& d) override {
    data_.Write(o, l, d);
    return state_.Write(o, l, d);
  }
  ZoneStatus Append(uint64_t z, uint64_t l, const Payload& d, uint64_t* a) override {
    data_.Append(z, l, d, a);
    return state_.Append(z, l, d, a);
  }
  ZoneStatus Flush() override {
    data_.Flush();
    return state_.Flush();
  }
  ZoneStatus Manage(ZoneAction action, uint64_t start) override {
    data_.Manage(action, start);
    return state_.Manage(action, start);
  }
  ZoneStatus ManageAll(ZoneAction action) override {
    data_.ManageAll(action);
    return state_.ManageAll(action);
  }
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                    std::vector<ZoneReportEntry>* out, bool* partial) override {
    ZoneStatus s = state_.Report(offset, max_zones, filter, out, partial);
    if (lost_power_)
      for (ZoneReportEntry& e : *out)
        if (e.cond == ZoneCondition::kClosed) e.wp -= drop_;
    return s;
  }
  ZoneCounts Counts() override { return state_.Counts(); }
  Status PowerCycle() override {
    data_.PowerCycle();
    return state_.PowerCycle();
  }
  Status PowerLoss(const CrashSpec&) override {
    Apply(state_.model(), state_outcome_);
    Apply(data_.model(), data_outcome_);
    lost_power_ = true;
    return Status::Ok();
  }
  ZoneStatus Inject(ZoneFault f, uint64_t start) override {
    data_.Inject(f, start);
    return state_.Inject(f, start);
  }
  Status Close() override { return Status::Ok(); }

 private:
  static void Apply(ZoneModel& m, Outcome o) {
    if (o == Outcome::kKeepAll) m.PowerCycle();
    else LoseUnflushed(m);
  }
  ModelDevice state_, data_;
  Outcome state_outcome_, data_outcome_;
  uint64_t drop_;
  bool lost_power_ = false;
};

DeviceConfig Small(Profile p = Profile::kLinux) {
  DeviceConfig c;
  REQUIRE(ParseDeviceConfig("size=64K,zone_size=8K,max_append_bytes=4K,conventional_zones=1,profile=" +
                                std::string(to_string(p)),
                            &c)
              .ok());
  return c;
}

std::vector<Operation> Script(const std::string& text) {
  std::vector<Operation> ops;
  REQUIRE(ParseScript(text, &ops).ok());
  return ops;
}

// Written, flushed, written again, then the power is lost.
const char* kWriteFlushWrite =
    "write -P 0x11 8K 2K\n"
    "flush\n"
    "write -P 0x22 10K 1K\n"
    "write -P 0x33 0 1K\n"  // a conventional zone's block since the flush
    "powerloss torn 512 7\n";

std::string Run(LossyDevice& dev, const std::vector<Operation>& ops, LockstepChecker** out = nullptr) {
  static std::unique_ptr<LockstepChecker> keep;
  keep = std::make_unique<LockstepChecker>(dev.config(), &dev);
  for (const Operation& op : ops)
    if (!keep->Step(op)) break;
  keep->Finish();
  if (out) *out = keep.get();
  return keep->divergence() ? keep->divergence()->what : "";
}

TEST_CASE("power loss: the checker adopts a device that lost every unflushed write") {
  for (Profile p : {Profile::kLinux, Profile::kZns, Profile::kZbc}) {
    CAPTURE(to_string(p));
    LossyDevice dev(Small(p), Outcome::kLoseUnflushed, Outcome::kLoseUnflushed);
    LockstepChecker* checker = nullptr;
    std::vector<Operation> ops = Script(std::string(kWriteFlushWrite) + "read 8K 4K\nread 0 2K\nwrite 10K 1K\n");
    CHECK(Run(dev, ops, &checker) == "");
    CHECK(checker->power_losses() == 1);
    CHECK(checker->states_adopted() == 1);  // the sequential zone (the conventional one kept its block)
    CHECK(checker->model().zone(1).wp == 11 * 1024);  // the model went on from 10K
  }
}

TEST_CASE("power loss: a device that keeps everything is adopted without a state change") {
  LossyDevice dev(Small(), Outcome::kKeepAll, Outcome::kKeepAll);
  LockstepChecker* checker = nullptr;
  CHECK(Run(dev, Script(kWriteFlushWrite), &checker) == "");
  CHECK(checker->power_losses() == 1);
  CHECK(checker->states_adopted() == 0);
}

TEST_CASE("power loss: data exposed past the recovered write pointer") {
  LossyDevice dev(Small(), Outcome::kLoseUnflushed, Outcome::kKeepAll);
  CHECK(Run(dev, Script(kWriteFlushWrite)).rfind(
            "data exposed past what was written (zone 1: read back differs at 0x2800 above the "
            "recovered wp 0x2800",
            0) == 0);
}

TEST_CASE("power loss: a write pointer past durable data") {
  LossyDevice dev(Small(), Outcome::kKeepAll, Outcome::kLoseUnflushed);
  CHECK(Run(dev, Script(kWriteFlushWrite)).rfind(
            "write pointer past durable data (zone 1: read back differs at 0x2800 below the "
            "recovered wp 0x2c00",
            0) == 0);
}

TEST_CASE("power loss: flushed data lost") {
  LossyDevice dev(Small(), Outcome::kLoseUnflushed, Outcome::kLoseUnflushed, 1024);
  CHECK(Run(dev, Script(kWriteFlushWrite)) ==
        "flushed data lost (zone 1: wp 0x2400 below the durable wp 0x2800)");
}

TEST_CASE("power loss: a wp past what was ever written") {
  LossyDevice dev(Small(), Outcome::kKeepAll, Outcome::kKeepAll, uint64_t(0) - 1024);
  CHECK(Run(dev, Script(kWriteFlushWrite)).rfind(
            "data exposed past what was written (zone 1: wp 0x3000 past the write pointer before the "
            "loss 0x2c00)",
            0) == 0);
}

TEST_CASE("power loss: the shrinker keeps the power loss and its crash spec") {
  std::vector<Operation> ops = Script(
      "write -P 0x44 16K 1K\n"
      "zo 24K 8K\n"
      "write -P 0x11 8K 2K\n"
      "read 16K 1K\n"
      "flush\n"
      "write -P 0x22 10K 1K\n"
      "zc 24K 8K\n"
      "powerloss reorder 42\n"
      "read 8K 2K\n");
  auto fails = [](const std::vector<Operation>& candidate) {
    LossyDevice dev(Small(), Outcome::kKeepAll, Outcome::kLoseUnflushed);
    return !Run(dev, candidate).empty();
  };
  REQUIRE(fails(ops));
  ShrinkResult shrunk = ShrinkOperations(ops, fails);
  std::string script;
  for (const Operation& op : shrunk.ops) script += FormatScriptLine(op) + "\n";
  CHECK(script == "write -P 0x11 8K 2K\npowerloss reorder 42\n");
}

}  // namespace
}  // namespace zonesim
