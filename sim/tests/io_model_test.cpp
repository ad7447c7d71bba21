// The io runner on the reference model through ModelDevice: the adapter, and
// qemu-io output for rules the fake device cannot show (profiles, faults,
// seeded data, zone ranges over real zones).
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "zoned/device_config.h"
#include "sim/exec/io_runner.h"
#include "sim/devices/model_device.h"
#include "sim/tests/io_fake_device.h"
#include "zoned/script.h"

namespace zonesim {
namespace {

DeviceConfig Config(std::string_view spec) {
  DeviceConfig c;
  Status s = ParseDeviceConfig(spec, &c);
  INFO(s.message());
  REQUIRE(s.ok());
  return c;
}

// 6 zones of 1M (capacity 1M), zone 0 conventional.
constexpr std::string_view kSmall =
    "size=6M,zone_size=1M,conventional_zones=1,max_append_bytes=64K,profile=";

struct Session {
  explicit Session(std::string_view spec) : device(MakeModelDevice(Config(spec))), runner(device.get()) {}
  // Runs the script and returns everything printed.
  std::string Run(std::string_view script) {
    std::vector<Operation> ops;
    Status s = ParseScript(script, &ops);
    INFO(s.message());
    REQUIRE(s.ok());
    std::ostringstream out;
    for (const Operation& op : ops) runner.Execute(op, out);
    return out.str();
  }
  std::unique_ptr<Device> device;
  IoRunner runner;
};

std::string Spec(std::string_view profile) { return std::string(kSmall) + std::string(profile); }

}  // namespace

TEST_CASE("model device: the adapter forwards to the model") {
  DeviceConfig c = Config(Spec("linux"));
  std::unique_ptr<Device> dev = MakeModelDevice(c);
  CHECK(dev->name() == "model");
  CHECK(dev->config() == c);
  ZoneModel* model = ModelOf(dev.get());
  REQUIRE(model != nullptr);
  CHECK(model->coverage().empty());

  CHECK(dev->Write(1 << 20, 4096, Payload::Fill(1)) == ZoneStatus::kOk);
  CHECK(dev->Counts().implicit_open == 1);
  CHECK(model->zone(1).cond == ZoneCondition::kImplicitOpen);
  CHECK(model->coverage().Count({ZoneCondition::kEmpty, Trigger::kWrite, ZoneCondition::kImplicitOpen}) == 1);

  uint64_t assigned = 0;
  CHECK(dev->Append(1 << 20, 4096, Payload::Fill(2), &assigned) == ZoneStatus::kOk);
  CHECK(assigned == (1 << 20) + 4096);
  std::vector<uint8_t> buf(8192);
  CHECK(dev->Read(1 << 20, buf.size(), buf.data()) == ZoneStatus::kOk);
  CHECK(buf[0] == 1);
  CHECK(buf[8191] == 2);
  CHECK(dev->Flush() == ZoneStatus::kOk);
  CHECK(dev->Manage(ZoneAction::kClose, 1 << 20) == ZoneStatus::kOk);
  CHECK(dev->Counts().closed == 1);
  CHECK(dev->PowerCycle().ok());
  CHECK(dev->ManageAll(ZoneAction::kReset) == ZoneStatus::kOk);
  std::vector<ZoneReportEntry> zones;
  bool partial = false;
  CHECK(dev->Report(0, 2, ReportFilter::kAll, &zones, &partial) == ZoneStatus::kOk);
  REQUIRE(zones.size() == 2);
  CHECK(partial);
  CHECK(zones[1].cond == ZoneCondition::kEmpty);
  CHECK(dev->Inject(ZoneFault::kReadOnly, 2 << 20) == ZoneStatus::kOk);
  CHECK(model->zone(2).cond == ZoneCondition::kReadOnly);

  testing::FakeDevice fake(c);
  CHECK(ModelOf(&fake) == nullptr);
}

TEST_CASE("io on the model: seeded data written and verified") {
  Session s(Spec("linux"));
  CHECK(s.Run("write -S 1234 1M 8K\nread -S 1234 1M 8K\nread -S 1235 1M 8K\n") ==
        "wrote 8192/8192 bytes at offset 1048576\n"
        "read 8192/8192 bytes at offset 1048576\n"
        "Pattern verification failed at offset 1048576, 8192 bytes\n"
        "read 8192/8192 bytes at offset 1048576\n");
  CHECK(s.runner.failed() == 1);
}

TEST_CASE("io on the model: zone ranges over real zones") {
  Session s(Spec("linux"));
  // The conventional zone refuses management (ZBC IR 24/00, null_blk EIO).
  CHECK(s.Run("zo 0 1M") ==
        "zone open failed: Input/output error (Invalid Zone State Transition, BLK_STS_IOERR)\n");
  // Range of zones 1-3: stops at zone 2 (EMPTY cannot be closed on linux), zone 3 untouched.
  CHECK(s.Run("write 1M 4K\nwrite 3M 4K\nzc 1M 3M\nzrp 1M 3") ==
        "wrote 4096/4096 bytes at offset 1048576\n"
        "wrote 4096/4096 bytes at offset 3145728\n"
        "zone close failed: Input/output error (Invalid Zone State Transition, BLK_STS_IOERR)\n"
        "start: 0x800, len 0x800, cap 0x800, wptr 0x808, zcond:4, [type: 2]\n"
        "start: 0x1000, len 0x800, cap 0x800, wptr 0x1000, zcond:1, [type: 2]\n"
        "start: 0x1800, len 0x800, cap 0x800, wptr 0x1808, zcond:2, [type: 2]\n");
  // The whole device is one close per zone on linux (block/blk-zoned.c
  // blkdev_zone_mgmt has a whole-device form only for reset): the
  // conventional and EMPTY zones fail theirs (EIO), the open zone 3 closes.
  CHECK(s.Run("zc 0 6M\nzrp 3M 1") ==
        "zone close failed: Input/output error (Invalid Zone State Transition, BLK_STS_IOERR)\n"
        "start: 0x1800, len 0x800, cap 0x800, wptr 0x1808, zcond:4, [type: 2]\n");
  CHECK(s.runner.exit_status() == 1);
}

TEST_CASE("io on the model: faults show in reports and errors") {
  Session s(Spec("linux"));
  CHECK(s.Run("write 2M 4K\ninject readonly 2M\nzrp 2M 1\nwrite 2M 4K\nread 2M 4K\ninject offline 3M\nread 3M 4K") ==
        "wrote 4096/4096 bytes at offset 2097152\n"
        "start: 0x1000, len 0x800, cap 0x800, wptr 0xffffffffffffffff, zcond:13, [type: 2]\n"
        "write failed: Input/output error (Zone Is Read Only, BLK_STS_IOERR)\n"
        "read 4096/4096 bytes at offset 2097152\n"
        "read failed: Input/output error (Zone Is Offline, BLK_STS_IOERR)\n");
  CHECK(s.Run("inject readonly 0") ==
        "inject failed: Input/output error (Invalid Zone State Transition, BLK_STS_IOERR)\n");
  // Offline Zone is a ZNS action only.
  CHECK(s.Run("zof 2M 1M") ==
        "zone offline failed: Operation not supported (Invalid Command Opcode, BLK_STS_NOTSUPP)\n");
}

TEST_CASE("io on the model: each profile names its own errors") {
  SUBCASE("zbc has no zone append") {
    Session s(Spec("zbc"));
    CHECK(s.Run("zap -p 1M 4K") ==
          "zone append failed: Operation not supported (INVALID COMMAND OPERATION CODE, sense "
          "ILLEGAL REQUEST 20h/00h)\n");
  }
  SUBCASE("linux: zone append outside a sequential zone start is EIO (issue 18)") {
    // The block layer refuses it (block/blk-core.c blk_check_zone_append), as
    // null_blk does for a conventional zone: EIO, never EINVAL.
    DeviceConfig c = Config(
        "size=512K,zone_size=64K,conventional_zones=2,max_append_bytes=32K,profile=linux");
    std::unique_ptr<Device> dev = MakeModelDevice(c);
    IoRunner runner(dev.get());
    std::vector<Operation> ops;
    REQUIRE(ParseScript("zap -p 0 4K\nzap -p 132K 4K\nzap -p 128K 36K\nzap -p 128K 4K", &ops).ok());
    std::ostringstream out;
    for (const Operation& op : ops) runner.Execute(op, out);
    CHECK(out.str() ==
          "zone append failed: Input/output error (Zone Invalid Write, BLK_STS_IOERR)\n"
          "zone append failed: Input/output error (Zone Invalid Write, BLK_STS_IOERR)\n"
          "zone append failed: Input/output error (Zone Boundary Error, BLK_STS_IOERR)\n"
          "After zap done, the append sector is 0x100\n");
  }
  SUBCASE("zns reports NVMe status codes and takes Offline Zone") {
    DeviceConfig c = Config("size=6M,zone_size=1M,max_append_bytes=64K,profile=zns");
    std::unique_ptr<Device> dev = MakeModelDevice(c);
    IoRunner runner(dev.get());
    std::vector<Operation> ops;
    REQUIRE(ParseScript("zc 1M 1M\ninject readonly 1M\nzof 1M 1M\nzrp 1M 1\nzap -p 2M 4K", &ops).ok());
    std::ostringstream out;
    for (const Operation& op : ops) runner.Execute(op, out);
    CHECK(out.str() ==
          "zone close failed: Input/output error (Invalid Zone State Transition, NVMe status 0x1bf)\n"
          "start: 0x800, len 0x800, cap 0x800, wptr 0xffffffffffffffff, zcond:15, [type: 2]\n"
          "After zap done, the append sector is 0x1000\n");
  }
}

}  // namespace zonesim
