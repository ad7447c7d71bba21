// zonesim replay: a captured workload in lockstep on the model and a fresh
// zoned qcow2 image (sim/replay/replay.h); the workload's own zone-rule violations
// and any divergence of the image reported apart.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/lockstep/run_output.h"
#include "sim/cli/commands.h"
#include "sim/cli/dut_options.h"
#include "sim/replay/replay.h"
#include "sim/replay/replay_device.h"
#include "sim/replay/replay_report.h"
#include "traces/trace_open.h"

namespace po = boost::program_options;

namespace zonesim {

namespace {

constexpr int kExitConforming = 0;
constexpr int kExitDivergence = 1;
constexpr int kExitUsage = 2;
constexpr int kExitViolations = 3;

constexpr const char* kDescription =
    "usage: zonesim replay TRACE... [options]\n"
    "\n"
    "Replays a captured workload in lockstep on the reference model and on a fresh\n"
    "zoned qcow2 image, comparing every status, append LBA, read and the full zone\n"
    "report after every operation, as `zonesim fuzz` does. TRACE is a blktrace\n"
    "binary (several per-CPU files, or their NAME prefix: NAME.blktrace.N), a\n"
    "blkparse text output, a fio iolog (v2 or v3) or a zonesim io script; the\n"
    "format is detected from the content. The trace is streamed: memory does not\n"
    "grow with its length.\n"
    "\n"
    "Two kinds of findings, reported apart:\n"
    "  violations  the workload broke a zone rule: the model refused the request\n"
    "              (e.g. a write not at the write pointer: zone_invalid_write; past\n"
    "              the device end: lba_out_of_range; a discard:\n"
    "              discard_on_zoned_device). Counted by kind and zone; the first\n"
    "              few are quoted with their file and record or line.\n"
    "  divergence  the image answered differently from the model: a bug in\n"
    "              zonesim. The replay stops at the first and reports it.\n"
    "\n"
    "Rewrites (each counted in the summary):\n"
    "  - fio in zonemode=zbd logs its zone resets only as a trim of one whole zone\n"
    "    at its start: in fio logs such a trim runs as a zone reset; any other\n"
    "    discard is a violation and does not run.\n"
    "  - blktrace v7 logs a zone reset as a write of no data at the zone start: in\n"
    "    blktrace binaries such a write runs as a zone reset (blkparse text shows no\n"
    "    sector for it: skipped there).\n"
    "  - a write to the start of a written zone (a reset the log does not show) runs\n"
    "    as it is and is a violation, unless --infer-resets inserts a reset first.\n"
    "\n"
    "The device: by default the linux profile with 256 MiB zones, no conventional\n"
    "zones and no open/active limits, sized for the trace (whole zones, at most\n"
    "4096); --config changes any of it (fuzz --config syntax; without size= the\n"
    "device is still sized for the trace). --image takes the geometry and limits\n"
    "of an existing zoned image instead: the image is only read, never modified;\n"
    "the replay runs on a fresh image of the same geometry in a temporary\n"
    "directory, starting with every zone EMPTY.\n"
    "\n"
    "--map zone-rebase cuts the trace's address space into zones of the device's\n"
    "zone size and gives each distinct trace zone, in order of first use, the next\n"
    "device zone (offsets keep their place inside the zone), so a trace from a big\n"
    "disk replays on a small device. --map identity (default) uses offsets as they\n"
    "are; addresses beyond the device are lba_out_of_range violations.\n"
    "\n"
    "--time-scale is accepted for compatibility with timed replayers (fio\n"
    "replay_time_scale, btreplay -x): zonesim replays untimed, so it only scales\n"
    "the trace duration the summary reports.\n"
    "\n"
    "Exit status: 0 the image conformed (violations by the workload are findings,\n"
    "not failures), 1 divergence, 2 usage error or unreadable/malformed input\n"
    "(one line naming the file, record or line, and the problem), 3 with\n"
    "--fail-on-violations when the image conformed but the workload broke zone\n"
    "rules.\n"
    "\n"
    "options";

// The files a replay reads: outputs must be none of them.
std::vector<std::string> InputFiles(const std::vector<std::string>& traces, const std::string& image) {
  std::vector<std::string> files;
  for (const std::string& t : traces) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(t, ec)) {
      files.push_back(t);
      continue;
    }
    std::vector<BlktraceInput> expanded;
    if (ExpandBlktracePrefix(t, &expanded).ok())
      for (const BlktraceInput& in : expanded) files.push_back(in.path);
  }
  if (!image.empty()) files.push_back(image);
  return files;
}

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return true;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

