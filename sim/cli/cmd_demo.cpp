// zonesim demo: a guided qemu-io session on the reference model. A small
// built-in device (2 conventional zones, zone capacity below zone size, at most
// 2 open and 3 active zones, Linux/null_blk rules) runs a fixed script that
// shows each rule of the zone state machine once, with a zone report after each
// step that changes conditions, then the state-machine edges the run took.
// Everything is fixed, so the output is the same on every run.
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "zoned/device_config.h"
#include "model/edge_coverage.h"
#include "model/state_graph.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/exec/io_runner.h"
#include "sim/devices/model_device.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

constexpr std::string_view kDemoDevice =
    "size=8M,zone_size=1M,zone_capacity=768K,conventional_zones=2,max_open_zones=2,"
    "max_active_zones=3,max_append_bytes=64K,profile=linux";

// "# ..." lines are printed as they are (narration); every other line is a
// command, echoed after a "qemu-io> " prompt and followed by its output.
constexpr std::string_view kDemoScript = R"SCRIPT(# Zones 0 and 1 are conventional: random writes anywhere, no write pointer.
write -P 0x11 512K 4K
zrp 0 2

# Writing a sequential zone's whole capacity (768K) makes it FULL at once;
# its write pointer stops at start + capacity, 256K before the zone end.
write -P 0xee 7M 768K
zrp 7M 1
# Nothing can be written to a FULL zone.
write -P 0xee 7936K 4K

# A write at the write pointer of an EMPTY zone opens it implicitly (zcond 2).
write -P 0xaa 2M 64K
write -P 0xbb 3M 64K
zrp 2M 2

# A third open zone would exceed max_open_zones=2: the device first closes an
# implicitly open zone (null_blk's round robin starts at zone 2), then writes.
write -P 0xcc 4M 64K
zrp 2M 3

# Zones 2 (closed), 3 and 4 (open) hold all 3 active resources, so a fourth
# zone cannot become active.
write -P 0xdd 5M 64K

# Finish makes zone 3 FULL (write pointer at the zone end) and frees its
# resources; now zone 5 can be written.
zf 3M 1M
write -P 0xdd 5M 64K

# Explicitly opening closed zone 2 needs an open resource. null_blk will not
# close an implicitly open zone for it while every active resource is taken.
zo 2M 1M
# Zone ranges must start on a zone and cover whole zones.
zc 4M 4K
# Closing zone 4 frees an open resource; the explicit open now succeeds (zcond 3).
zc 4M 1M
zo 2M 1M
zrp 0 8

# Zone append: the device picks the offset (the write pointer) and -p prints
# the sector where the data landed.
zap -p 5M 4K 4K
zrp 5M 1

# read -P compares every byte of the request with the pattern.
read -P 0xaa 2M 64K
read -P 0xaa 3M 4K

# Reset returns zone 3 to EMPTY and forgets its data (unwritten blocks read as zeroes).
zrs 3M 1M
read -P 0 3M 4K

# Power loss: open zones come back CLOSED; written data persists.
powercycle
zrp 0 8

# Reset of the whole device [0, 8M) is the reset-all form.
zrs 0 8M
zrp 0 8
)SCRIPT";

constexpr const char* kDemoHelp = R"(usage: zonesim demo

Runs a built-in qemu-io script on the reference model and prints each command,
its output and the zone reports, then the state-machine edges the run took.
The device: 8 MiB, 1 MiB zones with 768 KiB capacity, zones 0-1 conventional,
at most 2 open and 3 active zones, Linux (null_blk) rules. See 'zonesim io
--help' for the command dialect.
)";

struct DemoOptions {};  // the tour is fixed: no options but --help

Parsed<DemoOptions> ParseDemoOptions(const CommandArgs& args) {
  CommandLine cl("demo", kDemoHelp);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<DemoOptions>::Stop(*stop);
  return {};
}

struct DemoResult {
  EdgeCoverage coverage;    // the edges the tour took
  Profile profile = Profile::kLinux;
  CoverageSummary summary;  // against the profile's state graph
};

// The tour: its transcript is the output, streamed to `out` as each command
// runs. InvalidArgument if the built-in device or script does not parse
// (a guard for edits to them).
Status RunDemo(std::ostream& out, DemoResult* r) {
  DeviceConfig config;
  Status s = ParseDeviceConfig(kDemoDevice, &config);
  if (!s.ok()) return Status::InvalidArgument("built-in device: " + s.message());
  ModelDevice device(config);
  IoRunner runner(&device);

  out << "zonesim demo: qemu-io's zone commands on the reference model\n"
      << "device: " << kDemoDevice << "\n"
      << "  zones 0-1 conventional; zones 2-7 sequential write required, 1M each,\n"
      << "  768K writable (zone capacity); at most 2 open and 3 active zones.\n"
      << "zrp prints 512-byte sectors in hex: zone 2 starts at 0x1000, a zone is 0x800 long\n"
      << "with capacity 0x600. zcond: 0 conventional, 1 EMPTY, 2 IMPLICIT OPEN, 3 EXPLICIT\n"
      << "OPEN, 4 CLOSED, 14 FULL.\n\n";

  size_t pos = 0;
  int lineno = 0;
  while (pos < kDemoScript.size()) {
    size_t nl = kDemoScript.find('\n', pos);
    if (nl == std::string_view::npos) nl = kDemoScript.size();
    std::string_view line = kDemoScript.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (line.empty() || line[0] == '#') {
      out << line << "\n";
      continue;
    }
    std::optional<Operation> op;
    Status ps = ParseScriptLine(line, &op);
    if (!ps.ok() || !op)
      return Status::InvalidArgument("built-in script line " + std::to_string(lineno) + ": " + ps.message());
    out << "qemu-io> " << line << "\n";
    runner.Execute(*op, out);
  }
  r->coverage = device.model().coverage();
  // How much of the profile's state machine (model/state_graph.h) the tour covered.
  r->profile = config.params.profile;
  r->summary = Summarize(BuildStateGraph(config.params), r->coverage);
  return Status::Ok();
}

// After the transcript: the edges taken and the state graph's coverage.
std::string FormatDemoCoverage(const DemoResult& r) {
  std::ostringstream out;
  out << "\nState-machine edges taken (" << r.coverage.counts().size() << " distinct):\n";
  for (const auto& [edge, count] : r.coverage.counts()) out << "  " << to_string(edge) << "  x" << count << "\n";
  out << "State graph of the " << to_string(r.profile) << " profile: " << CoverageLine(r.summary) << "\n";
  for (const std::string& e : r.summary.unexpected) out << "  NOT IN THE GRAPH: " << e << "\n";
  return out.str();
}

}  // namespace

int RunDemoCommand(const CommandArgs& args) {
  const Parsed<DemoOptions> p = ParseDemoOptions(args);
  if (p.exit) return *p.exit;
  DemoResult r;
  if (Status s = RunDemo(std::cout, &r); !s.ok()) return CommandError("demo", s.message(), kExitUsage);
  std::cout << FormatDemoCoverage(r);
  return r.summary.unexpected.empty() ? 0 : 1;
}

}  // namespace zonesim
