// The options that point a lockstep command (fuzz, replay, gate) at an
// external implementation: --qemu-io CMD, --qemu-img CMD, --errno, --timeout.
// One place parses and validates them, so every command spells them alike.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/devices/device_under_test.h"
#include "sim/lockstep/status_match.h"
#include "zoned/operation.h"

namespace zonesim {

struct DutCliOptions {
  std::string qemu_io;    // as typed: split like a shell would, no shell run
  std::string qemu_img;
  std::string errno_vocabulary = "exact";
  int timeout_ms = 20000;
};

// Adds the options to desc, storing into *o.
void AddDutOptions(boost::program_options::options_description* desc, DutCliOptions* o);

// The device under test and errno vocabulary the options ask for;
// InvalidArgument naming the option otherwise.
Status ResolveDutOptions(const DutCliOptions& o, DeviceUnderTest* dut, ErrnoComparison* vocabulary);

// For a script run against an external implementation: every operation must
// have a qemu-io form. InvalidArgument naming the first that has not.
Status CheckScriptForQemuIo(const std::vector<Operation>& ops);

}  // namespace zonesim
