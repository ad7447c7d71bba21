// Power loss (zone_model_power_loss.cpp): the set of states a zone may come
// back in, the messages for states outside it, and adoption.
#include <doctest/doctest.h>

#include <algorithm>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;

ZoneReportEntry Entry(const ZoneModel& m, uint32_t z, C cond, uint64_t wp) {
  ZoneReportEntry e = m.zone(z);
  e.cond = cond;
  e.wp = wp;
  return e;
}

ZoneModel Linux(ManageDurability d = ManageDurability::kCompletion) {
  DeviceConfig c = SmallConfig(Profile::kLinux, 4);
  c.params.manage_durability = d;
  return ZoneModel(c);
}

void WriteBlocks(ZoneModel& m, uint32_t z, uint64_t blocks, uint64_t seed) {
  const uint64_t wp = m.internal_wp(z);
  REQUIRE(m.Write(wp, blocks * kBlock, Payload::Seeded(seed)) == S::kOk);
}

TEST_CASE("power loss: the wp comes back between the durable wp and the wp before the loss") {
  ZoneModel m = Linux();
  WriteBlocks(m, 1, 2, 1);
  REQUIRE(m.Flush() == S::kOk);
  WriteBlocks(m, 1, 3, 2);  // wp = start + 5 blocks, 2 durable
  m.PowerLoss();
  CHECK(m.PowerLossZones() == std::vector<uint32_t>{1});
  // Keeping everything is the state the model comes back in.
  CHECK(m.zone(1).cond == C::kClosed);
  CHECK(m.zone(1).wp == Start(1) + 5 * kBlock);
  for (uint64_t b = 2; b <= 5; ++b) {
    auto states = m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + b * kBlock));
    REQUIRE(states.size() == 1);
    CHECK(states[0].wp == Start(1) + b * kBlock);
  }
  // Below the durable wp, above the wp before the loss, off a block boundary.
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + kBlock)).empty());
  CHECK(m.PowerLossRefusal(1, Entry(m, 1, C::kClosed, Start(1) + kBlock)) ==
        "flushed data lost (zone 1: wp 0x2200 below the durable wp 0x2400)");
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 6 * kBlock)).empty());
  CHECK(m.PowerLossRefusal(1, Entry(m, 1, C::kClosed, Start(1) + 6 * kBlock)).rfind(
            "data exposed past what was written (zone 1: wp 0x2c00 past the write pointer", 0) == 0);
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 2 * kBlock + 1)).empty());
  CHECK(m.PowerLossRefusal(1, Entry(m, 1, C::kClosed, Start(1) + 2 * kBlock + 1)).rfind(
            "write pointer not at a logical-block boundary", 0) == 0);
  // Conditions as after any power cycle: an open zone is not allowed.
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kImplicitOpen, Start(1) + 3 * kBlock)).empty());
}

TEST_CASE("power loss: adopting a shorter wp keeps exactly the prefix of the data") {
  ZoneModel m = Linux();
  WriteBlocks(m, 1, 2, 1);
  REQUIRE(m.Flush() == S::kOk);
  WriteBlocks(m, 1, 3, 2);
  m.PowerLoss();
  auto states = m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 3 * kBlock));
  REQUIRE(states.size() == 1);
  CHECK(m.AdoptPowerLossState(1, states[0]));  // something was lost
  m.EndPowerLoss();
  CHECK(m.zone(1).wp == Start(1) + 3 * kBlock);
  std::vector<uint8_t> got(4 * kBlock), want(3 * kBlock);
  REQUIRE(m.Read(Start(1), 4 * kBlock, got.data()) == S::kOk);
  Payload::Seeded(1).Generate(0, 2 * kBlock, want.data());
  Payload::Seeded(2).Generate(0, kBlock, want.data() + 2 * kBlock);
  CHECK(std::vector<uint8_t>(got.begin(), got.begin() + 3 * kBlock) == want);
  CHECK(std::all_of(got.begin() + 3 * kBlock, got.end(), [](uint8_t b) { return b == 0; }));
  // The model continues from the adopted state: the next write goes there.
  CHECK(m.Write(Start(1) + 3 * kBlock, kBlock, Payload::Seeded(3)) == S::kOk);
  CHECK(m.counts() == Recount(m));
}

