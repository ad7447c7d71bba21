// The io runner on a scripted fake device: qemu-io's output for every command,
// the zone-range rules, failure reasons and the exit status.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "zoned/zone_status.h"
#include "sim/exec/io_runner.h"
#include "sim/tests/io_fake_device.h"
#include "zoned/script.h"

namespace zonesim {
namespace {

using testing::FakeConfig;
using testing::FakeDevice;

constexpr uint64_t K = 1024, M = 1024 * 1024;

// Runs one script line on the device; returns the output, sets *ok.
std::string Run(FakeDevice& dev, std::string_view line, bool* ok = nullptr) {
  std::optional<Operation> op;
  Status s = ParseScriptLine(line, &op);
  REQUIRE(s.ok());
  REQUIRE(op.has_value());
  IoRunner runner(&dev);
  std::ostringstream out;
  bool result = runner.Execute(*op, out);
  CHECK(runner.exit_status() == (result ? 0 : 1));
  if (ok) *ok = result;
  return out.str();
}

}  // namespace

TEST_CASE("io runner: write prints qemu-io's first report line") {
  FakeDevice dev(FakeConfig());
  bool ok = false;
  CHECK(Run(dev, "write -P 0xaa 1M 4K", &ok) == "wrote 4096/4096 bytes at offset 1048576\n");
  CHECK(ok);
  REQUIRE(dev.calls.size() == 1);
  CHECK(dev.calls[0] == "write 1048576 4096 fill:170");
  CHECK(Run(dev, "write -S 9 0 512") == "wrote 512/512 bytes at offset 0\n");
  CHECK(dev.calls[1] == "write 0 512 seed:9");
}

TEST_CASE("io runner: failures print '<command> failed: <reason>' for the profile") {
  DeviceConfig c = FakeConfig();
  FakeDevice dev(c);
  dev.fail_on["write 0 4096 fill:205"] = ZoneStatus::kTooManyOpenZones;
  bool ok = true;
  CHECK(Run(dev, "write 0 4K", &ok) ==
        "write failed: Too many references: cannot splice (Too Many Open Zones, "
        "BLK_STS_ZONE_OPEN_RESOURCE)\n");
  CHECK_FALSE(ok);

  c.params = profile_params(Profile::kZns);
  FakeDevice zns(c);
  zns.fail_on["write 0 4096 fill:205"] = ZoneStatus::kTooManyOpenZones;
  CHECK(Run(zns, "write 0 4K") == "write failed: " + describe(ZoneStatus::kTooManyOpenZones, Profile::kZns) + "\n");
  CHECK(describe(ZoneStatus::kTooManyOpenZones, Profile::kZns).find("0x1be") != std::string::npos);
}

TEST_CASE("io runner: read, read -P, read -S") {
  FakeDevice dev(FakeConfig());
  dev.read_byte = 0x5a;
  bool ok = false;
  CHECK(Run(dev, "read 0 4K", &ok) == "read 4096/4096 bytes at offset 0\n");
  CHECK(ok);
  CHECK(Run(dev, "read -P 0x5a 2M 512", &ok) == "read 512/512 bytes at offset 2097152\n");
  CHECK(ok);
  // qemu-io's read_f names the whole request, then still prints the report line.
  CHECK(Run(dev, "read -P 0x5b 2M 512", &ok) ==
        "Pattern verification failed at offset 2097152, 512 bytes\n"
        "read 512/512 bytes at offset 2097152\n");
  CHECK_FALSE(ok);

  // Seeded data: byte i of the request is Payload::Seeded(seed).ByteAt(i).
  Payload seeded = Payload::Seeded(77);
  dev.read_data.resize(1024);
  seeded.Generate(0, dev.read_data.size(), dev.read_data.data());
  CHECK(Run(dev, "read -S 77 4K 1K", &ok) == "read 1024/1024 bytes at offset 4096\n");
  CHECK(ok);
  CHECK(Run(dev, "read -S 78 4K 1K", &ok) ==
        "Pattern verification failed at offset 4096, 1024 bytes\nread 1024/1024 bytes at offset 4096\n");
  CHECK_FALSE(ok);
  dev.read_data[1023] ^= 1;  // one wrong byte at the very end is found
  CHECK(Run(dev, "read -S 77 4K 1K", &ok).starts_with("Pattern verification failed"));
  CHECK_FALSE(ok);

  dev.fail_on["read 8388608 512"] = ZoneStatus::kLbaOutOfRange;
  CHECK(Run(dev, "read -P 0 8M 512", &ok) ==
        "read failed: Input/output error (LBA Out of Range, BLK_STS_IOERR)\n");
  CHECK_FALSE(ok);
}

TEST_CASE("io runner: read -v dumps like qemu-io's dump_buffer") {
  FakeDevice dev(FakeConfig());
  dev.read_data = {'Z', 'o', 'n', 'e', 0x00, 0xff, '-', '9'};
  std::string out = Run(dev, "read -v 0x10 24");
  CHECK(out ==
        "00000010:  5a 6f 6e 65 00 ff 2d 39 5a 6f 6e 65 00 ff 2d 39  Zone...9Zone...9\n"
        "00000020:  5a 6f 6e 65 00 ff 2d 39  Zone...9\n"
        "read 24/24 bytes at offset 16\n");
  // Verification message first, then the dump, then the report (read_f's order).
  dev.read_data = {0x41};
  CHECK(Run(dev, "read -v -P 0x42 0 2") ==
        "Pattern verification failed at offset 0, 2 bytes\n"
        "00000000:  41 41  AA\n"
        "read 2/2 bytes at offset 0\n");
}

TEST_CASE("io runner: zone append, with and without -p") {
  FakeDevice dev(FakeConfig());
  dev.append_at = 3 * M + 12 * K;
  bool ok = false;
  CHECK(Run(dev, "zap 3M 4K 8K", &ok).empty());
  CHECK(ok);
  CHECK(dev.calls.back() == "append 3145728 12288 fill:205");
  CHECK(Run(dev, "zap -p 3M 4K") == "After zap done, the append sector is 0x1818\n");
  dev.fail_on["append 3145728 4096 fill:205"] = ZoneStatus::kNotSupported;
  CHECK(Run(dev, "zap -p 3M 4K", &ok) ==
        "zone append failed: Operation not supported (Invalid Command Opcode, BLK_STS_NOTSUPP)\n");
  CHECK_FALSE(ok);
}

TEST_CASE("io runner: zone report in sectors, qemu-io's format") {
  FakeDevice dev(FakeConfig());
  dev.report = {
      {0, M, M, 0, ZoneType::kConventional, ZoneCondition::kNotWp},
      {M, M, 768 * K, M + 4 * K, ZoneType::kSequentialWriteRequired, ZoneCondition::kImplicitOpen},
      {2 * M, M, 768 * K, UINT64_MAX, ZoneType::kSequentialWriteRequired, ZoneCondition::kReadOnly},
      {3 * M, M, M, 4 * M, ZoneType::kSequentialWritePreferred, ZoneCondition::kFull},
  };
  bool ok = false;
  CHECK(Run(dev, "zrp 0 4", &ok) ==
        "start: 0x0, len 0x800, cap 0x800, wptr 0x0, zcond:0, [type: 1]\n"
        "start: 0x800, len 0x800, cap 0x600, wptr 0x808, zcond:2, [type: 2]\n"
        "start: 0x1000, len 0x800, cap 0x600, wptr 0xffffffffffffffff, zcond:13, [type: 2]\n"
        "start: 0x1800, len 0x800, cap 0x800, wptr 0x2000, zcond:14, [type: 3]\n");
  CHECK(ok);
  CHECK(dev.calls.back() == "report 0 4");

  // NR = 0: qemu-io allocates no descriptors and prints nothing.
  dev.calls.clear();
  CHECK(Run(dev, "zrp 0 0", &ok).empty());
  CHECK(ok);
  CHECK(dev.calls.empty());

  dev.fail_on["report 8388608 1"] = ZoneStatus::kLbaOutOfRange;
  CHECK(Run(dev, "zrp 8M 1", &ok) ==
        "zone report failed: Input/output error (LBA Out of Range, BLK_STS_IOERR)\n");
  CHECK_FALSE(ok);
}

TEST_CASE("io runner: to_sector is qemu-io's signed shift") {
  CHECK(to_sector(0) == 0);
  CHECK(to_sector(512) == 1);
  CHECK(to_sector(64 * M) == 0x20000);
  CHECK(to_sector(UINT64_MAX) == UINT64_MAX);
}

TEST_CASE("io runner: zone ranges follow blkdev_zone_mgmt") {
  // 8 zones of 1M; the last one is 512K (size 7.5M).
  FakeDevice dev(FakeConfig());
  const uint64_t size = dev.config().size;

  SUBCASE("one zone") {
    CHECK(Run(dev, "zo 2M 1M").empty());
    CHECK(dev.calls == std::vector<std::string>{"manage open 2097152"});
  }
  SUBCASE("several zones, in order") {
    CHECK(Run(dev, "zf 1M 3M").empty());
    CHECK(dev.calls == std::vector<std::string>{"manage finish 1048576", "manage finish 2097152",
                                                "manage finish 3145728"});
  }
  SUBCASE("the first failure stops the range and is reported") {
    dev.fail_on["manage close 2097152"] = ZoneStatus::kInvalidZoneStateTransition;
    bool ok = true;
    CHECK(Run(dev, "zc 1M 3M", &ok) ==
          "zone close failed: Input/output error (Invalid Zone State Transition, BLK_STS_IOERR)\n");
    CHECK_FALSE(ok);
    CHECK(dev.calls == std::vector<std::string>{"manage close 1048576", "manage close 2097152"});
  }
  SUBCASE("the whole device is the all-zones form") {
    CHECK(Run(dev, "zrs 0 " + std::to_string(size)).empty());
    CHECK(dev.calls == std::vector<std::string>{"manage_all reset"});
    dev.fail_on["manage_all open"] = ZoneStatus::kTooManyOpenZones;
    CHECK(Run(dev, "zo 0 7680K").starts_with("zone open failed: Too many references"));
  }
  SUBCASE("a length that is not whole zones is fine when it reaches the device end") {
    CHECK(Run(dev, "zf 6M 1536K").empty());
    CHECK(dev.calls == std::vector<std::string>{"manage finish 6291456", "manage finish 7340032"});
    dev.calls.clear();
    CHECK(Run(dev, "zf 7M 512K").empty());
    CHECK(dev.calls == std::vector<std::string>{"manage finish 7340032"});
  }
  SUBCASE("misaligned ranges are refused before the device sees them: EINVAL") {
    bool ok = true;
    CHECK(Run(dev, "zo 4K 1M", &ok) == "zone open failed: Invalid argument\n");
    CHECK_FALSE(ok);
    CHECK(Run(dev, "zc 1M 4K") == "zone close failed: Invalid argument\n");
    CHECK(Run(dev, "zf 1M 1536K") == "zone finish failed: Invalid argument\n");
    CHECK(Run(dev, "zrs 1M 0") == "zone reset failed: Invalid argument\n");
    CHECK(Run(dev, "zof 1M 4K") == "zone offline failed: Invalid argument\n");
    CHECK(dev.calls.empty());
  }
  SUBCASE("ranges past the device end: EIO from the block layer") {
    CHECK(Run(dev, "zo 7M 1M") == "zone open failed: Input/output error\n");
    CHECK(Run(dev, "zo 8M 1M") == "zone open failed: Input/output error\n");
    CHECK(Run(dev, "zrs 9223372036854775807 9223372036854775807") ==
          "zone reset failed: Input/output error\n");
    CHECK(dev.calls.empty());
  }
  SUBCASE("ManageZoneRange reports host and device errors apart") {
    ZoneRangeResult r = ManageZoneRange(dev, ZoneAction::kOpen, 4 * K, M);
    CHECK(r.host_error == "Invalid argument");
    CHECK_FALSE(r.ok());
    dev.fail_on["manage open 0"] = ZoneStatus::kInvalidZoneStateTransition;
    r = ManageZoneRange(dev, ZoneAction::kOpen, 0, M);
    CHECK(r.host_error.empty());
    CHECK(r.status == ZoneStatus::kInvalidZoneStateTransition);
    CHECK(ManageZoneRange(dev, ZoneAction::kOpen, M, M).ok());
  }
}

TEST_CASE("io runner: flush, discard, powercycle, inject") {
  FakeDevice dev(FakeConfig());
  bool ok = false;
  CHECK(Run(dev, "flush", &ok).empty());
  CHECK(ok);
  dev.fail_on["flush"] = ZoneStatus::kMediaError;
  CHECK(Run(dev, "flush", &ok) == "flush failed: Input/output error (Write Fault, BLK_STS_IOERR)\n");
  CHECK_FALSE(ok);

  CHECK(Run(dev, "discard 0 4K", &ok) ==
        "discard failed: Operation not supported (Invalid Command Opcode, BLK_STS_NOTSUPP)\n");
  CHECK_FALSE(ok);

  CHECK(Run(dev, "powercycle", &ok).empty());
  CHECK(ok);
  dev.power_status = Status::IoError("cannot reopen img.qcow2");
  CHECK(Run(dev, "powercycle", &ok) == "powercycle failed: I/O error: cannot reopen img.qcow2\n");
  CHECK_FALSE(ok);

  dev.calls.clear();
  CHECK(Run(dev, "inject readonly 2M", &ok).empty());
  CHECK(ok);
  CHECK(Run(dev, "inject offline 3M", &ok).empty());
  CHECK(dev.calls == std::vector<std::string>{"inject readonly 2097152", "inject offline 3145728"});
  dev.fail_on["inject offline 0"] = ZoneStatus::kInvalidZoneStateTransition;
  CHECK(Run(dev, "inject offline 0", &ok) ==
        "inject failed: Input/output error (Invalid Zone State Transition, BLK_STS_IOERR)\n");
  CHECK_FALSE(ok);
}

TEST_CASE("io runner: operations from elsewhere are bounded too") {
  FakeDevice dev(FakeConfig());
  Operation op;
  op.kind = OpKind::kRead;
  op.length = kMaxScriptIoBytes + 512;  // never allocated
  IoRunner runner(&dev);
  std::ostringstream out;
  CHECK_FALSE(runner.Execute(op, out));
  CHECK(out.str() == "read failed: length 1073742336 exceeds the maximum 1073741824\n");
  op.kind = OpKind::kWrite;
  CHECK_FALSE(runner.Execute(op, out));
  op.kind = OpKind::kAppend;
  CHECK_FALSE(runner.Execute(op, out));
  CHECK(dev.calls.empty());
}

TEST_CASE("io runner: the exit status is 1 when any command failed") {
  FakeDevice dev(FakeConfig());
  dev.fail_on["manage open 1048576"] = ZoneStatus::kTooManyOpenZones;
  std::vector<Operation> ops;
  REQUIRE(ParseScript("write 0 4K\nzo 1M 1M\nwrite 4K 4K\n", &ops).ok());

  IoRunner runner(&dev);
  std::ostringstream out;
  for (const Operation& op : ops) runner.Execute(op, out);
  CHECK(runner.executed() == 3);
  CHECK(runner.failed() == 1);
  CHECK(runner.exit_status() == 1);
  // A failure does not stop the run (qemu-io runs every -c command).
  CHECK(out.str().ends_with("wrote 4096/4096 bytes at offset 4096\n"));

  std::ostringstream out2;
  FakeDevice fine(FakeConfig());
  CHECK(RunOperations(&fine, ops, out2) == 0);
  CHECK(fine.calls.size() == 3);
  std::ostringstream out3;
  CHECK(RunOperations(&dev, ops, out3) == 1);
  CHECK(out3.str() == out.str());
}

}  // namespace zonesim