bool ParsePowerCycleList(const std::vector<std::string>& specs, std::vector<uint64_t>* out,
                         std::string* bad) {
  for (const std::string& spec : specs) {
    std::stringstream in(spec);
    for (std::string item; std::getline(in, item, ',');) {
      if (item.empty()) continue;
      std::optional<uint64_t> n = ParseSize(item);
      if (!n || *n == 0) {
        *bad = item;
        return false;
      }
      out->push_back(*n);
    }
  }
  return true;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "zonesim replay: %s\n", message.c_str());
  return kExitUsage;
}

}  // namespace

int RunReplayCommand(const CommandArgs& args) {
  std::vector<std::string> traces, power_at, loss_at;
  std::string format_name = "auto", events_name = "auto", map_name = "identity";
  std::string profile_name = "linux", config_spec, image, junit;
  ReplayOptions o;
  DutCliOptions dut_options;
  po::options_description desc(kDescription);
  desc.add_options()("help,h", "show this help")(
      "format", po::value<std::string>(&format_name)->default_value("auto"),
      "auto|blktrace|blkparse|fio|script")(
      "events", po::value<std::string>(&events_name)->default_value("auto"),
      "which record stands for an I/O: queue|issue|complete; auto = queue, or issue "
      "when the capture has no queue events, or complete")(
      "profile", po::value<std::string>(&profile_name)->default_value("linux"),
      "zns|zbc|linux: the device's semantics")(
      "config", po::value<std::string>(&config_spec),
      "device options over the default device (fuzz --config syntax: size=,zone_size=,"
      "zone_capacity=,conventional_zones=,max_open_zones=,max_active_zones=,"
      "max_append_bytes=, any model parameter); with --image, behaviour parameters only")(
      "image", po::value<std::string>(&image),
      "take the geometry and limits from this zoned qcow2 image (read-only: the replay "
      "runs on a fresh copy of its geometry, the file is never modified)")(
      "map", po::value<std::string>(&map_name)->default_value("identity"), "identity|zone-rebase")(
      "time-scale", po::value<double>(&o.time_scale)->default_value(1.0),
      "speed factor of a timed replay; untimed here: scales the reported duration only")(
      "power-cycle-at", po::value<std::vector<std::string>>(&power_at)->composing(),
      "N,...: a power cycle after these I/O events (1-based)")(
      "power-cycle-every", po::value<uint64_t>(&o.power_cycle_every)->default_value(0),
      "a power cycle after every N I/O events")(
      "power-loss-at", po::value<std::vector<std::string>>(&loss_at)->composing(),
      "N,...: a power loss (unsynced writes lost, torn or reordered, chosen from --seed) after "
      "these I/O events (1-based)")(
      "power-loss-rate", po::value<double>(&o.power_loss_rate)->default_value(0),
      "probability of a power loss after each I/O event")(
      "seed", po::value<uint64_t>(&o.seed)->default_value(1),
      "seed of the power losses' draws and crash states")(
      "full-compare-every", po::value<uint64_t>(&o.full_compare_every),
      "compare every zone of both devices after every N-th operation (1: after every "
      "operation; default: every ceil(zones/64)); always at power cycles and the end")(
      "infer-resets", "reset a written zone before a write to its start instead of reporting a violation")(
      "fail-on-violations", "exit 3 when the workload broke zone rules (and the image conformed)")(
      "quote", po::value<size_t>(&o.quote_limit)->default_value(10), "violations quoted in the summary")(
      "cluster-size", po::value<uint32_t>(&o.cluster_size)->default_value(65536),
      "qcow2 cluster size of the fresh image (with --image: that image's own)")(
      "write-script", po::value<std::string>(&o.write_script),
      "write the operations as run (after --map and rewrites) as a zonesim io script")(
      "write-iolog", po::value<std::string>(&o.write_iolog),
      "write them as a fio version 2 iolog (fio --read_iolog) for real hardware")(
      "json", "print the result as one JSON document")(
      "junit", po::value<std::string>(&junit), "also write a JUnit XML report to this file");
  AddDutOptions(&desc, &dut_options);
  po::options_description hidden;
  hidden.add_options()("trace", po::value<std::vector<std::string>>(&traces));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("trace", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return Usage(e.what());
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitConforming;
  }
  if (traces.empty()) return Usage("missing TRACE (try 'zonesim replay --help')");
  // Said at once on stderr, where a user watching the run sees it, and kept
  // with the report's warnings.
  for (const std::string& w : PartialCaptureWarnings(traces)) std::fprintf(stderr, "zonesim replay: warning: %s\n", w.c_str());
  if (Status s = ResolveDutOptions(dut_options, &o.dut, &o.errno_vocabulary); !s.ok()) return Usage(s.message());
  o.traces = traces;
  if (!TraceFormatFromString(format_name, &o.format))
    return Usage("--format '" + format_name + "' is not one of auto|blktrace|blkparse|fio|script");
  if (!IoStageFromString(events_name, &o.events))
    return Usage("--events '" + events_name + "' is not one of queue|issue|complete");
  if (!AddressMapFromString(map_name, &o.map))
    return Usage("--map '" + map_name + "' is not one of identity|zone-rebase");
  auto profile = profile_from_string(profile_name);
  if (!profile) return Usage("--profile '" + profile_name + "' is not one of zns|zbc|linux");
  if (!(o.time_scale > 0)) return Usage("--time-scale must be greater than 0");
  std::string bad;
  if (!ParsePowerCycleList(power_at, &o.power_cycle_at, &bad))
    return Usage("--power-cycle-at: '" + bad + "' is not an event number (1, 2, ...)");
  if (!ParsePowerCycleList(loss_at, &o.power_loss_at, &bad))
    return Usage("--power-loss-at: '" + bad + "' is not an event number (1, 2, ...)");
  if (!(o.power_loss_rate >= 0 && o.power_loss_rate <= 1))
    return Usage("--power-loss-rate must lie in [0, 1]");
  o.infer_resets = vm.count("infer-resets") > 0;
  if (vm.count("full-compare-every") && o.full_compare_every == 0)
    return Usage("--full-compare-every must be at least 1");
  const bool fail_on_violations = vm.count("fail-on-violations") > 0;

  o.config = DefaultReplayDevice(*profile);
  if (!image.empty()) {
    ImageGeometry g;
    Status s = ReadImageGeometry(image, o.config.params, &g);
    if (!s.ok()) return Usage("--image: " + s.message());
    if (!config_spec.empty()) {
      DeviceConfig changed = g.config;
      s = ApplyDeviceOptions({config_spec}, &changed);
      if (!s.ok()) return Usage("--config: " + s.message());
      if (!SameGeometry(changed, g.config))
        return Usage("--config may not change the geometry or limits of --image (only behaviour parameters)");
      o.config.params = changed.params;
    }
    o.image_geometry_of = image;
  } else {
    Status s = ApplyReplayConfig(config_spec, &o.config);
    if (!s.ok()) return Usage("--config: " + s.message());
  }

  for (const std::string& out : {o.write_script, o.write_iolog, junit}) {
    if (out.empty()) continue;
    for (const std::string& in : InputFiles(traces, image))
      if (SameFile(out, in)) return Usage("output file '" + out + "' is an input of the replay");
  }

  bool tty = isatty(STDERR_FILENO) != 0;
  uint64_t next_shown = 0;
  bool bar_open = false;  // a bar drawn on the terminal without its final newline
  o.progress_every = 1;
  o.progress = [tty, &next_shown, &bar_open](uint64_t done, uint64_t total) {
    // A redraw every 0.5% on a terminal; in a log a line every 10% (and never
    // more often than every 1000 events, so a small trace logs one line).
    const uint64_t step = tty ? std::max<uint64_t>(total / 200, 1) : std::max<uint64_t>(total / 10, 1000);
    if (next_shown == 0) next_shown = step;
    if (done < next_shown && done < total) return;
    next_shown = done + step;
    PrintProgress(tty, "replay", "I/O events", done, total);
    bar_open = tty && done < total;
  };

  ReplayResult r;
  Status s = RunReplay(o, &r);
  if (bar_open) std::fprintf(stderr, "\n");  // stopped early (divergence, error)
  if (!s.ok()) return Usage(s.message());
  if (vm.count("json")) std::cout << ReplayJsonReport(o, r);
  else std::cout << ReplayTextReport(o, r);
  std::cout.flush();
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary | std::ios::trunc);
    out << ReplayJunitReport(o, r, fail_on_violations);
    if (!out) return Usage("cannot write --junit file '" + junit + "'");
  }
  if (!r.close_error.empty())
    std::fprintf(stderr, "zonesim replay: the implementation failed at the end: %s\n", r.close_error.c_str());
  if (r.divergence || !r.close_error.empty()) return kExitDivergence;
  if (fail_on_violations && r.violations > 0) return kExitViolations;
  return kExitConforming;
}

}  // namespace zonesim
