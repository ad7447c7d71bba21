// `zonesim check --conformance`: the conformance suite on an image's geometry.
// For each image, its zoned geometry (zone size and capacity, conventional
// zones, limits, append size, virtual size, cluster size) becomes a
// DeviceConfig per profile (zns, zbc, linux); fresh images of that geometry
// are created in a temporary directory and driven in lockstep with the
// reference model (sim/lockstep/fuzz_campaign.h): seeded campaigns and any given
// scripts (the golden session sim/tests/golden/basic.script by default).
//
// What a pass proves: zonesim's own qcow2 zone implementation agrees with
// the model on this geometry, power cycles and injected faults included.
// What it does not: the image given is never written (only its geometry is
// read), and no other implementation is driven. A qemu-io-driven Device
// (zoned/device.h) is where QEMU's zoned qcow2 driver would plug in later.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"
#include "zoned/operation.h"

namespace zonesim {

struct ConformanceOptions {
  uint32_t seeds = 2;    // campaigns per profile, seeds 1..seeds
  uint64_t ops = 2000;   // operations per campaign
  std::vector<std::pair<std::string, std::vector<Operation>>> scripts;  // name, operations
};

struct ConformanceCase {
  std::string name;  // "linux seed 1", "zns basic.script"
  bool passed = false;
  uint64_t ops = 0;
  std::string detail;  // why it failed or could not run
};

// Runs every case on the geometry; a setup failure of one case (e.g. the
// model refuses the geometry for a profile) is a failed case, not an error.
void RunConformance(const ZonedExtension& ext, uint64_t virtual_size, uint32_t cluster_size,
                    const ConformanceOptions& options, std::vector<ConformanceCase>* cases);

}  // namespace zonesim
