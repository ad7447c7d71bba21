// Reads: argument errors, the fill value, restricted reads (ZBC URSWRZ = 0),
// reads across zones (ZNS RAZB), offline zones, and exact read-back of the
// data every kind of write left behind.
#include <doctest/doctest.h>

#include <numeric>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

std::vector<uint8_t> Bytes(const Payload& p, uint64_t payload_offset, size_t n) {
  std::vector<uint8_t> out(n);
  p.Generate(payload_offset, n, out.data());
  return out;
}

std::vector<uint8_t> ReadBack(const ZoneModel& m, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> out(length, 0x77);
  REQUIRE(m.Read(offset, length, out.data()) == ZoneStatus::kOk);
  return out;
}

TEST_CASE("read argument errors") {
  ZoneModel m(SmallConfig(Profile::kLinux));
  uint8_t buf[2 * kBlock];
  CHECK(m.Read(0, 0, buf) == ZoneStatus::kInvalidField);
  CHECK(m.Read(1, kBlock, buf) == ZoneStatus::kUnalignedRequest);
  CHECK(m.Read(0, 1, buf) == ZoneStatus::kUnalignedRequest);
  CHECK(m.Read(m.config().size, kBlock, buf) == ZoneStatus::kLbaOutOfRange);
  CHECK(m.Read(m.config().size - kBlock, 2 * kBlock, buf) == ZoneStatus::kLbaOutOfRange);
  CHECK(m.Read(m.config().size - kBlock, kBlock, buf) == ZoneStatus::kOk);
  CHECK(m.Read(0, kBlock, nullptr) == ZoneStatus::kOk);  // checks only
}

TEST_CASE("unwritten data reads as the fill value") {
  for (ReadFill fill : {ReadFill::kZeroes, ReadFill::kOnes}) {
    DeviceConfig c = SmallConfig(Profile::kLinux);
    c.params.read_fill = fill;
    ZoneModel m(c);
    const uint8_t f = fill == ReadFill::kOnes ? 0xFF : 0x00;
    CHECK(ReadBack(m, Start(1), kZone) == std::vector<uint8_t>(kZone, f));
    // Written bytes, then fill past the wp.
    REQUIRE(m.Write(Start(1), kBlock, Payload::Fill(0x42)) == ZoneStatus::kOk);
    auto got = ReadBack(m, Start(1), 2 * kBlock);
    CHECK(std::vector<uint8_t>(got.begin(), got.begin() + kBlock) == std::vector<uint8_t>(kBlock, 0x42));
    CHECK(std::vector<uint8_t>(got.begin() + kBlock, got.end()) == std::vector<uint8_t>(kBlock, f));
  }
}

TEST_CASE("restricted reads: nothing at or past the wp of E/IO/EO/C zones") {
  DeviceConfig c = SmallConfig(Profile::kZbc);  // restricted_reads, no reads across zones
  c.conventional_zones = 1;
  ZoneModel m(c);
  uint8_t buf[kZone];
  // EMPTY: everything is at/after the wp.
  CHECK(m.Read(Start(1), kBlock, buf) == ZoneStatus::kReadUnwritten);
  // IMPLICIT OPEN: below the wp fine, touching the wp not.
  REQUIRE(m.Write(Start(1), 2 * kBlock, Payload::Fill(1)) == ZoneStatus::kOk);
  CHECK(m.Read(Start(1), 2 * kBlock, buf) == ZoneStatus::kOk);
  CHECK(m.Read(Start(1) + kBlock, 2 * kBlock, buf) == ZoneStatus::kReadUnwritten);
  // EXPLICIT OPEN and CLOSED likewise.
  REQUIRE(m.Manage(ZoneAction::kOpen, Start(2)) == ZoneStatus::kOk);
  CHECK(m.Read(Start(2), kBlock, buf) == ZoneStatus::kReadUnwritten);
  REQUIRE(m.Manage(ZoneAction::kClose, Start(1)) == ZoneStatus::kOk);
  REQUIRE(m.zone(1).cond == ZoneCondition::kClosed);
  CHECK(m.Read(Start(1), 2 * kBlock, buf) == ZoneStatus::kOk);
  CHECK(m.Read(Start(1) + 2 * kBlock, kBlock, buf) == ZoneStatus::kReadUnwritten);
  // FULL (even after a finish that left most of it unwritten) and READ ONLY read freely.
  REQUIRE(m.Manage(ZoneAction::kFinish, Start(1)) == ZoneStatus::kOk);
  CHECK(m.Read(Start(1), kZone, buf) == ZoneStatus::kOk);
  REQUIRE(m.Write(Start(3), kBlock, Payload::Fill(1)) == ZoneStatus::kOk);
  REQUIRE(m.Inject(ZoneFault::kReadOnly, Start(3)) == ZoneStatus::kOk);
  CHECK(m.Read(Start(3), kZone, buf) == ZoneStatus::kOk);
  // Conventional zones are never restricted.
  CHECK(m.Read(Start(0), kZone, buf) == ZoneStatus::kOk);
  // Unrestricted (ZNS, Linux): reads past the wp succeed.
  ZoneModel zns(SmallConfig(Profile::kZns));
  CHECK(zns.Read(Start(1), kZone, buf) == ZoneStatus::kOk);
}

