// Golden sessions: sim/tests/golden/<name>.script run through the io runner
// must print exactly <name>.expected. The expected files were written by hand
// from the semantics contract and qemu-io's output formats, so they check the
// model (and the runner) against the contract, not against themselves.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/test_files.h"
#include "common/env.h"
#include "zoned/device_config.h"
#include "sim/devices/image_setup.h"
#include "sim/exec/io_runner.h"
#include "sim/devices/model_device.h"
#include "sim/devices/qcow2_device.h"
#include "sim/tests/io_golden_util.h"
#include "zoned/script.h"

namespace zonesim {

TEST_CASE("golden: basic.script on the model prints basic.expected") {
  testing::Golden g = testing::LoadGolden("basic");
  DeviceConfig config;
  Status s = ParseDeviceConfig(g.model_spec, &config);
  INFO(s.message());
  REQUIRE(s.ok());
  std::unique_ptr<Device> device = MakeModelDevice(config);

  std::ostringstream out;
  int status = RunOperations(device.get(), g.ops, out);
  testing::CheckSameLines(out.str(), g.expected);
  CHECK(status == 1);  // the session includes failing commands, as qemu-io -c would report
}

TEST_CASE("golden: basic.script on a fresh qcow2 image prints the same basic.expected") {
  testing::Golden g = testing::LoadGolden("basic");
  DeviceConfig config;
  REQUIRE(ParseDeviceConfig(g.model_spec, &config).ok());
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string path = dir.path() + "/basic.qcow2";
  Status s = CreateZonedImage(Env::Default(), path, config);
  INFO(s.ToString());
  REQUIRE(s.ok());
  std::unique_ptr<Device> device = OpenImageDevice(Env::Default(), path, config.params, &s);
  INFO(s.ToString());
  REQUIRE(device != nullptr);
  CHECK(device->config().size == config.size);
  CHECK(device->config().zone_capacity == config.zone_capacity);

  std::ostringstream out;
  int status = RunOperations(device.get(), g.ops, out);
  testing::CheckSameLines(out.str(), g.expected);
  CHECK(status == 1);
}

}  // namespace zonesim
