// Issue 15 item 6: a limit equal to the number of sequential zones is no
// limit (NormalisedLimits, zoned/device_config.h). The property suite found
// the model keeping max_active_zones 2 of 2 sequential zones as a real limit
// (and refusing a CLOSED -> open under null_blk's "active limit reached" rule)
// while the image stored it as 0, as the format says. This is that minimal
// case, in lockstep, with the configuration built directly (not parsed), so
// the model's and the image's own normalisation are what is tested.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/mem_env.h"
#include "model/zone_model.h"
#include "sim/devices/image_setup.h"
#include "sim/devices/qcow2_device.h"
#include "sim/lockstep/lockstep.h"
#include "zoned/script.h"

namespace zonesim {
namespace {

// The counterexample RapidCheck printed (seed 20261121, case 170 of 1000).
DeviceConfig PropertyCase() {
  DeviceConfig c;
  c.params = profile_params(Profile::kLinux);
  c.size = 98304;
  c.zone_size = 32768;
  c.zone_capacity = 32768;
  c.conventional_zones = 1;  // 3 zones: 2 sequential
  c.max_open_zones = 1;
  c.max_active_zones = 2;
  c.max_append_bytes = 512;
  c.block_size = 512;
  return c;
}

const char* kCase = "write -S 1 64K 512\nwrite -S 1 32K 512\nzo 64K 32K\n";

std::vector<Operation> Ops(const char* text) {
  std::vector<Operation> ops;
  REQUIRE(ParseScript(text, &ops).ok());
  return ops;
}

}  // namespace

TEST_CASE("limits: one at or above the sequential zone count is normalised to no limit") {
  DeviceConfig c = PropertyCase();
  REQUIRE(c.Validate().ok());
  DeviceConfig n = NormalisedLimits(c);
  CHECK(n.max_active_zones == 0);
  CHECK(n.max_open_zones == 1);  // below the count: a real limit, kept
  c.max_open_zones = 2;
  n = NormalisedLimits(c);
  CHECK(n.max_open_zones == 0);
  c.max_active_zones = 1;
  c.max_open_zones = 1;
  n = NormalisedLimits(c);
  CHECK(n.max_active_zones == 1);
  CHECK(n.max_open_zones == 1);
  // Parsed configurations are normalised too, so reports print what applies.
  DeviceConfig parsed;
  REQUIRE(ParseDeviceConfig("size=96K,zone_size=32K,conventional_zones=1,max_open_zones=1,"
                            "max_active_zones=2,max_append_bytes=512,profile=linux",
                            &parsed)
              .ok());
  CHECK(parsed.max_active_zones == 0);
  CHECK(FormatDeviceConfig(parsed).find("max_active_zones=0") != std::string::npos);
  CHECK(SameGeometry(parsed, PropertyCase()));
}

TEST_CASE("limits: the model treats max_active_zones == sequential zones as no limit") {
  ZoneModel m(PropertyCase());
  CHECK(m.config().max_active_zones == 0);
  REQUIRE(m.Write(64 << 10, 512, Payload::Seeded(1)) == ZoneStatus::kOk);
  REQUIRE(m.Write(32 << 10, 512, Payload::Seeded(1)) == ZoneStatus::kOk);
  CHECK(m.zone(2).cond == ZoneCondition::kClosed);  // implicitly closed by the open limit 1
  // With a real active limit of 2 (both zones active) null_blk refuses this
  // open (swap_closed_when_active_full off); with no limit it closes zone 1.
  CHECK(m.Manage(ZoneAction::kOpen, 64 << 10) == ZoneStatus::kOk);
  CHECK(m.zone(2).cond == ZoneCondition::kExplicitOpen);
  CHECK(m.zone(1).cond == ZoneCondition::kClosed);
}

TEST_CASE("limits: the property suite's counterexample runs in lockstep, model and image alike") {
  const DeviceConfig c = PropertyCase();
  MemEnv env;
  const std::string path = "/limits.qcow2";
  REQUIRE(CreateZonedImage(&env, path, c, 4096).ok());
  Status s;
  std::unique_ptr<Device> image = OpenImageDevice(&env, path, c.params, &s);
  INFO(s.ToString());
  REQUIRE(image != nullptr);
  CHECK(image->config().max_active_zones == 0);
  LockstepChecker checker(c, image.get(), 16, 1);
  for (const Operation& op : Ops(kCase)) {
    INFO(FormatScriptLine(op));
    CHECK(checker.Step(op));
  }
  CHECK(checker.Finish());
  if (checker.divergence()) FAIL_CHECK(checker.divergence()->what);
}

}  // namespace zonesim