TEST_CASE("power loss: everything lost comes back EMPTY when nothing was flushed") {
  ZoneModel m = Linux();
  WriteBlocks(m, 2, 4, 1);
  m.PowerLoss();
  auto states = m.PowerLossStates(2, Entry(m, 2, C::kEmpty, Start(2)));
  REQUIRE(states.size() == 1);
  m.AdoptPowerLossState(2, states[0]);
  m.EndPowerLoss();
  CHECK(m.zone(2).cond == C::kEmpty);
  CHECK(m.zone_data(2).empty());
  CHECK(m.counts() == Recount(m));
}

TEST_CASE("power loss: a flush, a power cycle and an injected fault make the zone durable") {
  ZoneModel m = Linux();
  WriteBlocks(m, 1, 2, 1);
  REQUIRE(m.Flush() == S::kOk);
  m.PowerLoss();
  CHECK(m.PowerLossZones().empty());
  WriteBlocks(m, 1, 1, 2);
  m.PowerCycle();
  m.PowerLoss();
  CHECK(m.PowerLossZones().empty());
  WriteBlocks(m, 2, 1, 3);
  REQUIRE(m.Inject(ZoneFault::kReadOnly, Start(2)) == S::kOk);
  m.PowerLoss();
  CHECK(m.PowerLossZones().empty());
}

TEST_CASE("power loss: a full zone comes back FULL or as a prefix of its writes") {
  ZoneModel m = Linux();
  WriteBlocks(m, 1, 16, 1);  // written up to the capacity
  m.PowerLoss();
  CHECK(m.PowerLossStates(1, m.zone(1)).size() == 1);  // FULL, as it is
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 7 * kBlock)).size() == 1);
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kEmpty, Start(1))).size() == 1);
}

TEST_CASE("power loss: reset since the flush, manage_durability=completion") {
  ZoneModel m = Linux(ManageDurability::kCompletion);
  WriteBlocks(m, 1, 4, 1);
  REQUIRE(m.Flush() == S::kOk);
  REQUIRE(m.Manage(ZoneAction::kReset, Start(1)) == S::kOk);
  WriteBlocks(m, 1, 2, 2);
  m.PowerLoss();
  // The reset is durable: the old data cannot come back, the new may be lost.
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 4 * kBlock)).empty());
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kEmpty, Start(1))).size() == 1);
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + kBlock)).size() == 1);
}

TEST_CASE("power loss: reset since the flush, manage_durability=next_flush") {
  ZoneModel m = Linux(ManageDurability::kNextFlush);
  WriteBlocks(m, 1, 4, 1);
  REQUIRE(m.Flush() == S::kOk);
  REQUIRE(m.Manage(ZoneAction::kReset, Start(1)) == S::kOk);
  WriteBlocks(m, 1, 2, 2);
  m.PowerLoss();
  // The reset may be lost: the zone as of the flush is allowed too.
  auto states = m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 4 * kBlock));
  REQUIRE(states.size() == 1);
  CHECK(states[0].segment == 0);
  // wp 1 block: a prefix of the writes after the reset, or (reset lost) a
  // wp below the flushed one: only the first.
  states = m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + kBlock));
  REQUIRE(states.size() == 1);
  CHECK(states[0].segment == 1);
  CHECK(m.PowerLossRefusal(1, Entry(m, 1, C::kClosed, Start(1) + 5 * kBlock)).rfind(
            "data exposed past what was written", 0) == 0);
  m.AdoptPowerLossState(1, m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 4 * kBlock))[0]);
  m.EndPowerLoss();
  std::vector<uint8_t> got(4 * kBlock), want(4 * kBlock);
  REQUIRE(m.Read(Start(1), 4 * kBlock, got.data()) == S::kOk);
  Payload::Seeded(1).Generate(0, 4 * kBlock, want.data());
  CHECK(got == want);  // the data as of the flush, back
}