TEST_CASE("reads across zone boundaries") {
  DeviceConfig c = SmallConfig(Profile::kZns);  // RAZB = 0
  c.conventional_zones = 0;
  ZoneModel zns(c);
  std::vector<uint8_t> buf(3 * kZone);
  CHECK(zns.Read(Start(1) - kBlock, 2 * kBlock, buf.data()) == ZoneStatus::kReadBoundaryViolation);
  CHECK(zns.Read(Start(1), kZone, buf.data()) == ZoneStatus::kOk);  // exactly one zone

  DeviceConfig z = SmallConfig(Profile::kZbc);
  z.conventional_zones = 2;
  ZoneModel zbc(z);
  CHECK(zbc.Read(0, 2 * kZone, buf.data()) == ZoneStatus::kOk);  // conventional -> conventional
  CHECK(zbc.Read(2 * kZone - kBlock, 2 * kBlock, buf.data()) ==
        ZoneStatus::kReadBoundaryViolation);  // conventional -> sequential

  ZoneModel lin(SmallConfig(Profile::kLinux));  // the block layer splits: allowed
  REQUIRE(lin.Write(Start(1), kZone, Payload::Fill(9)) == ZoneStatus::kOk);
  CHECK(lin.Read(0, 3 * kZone, buf.data()) == ZoneStatus::kOk);
  CHECK(buf[kZone] == 9);
  CHECK(buf[0] == 0);
  CHECK(buf[2 * kZone] == 0);
}

TEST_CASE("reads of offline zones fail; the boundary check comes first") {
  DeviceConfig c = SmallConfig(Profile::kLinux);
  ZoneModel m(c);
  REQUIRE(m.Write(Start(2), kBlock, Payload::Fill(1)) == ZoneStatus::kOk);
  REQUIRE(m.Inject(ZoneFault::kOffline, Start(2)) == ZoneStatus::kOk);
  uint8_t buf[3 * kZone];
  CHECK(m.Read(Start(2), kBlock, buf) == ZoneStatus::kZoneIsOffline);
  CHECK(m.Read(Start(1), 3 * kZone, buf) == ZoneStatus::kZoneIsOffline);  // touches it
  CHECK(m.Read(Start(1), kZone, buf) == ZoneStatus::kOk);
  c.params.read_across_zones = false;
  ZoneModel strict(c);
  REQUIRE(strict.Inject(ZoneFault::kOffline, Start(2)) == ZoneStatus::kOk);
  CHECK(strict.Read(Start(1), 2 * kZone, buf) == ZoneStatus::kReadBoundaryViolation);
  // Restricted reads: offline wins over unwritten.
  c.params.restricted_reads = true;
  ZoneModel r(c);
  REQUIRE(r.Inject(ZoneFault::kOffline, Start(2)) == ZoneStatus::kOk);
  CHECK(r.Read(Start(2), kBlock, buf) == ZoneStatus::kZoneIsOffline);
}

