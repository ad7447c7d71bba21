// Device::Close and Device::host_error (zoned/device.h): the write pointers
// reach the image in Close, so its Status is what a command must report; a
// media error caused by the host carries the host's own message to the user;
// image locks exclude a second opener in the same process too.
#include <doctest/doctest.h>

#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "common/testing/test_files.h"
#include "qcow2/tests/zoned_image_fixture.h"
#include "sim/devices/model_device.h"
#include "sim/devices/qcow2_device.h"
#include "sim/exec/op_outcome.h"

namespace zonesim::test {
namespace {

Operation WriteOp(uint64_t offset, uint64_t length) {
  Operation op;
  op.kind = OpKind::kWrite;
  op.offset = offset;
  op.length = length;
  op.payload = Payload::Fill(0xab);
  return op;
}

std::unique_ptr<Device> OpenDevice(Env* env) {
  Status s;
  std::unique_ptr<Device> dev = OpenImageDevice(env, "img", profile_params(Profile::kLinux), &s);
  INFO(s.ToString());
  REQUIRE(dev != nullptr);
  return dev;
}

// A fresh image "img" on env, opened as a device.
std::unique_ptr<Device> NewDevice(Env* env) {
  MakeImage(env, "img", Geometry{});
  return OpenDevice(env);
}

uint64_t WritePointerOfZone0(Device& dev) {
  std::vector<ZoneReportEntry> r;
  REQUIRE(dev.Report(0, 1, ReportFilter::kAll, &r, nullptr) == ZoneStatus::kOk);
  return r[0].wp;
}

TEST_CASE("device close: a failing fdatasync makes Close fail, and the zone is not silently lost") {
  MemEnv mem;
  FaultInjectionEnv env(&mem);
  std::unique_ptr<Device> dev = NewDevice(&env);
  REQUIRE(ApplyOperation(*dev, WriteOp(0, 4096)).ok());
  env.FailNthFlush(1, /*sticky=*/true);
  Status closed = dev->Close();
  CHECK_FALSE(closed.ok());
  CHECK(dev->Close().ok());  // the second call has nothing left to do
  env.ClearFaults();
  // What the next open finds is the old, consistent state: the caller was told.
  dev = OpenDevice(&env);
  CHECK(WritePointerOfZone0(*dev) == 0);
  CHECK(dev->Close().ok());
}

TEST_CASE("device close: a successful Close persists the write pointer") {
  MemEnv mem;
  std::unique_ptr<Device> dev = NewDevice(&mem);
  REQUIRE(ApplyOperation(*dev, WriteOp(0, 4096)).ok());
  REQUIRE(dev->Close().ok());
  dev = OpenDevice(&mem);
  CHECK(WritePointerOfZone0(*dev) == 4096);
}

TEST_CASE("device host error: the host's failure reaches OpOutcome::device_error") {
  MemEnv mem;
  FaultInjectionEnv env(&mem);
  std::unique_ptr<Device> dev = NewDevice(&env);
  env.FailNthWrite(1, /*sticky=*/true);
  OpOutcome o = ApplyOperation(*dev, WriteOp(0, 4096));
  CHECK(o.status == ZoneStatus::kMediaError);
  INFO(o.device_error);
  CHECK(o.device_error.find("img") != std::string::npos);
  CHECK(o.device_error.find("write of") != std::string::npos);
  env.ClearFaults();
  (void)dev->Close();
}

TEST_CASE("device host error: the model simulates media errors itself (no host cause)") {
  DeviceConfig c;
  REQUIRE(ParseDeviceConfig("size=768M,zone_size=64M,zone_capacity=64M,max_open_zones=2,profile=linux", &c).ok());
  std::unique_ptr<Device> dev = MakeModelDevice(c);
  CHECK(dev->host_error().ok());
  CHECK(dev->Close().ok());
}

TEST_CASE("image lock: a second read-write open of one image is refused, readers share, -U always inspects") {
  testing::TestDir dir;
  const std::string path = dir.File("lock.qcow2");
  MakeImage(Env::Default(), path, Geometry{});
  const ZoneParams p = profile_params(Profile::kLinux);
  Status s;
  std::unique_ptr<Device> writer = OpenImageDevice(Env::Default(), path, p, &s);
  REQUIRE(writer != nullptr);
  CHECK(OpenImageDevice(Env::Default(), path, p, &s) == nullptr);
  CHECK(s.message().find("image is locked by another process") != std::string::npos);
  CHECK(OpenImageDevice(Env::Default(), path, p, &s, ImageOpenMode{true, false}) == nullptr);
  CHECK(s.message().find("image is locked by another process") != std::string::npos);
  std::unique_ptr<Device> inspector = OpenImageDevice(Env::Default(), path, p, &s, ImageOpenMode{true, true});
  CHECK(inspector != nullptr);
  REQUIRE(writer->Close().ok());
  writer.reset();
  // Two readers share; a writer is refused while they hold it.
  std::unique_ptr<Device> r1 = OpenImageDevice(Env::Default(), path, p, &s, ImageOpenMode{true, false});
  std::unique_ptr<Device> r2 = OpenImageDevice(Env::Default(), path, p, &s, ImageOpenMode{true, false});
  REQUIRE(r1 != nullptr);
  REQUIRE(r2 != nullptr);
  CHECK(OpenImageDevice(Env::Default(), path, p, &s) == nullptr);
  CHECK(r1->Close().ok());
  CHECK(r2->Close().ok());
  // Close released the locks (not only the destructor).
  writer = OpenImageDevice(Env::Default(), path, p, &s);
  CHECK(writer != nullptr);
}

}  // namespace
}  // namespace zonesim::test