TEST_CASE("power loss: finish since the flush, both durabilities") {
  for (ManageDurability d : {ManageDurability::kCompletion, ManageDurability::kNextFlush}) {
    CAPTURE(to_string(d));
    ZoneModel m = Linux(d);
    WriteBlocks(m, 1, 2, 1);
    REQUIRE(m.Flush() == S::kOk);
    WriteBlocks(m, 1, 2, 2);
    REQUIRE(m.Manage(ZoneAction::kFinish, Start(1)) == S::kOk);
    m.PowerLoss();
    CHECK(m.PowerLossStates(1, m.zone(1)).size() == 1);  // FULL: the finish kept
    const bool lost_finish_allowed = d == ManageDurability::kNextFlush;
    CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + 3 * kBlock)).empty() ==
          !lost_finish_allowed);
    CHECK(m.PowerLossStates(1, Entry(m, 1, C::kClosed, Start(1) + kBlock)).empty());
  }
}

TEST_CASE("power loss: an open since the flush comes back as after any power cycle") {
  ZoneModel m = Linux();
  REQUIRE(m.Flush() == S::kOk);
  REQUIRE(m.Manage(ZoneAction::kOpen, Start(1)) == S::kOk);
  m.PowerLoss();
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kEmpty, Start(1))).size() == 1);
  CHECK(m.PowerLossStates(1, Entry(m, 1, C::kExplicitOpen, Start(1))).empty());
}

TEST_CASE("power loss: conventional blocks come back as any version since the flush") {
  DeviceConfig c = SmallConfig(Profile::kLinux, 4);
  c.conventional_zones = 1;
  ZoneModel m(c);
  REQUIRE(m.Write(0, 2 * kBlock, Payload::Seeded(1)) == S::kOk);
  REQUIRE(m.Flush() == S::kOk);
  REQUIRE(m.Write(kBlock, 2 * kBlock, Payload::Seeded(2)) == S::kOk);
  m.PowerLoss();
  CHECK(m.PowerLossZones() == std::vector<uint32_t>{0});
  // The device kept the old block 1 and the new block 2.
  std::vector<uint8_t> dev(kZone, 0);
  Payload::Seeded(1).Generate(0, 2 * kBlock, dev.data());
  Payload::Seeded(2).Generate(kBlock, kBlock, dev.data() + 2 * kBlock);
  uint64_t lost = 0;
  CHECK(m.AdoptConventionalData(0, dev.data(), &lost) == "");
  CHECK(lost == 1);
  std::vector<uint8_t> got(kZone);
  REQUIRE(m.Read(0, kZone, got.data()) == S::kOk);
  CHECK(got == dev);
  // A block that never held these bytes is refused.
  m.PowerLoss();  // nothing since the last loss: nothing to check
  CHECK(m.PowerLossZones().empty());
  REQUIRE(m.Write(0, kBlock, Payload::Seeded(3)) == S::kOk);
  m.PowerLoss();
  dev[5] ^= 0xFF;
  lost = 0;
  CHECK(m.AdoptConventionalData(0, dev.data(), &lost) ==
        "torn or stale data (zone 0: the block at 0x0 holds neither the data as of the last flush "
        "nor any write since)");
}

TEST_CASE("power loss: manage_durability parses, formats, and is per profile") {
  CHECK(profile_params(Profile::kLinux).manage_durability == ManageDurability::kCompletion);
  CHECK(profile_params(Profile::kZns).manage_durability == ManageDurability::kNextFlush);
  CHECK(profile_params(Profile::kZbc).manage_durability == ManageDurability::kNextFlush);
  DeviceConfig c;
  REQUIRE(ParseDeviceConfig("size=64K,zone_size=8K,max_append_bytes=4K,profile=linux,manage_durability=next_flush", &c).ok());
  CHECK(c.params.manage_durability == ManageDurability::kNextFlush);
  CHECK(FormatDeviceConfig(c).find("manage_durability=next_flush") != std::string::npos);
  CHECK(!ParseDeviceConfig("size=64K,zone_size=8K,max_append_bytes=4K,manage_durability=never", &c).ok());
}

}  // namespace
}  // namespace zonesim::test