TEST_CASE("seeded payloads read back exactly") {
  DeviceConfig c = SmallConfig(Profile::kLinux);
  c.conventional_zones = 1;
  ZoneModel m(c);
  const Payload a = Payload::Seeded(0x1234), b = Payload::Seeded(0xbeef);
  // Sequential zone: two writes and an append.
  REQUIRE(m.Write(Start(1), 3 * kBlock, a) == ZoneStatus::kOk);
  REQUIRE(m.Write(Start(1) + 3 * kBlock, 2 * kBlock, b) == ZoneStatus::kOk);
  uint64_t at = 0;
  REQUIRE(m.Append(Start(1), kBlock, a, &at) == ZoneStatus::kOk);
  auto got = ReadBack(m, Start(1), 7 * kBlock);
  std::vector<uint8_t> want = Bytes(a, 0, 3 * kBlock);
  auto wb = Bytes(b, 0, 2 * kBlock);
  want.insert(want.end(), wb.begin(), wb.end());
  auto wa = Bytes(a, 0, kBlock);  // an append's data starts at its own byte 0
  want.insert(want.end(), wa.begin(), wa.end());
  want.insert(want.end(), kBlock, 0x00);  // past the wp
  CHECK(got == want);
  // A read starting inside an extent.
  auto mid = ReadBack(m, Start(1) + kBlock, kBlock);
  CHECK(mid == Bytes(a, kBlock, kBlock));

  // Conventional zone: overwrite the middle of an extent.
  REQUIRE(m.Write(0, 4 * kBlock, a) == ZoneStatus::kOk);
  REQUIRE(m.Write(kBlock, kBlock, b) == ZoneStatus::kOk);
  auto conv = ReadBack(m, 0, 4 * kBlock);
  std::vector<uint8_t> cw = Bytes(a, 0, 4 * kBlock);
  auto over = Bytes(b, 0, kBlock);
  std::copy(over.begin(), over.end(), cw.begin() + kBlock);
  CHECK(conv == cw);
  CHECK(m.zone_data(0).extents().size() == 3);
}

TEST_CASE("data after reset, finish, read only and the capacity gap") {
  DeviceConfig c = SmallConfig(Profile::kZns);
  c.zone_capacity = 12 * kBlock;
  c.params.read_across_zones = true;
  c.params.read_fill = ReadFill::kOnes;
  ZoneModel m(c);
  const Payload a = Payload::Seeded(7);
  REQUIRE(m.Write(Start(1), 2 * kBlock, a) == ZoneStatus::kOk);
  // Finish: written data stays, the rest up to the zone end reads as fill.
  REQUIRE(m.Manage(ZoneAction::kFinish, Start(1)) == ZoneStatus::kOk);
  auto got = ReadBack(m, Start(1), kZone);
  std::vector<uint8_t> want = Bytes(a, 0, 2 * kBlock);
  want.insert(want.end(), kZone - 2 * kBlock, 0xFF);
  CHECK(got == want);
  // Reset forgets the data.
  REQUIRE(m.Manage(ZoneAction::kReset, Start(1)) == ZoneStatus::kOk);
  CHECK(ReadBack(m, Start(1), kZone) == std::vector<uint8_t>(kZone, 0xFF));
  CHECK(m.zone_data(1).empty());
  // Written to capacity: the gap between capacity and zone end is fill.
  REQUIRE(m.Write(Start(2), 12 * kBlock, a) == ZoneStatus::kOk);
  got = ReadBack(m, Start(2), kZone);
  want = Bytes(a, 0, 12 * kBlock);
  want.insert(want.end(), 4 * kBlock, 0xFF);
  CHECK(got == want);
  // READ ONLY keeps the data readable.
  REQUIRE(m.Inject(ZoneFault::kReadOnly, Start(2)) == ZoneStatus::kOk);
  CHECK(ReadBack(m, Start(2), kZone) == got);
  // OFFLINE forgets it (and reads fail).
  REQUIRE(m.Inject(ZoneFault::kOffline, Start(2)) == ZoneStatus::kOk);
  CHECK(m.zone_data(2).empty());
}

}  // namespace
}  // namespace zonesim::test
