// `zonesim gate`: the fixed battery a project runs in CI to gate its
// implementation of the qcow2 zoned format through its qemu-io front end.
//
//   probe       the implementation opens a zoned image and answers zrp
//   campaigns   seeded lockstep campaigns for every profile over a geometry
//               matrix (GateGeometries), each image checked by zonesim's own
//               checker afterwards
//   create      with --qemu-img: the header its qemu-img writes is what was
//               asked, and an invalid geometry is refused with no file left
//   stock       with --qemu-img: `qemu-img check` accepts what it wrote, and
//               `check -r leaks` does not free the write-pointer table
//
// Every finding has a stable id (GateFindingIds), a one-line summary and, for
// campaigns, a shrunk reproducer in both zonesim's and qemu-io's form.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/devices/device_under_test.h"
#include "sim/lockstep/status_match.h"
#include "zoned/device_config.h"

namespace zonesim {

struct GateOptions {
  // qemu_io must be set. A word "{profile}" in its command is replaced by the
  // profile of each campaign (for implementations with a behaviour switch,
  // like `zonesim io --profile {profile}`).
  DeviceUnderTest dut;
  // The implementation's declared choices where the standards leave one
  // (model parameters in --config syntax, e.g. "implicit_close=lowest_index"),
  // applied over each profile's preset: adopted, never reported.
  std::string declared;
  ErrnoComparison errno_vocabulary = ErrnoComparison::kExact;
  std::vector<Profile> profiles = {Profile::kZns, Profile::kZbc, Profile::kLinux};
  uint64_t ops = 1000;              // per campaign
  std::vector<uint64_t> seeds = {1};
  std::function<void(const std::string& case_name)> progress;  // before each case
};

// One geometry of the matrix: a name and its changes over the profile's
// default fuzz device (sim/lockstep/fuzz_campaign.h DefaultFuzzDevice).
struct GateGeometry {
  std::string name;
  std::string why;      // what it exercises, one line
  std::string changes;  // --config syntax
};
const std::vector<GateGeometry>& GateGeometries();

struct GateFinding {
  std::string id;       // stable: "lockstep.status", "image.refcount.leak", ...
  std::string summary;  // one line
  std::string detail;   // the divergence report, the reproducers (may be several lines)
};

struct GateCase {
  std::string name;  // "linux/default/seed1", "create/header", ...
  bool skipped = false;
  std::string skip_reason;  // a geometry the profile does not have
  uint64_t ops = 0;
  std::vector<GateFinding> findings;
};

struct GateResult {
  std::vector<GateCase> cases;
  size_t findings() const;
};

// Could not run the implementation at all (exit 2): the Status says why, e.g.
// "zone commands not supported: this qemu-io has no zoned qcow2 driver ...".
Status RunGate(const GateOptions& options, GateResult* result);

// Every finding id the gate can give, with its meaning.
const std::vector<std::pair<std::string, std::string>>& GateFindingIds();

}  // namespace zonesim
