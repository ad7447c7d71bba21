// The options of `zonesim replay`: the usage text, the options table, and the
// checks that make a bad option or an unreadable --image a usage error before
// anything runs.
#include "sim/cli/replay_options.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "sim/cli/dut_options.h"
#include "sim/replay/replay_device.h"
#include "traces/trace_open.h"

namespace zonesim {

namespace {

// --help prints this, then the options table.
constexpr const char* kUsage =
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
    "\n";

// The options that are checked or converted after parsing, as typed.
struct ReplayArgs {
  std::string format = "auto", events = "auto", map = "identity", profile = "linux";
  std::string config, image;
  std::vector<std::string> power_cycle_at, power_loss_at;
  DutCliOptions dut;
};

void AddReplayOptions(CommandLine* cl, ReplayArgs* a, ReplayCommandOptions* o) {
  namespace po = boost::program_options;
  ReplayOptions& r = o->replay;
  cl->Add()("format", po::value<std::string>(&a->format)->default_value("auto"), "auto|blktrace|blkparse|fio|script")(
      "events", po::value<std::string>(&a->events)->default_value("auto"),
      "which record stands for an I/O: queue|issue|complete; auto = queue, or issue "
      "when the capture has no queue events, or complete")(
      "profile", po::value<std::string>(&a->profile)->default_value("linux"), "zns|zbc|linux: the device's semantics")(
      "config", po::value<std::string>(&a->config),
      "device options over the default device (fuzz --config syntax: size=,zone_size=,"
      "zone_capacity=,conventional_zones=,max_open_zones=,max_active_zones=,"
      "max_append_bytes=, any model parameter); with --image, behaviour parameters only")(
      "image", po::value<std::string>(&a->image),
      "take the geometry and limits from this zoned qcow2 image (read-only: the replay "
      "runs on a fresh copy of its geometry, the file is never modified)")(
      "map", po::value<std::string>(&a->map)->default_value("identity"), "identity|zone-rebase")(
      "time-scale", po::value<double>(&r.time_scale)->default_value(1.0),
      "speed factor of a timed replay; untimed here: scales the reported duration only")(
      "power-cycle-at", po::value<std::vector<std::string>>(&a->power_cycle_at)->composing(),
      "N,...: a power cycle after these I/O events (1-based)")(
      "power-cycle-every", po::value<uint64_t>(&r.power_cycle_every)->default_value(0),
      "a power cycle after every N I/O events")(
      "power-loss-at", po::value<std::vector<std::string>>(&a->power_loss_at)->composing(),
      "N,...: a power loss (unsynced writes lost, torn or reordered, chosen from --seed) after "
      "these I/O events (1-based)")(
      "power-loss-rate", po::value<double>(&r.power_loss_rate)->default_value(0),
      "probability of a power loss after each I/O event")(
      "seed", po::value<uint64_t>(&r.seed)->default_value(1), "seed of the power losses' draws and crash states")(
      "full-compare-every", po::value<uint64_t>(&r.full_compare_every),
      "the complete comparison after every N-th operation (1: after every operation; "
      "default: every ceil(zones/64)): every zone either side changed and 4096 others in "
      "turn; also at power cycles, and of every zone at the end");
  cl->AddFlag("infer-resets", &r.infer_resets,
              "reset a written zone before a write to its start instead of reporting a violation");
  cl->AddFlag("fail-on-violations", &o->fail_on_violations,
              "exit 3 when the workload broke zone rules (and the image conformed)");
  cl->Add()("quote", po::value<size_t>(&r.quote_limit)->default_value(10), "violations quoted in the summary")(
      "cluster-size", po::value<uint32_t>(&r.cluster_size)->default_value(65536),
      "qcow2 cluster size of the fresh image (with --image: that image's own)")(
      "write-script", po::value<std::string>(&r.write_script),
      "write the operations as run (after --map and rewrites) as a zonesim io script")(
      "write-iolog", po::value<std::string>(&r.write_iolog),
      "write them as a fio version 2 iolog (fio --read_iolog) for real hardware");
  cl->AddJson(&o->json);
  cl->Add()("junit", po::value<std::string>(&o->junit), "also write a JUnit XML report to this file");
  AddDutOptions(&cl->options(), &a->dut);
  cl->Operands(&r.traces);
  cl->ListOptionsInHelp("options");
}

// "--power-cycle-at 1,5 --power-cycle-at 9": I/O event numbers (1-based).
Status ParseEventNumbers(const char* option, const std::vector<std::string>& specs, std::vector<uint64_t>* out) {
  for (const std::string& spec : specs) {
    std::stringstream in(spec);
    for (std::string item; std::getline(in, item, ',');) {
      if (item.empty()) continue;
      std::optional<uint64_t> n = ParseSize(item);
      if (!n || *n == 0)
        return Status::InvalidArgument(std::string(option) + ": '" + item + "' is not an event number (1, 2, ...)");
      out->push_back(*n);
    }
  }
  return Status::Ok();
}

// --format, --events, --map, --time-scale and the power cycles and losses.
Status CheckReplayArgs(const ReplayArgs& a, bool full_compare_given, ReplayOptions* o) {
  if (!TraceFormatFromString(a.format, &o->format))
    return Status::InvalidArgument("--format '" + a.format + "' is not one of auto|blktrace|blkparse|fio|script");
  if (!IoStageFromString(a.events, &o->events))
    return Status::InvalidArgument("--events '" + a.events + "' is not one of queue|issue|complete");
  if (!AddressMapFromString(a.map, &o->map))
    return Status::InvalidArgument("--map '" + a.map + "' is not one of identity|zone-rebase");
  Profile profile{};
  if (Status s = ParseProfileOption(a.profile, &profile); !s.ok()) return s;
  o->config = DefaultReplayDevice(profile);
  if (!(o->time_scale > 0)) return Status::InvalidArgument("--time-scale must be greater than 0");
  Status s = ParseEventNumbers("--power-cycle-at", a.power_cycle_at, &o->power_cycle_at);
  if (s.ok()) s = ParseEventNumbers("--power-loss-at", a.power_loss_at, &o->power_loss_at);
  if (s.ok() && !(o->power_loss_rate >= 0 && o->power_loss_rate <= 1))
    s = Status::InvalidArgument("--power-loss-rate must lie in [0, 1]");
  if (s.ok() && full_compare_given && o->full_compare_every == 0)
    s = Status::InvalidArgument("--full-compare-every must be at least 1");
  return s;
}

// The device: o->config (the profile's default) changed by --config, or the
// geometry of --image with --config's behaviour parameters.
Status ChooseReplayDevice(const ReplayArgs& a, ReplayOptions* o) {
  if (a.image.empty()) {
    Status s = ApplyReplayConfig(a.config, &o->config);
    return s.ok() ? s : Status::InvalidArgument("--config: " + s.message());
  }
  ImageGeometry g;
  if (Status s = ReadImageGeometry(a.image, o->config.params, &g); !s.ok())
    return Status::InvalidArgument("--image: " + s.message());
  if (!a.config.empty()) {
    DeviceConfig changed = g.config;
    if (Status s = ApplyDeviceOptions({a.config}, &changed); !s.ok())
      return Status::InvalidArgument("--config: " + s.message());
    if (!SameGeometry(changed, g.config))
      return Status::InvalidArgument(
          "--config may not change the geometry or limits of --image (only behaviour parameters)");
    o->config.params = changed.params;
  }
  o->image_geometry_of = a.image;
  return Status::Ok();
}

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

// --write-script, --write-iolog and --junit must not overwrite an input.
Status CheckOutputsAreNotInputs(const ReplayCommandOptions& o, const std::string& image) {
  for (const std::string& out : {o.replay.write_script, o.replay.write_iolog, o.junit}) {
    if (out.empty()) continue;
    for (const std::string& in : InputFiles(o.replay.traces, image))
      if (SameFile(out, in)) return Status::InvalidArgument("output file '" + out + "' is an input of the replay");
  }
  return Status::Ok();
}

// What the options ask for, checked in the order the command has always
// checked them.
Status CheckReplayOptions(const ReplayArgs& a, bool full_compare_given, ReplayCommandOptions* o) {
  Status s = ResolveDutOptions(a.dut, &o->replay.dut, &o->replay.errno_vocabulary);
  if (s.ok()) s = CheckReplayArgs(a, full_compare_given, &o->replay);
  if (s.ok()) s = ChooseReplayDevice(a, &o->replay);
  if (s.ok()) s = CheckOutputsAreNotInputs(*o, a.image);
  return s;
}

}  // namespace

Parsed<ReplayCommandOptions> ParseReplayOptions(const CommandArgs& args) {
  ReplayCommandOptions o;
  ReplayArgs a;
  CommandLine cl("replay", kUsage);
  AddReplayOptions(&cl, &a, &o);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<ReplayCommandOptions>::Stop(*stop);
  const std::vector<std::string>& traces = o.replay.traces;
  if (traces.empty()) return cl.Stop<ReplayCommandOptions>("missing TRACE (try 'zonesim replay --help')");
  // Said at once on stderr, where a user watching the run sees it, and kept
  // with the report's warnings.
  for (const std::string& w : PartialCaptureWarnings(traces))
    std::fprintf(stderr, "zonesim replay: warning: %s\n", w.c_str());
  const Status s = CheckReplayOptions(a, cl.Given("full-compare-every"), &o);
  if (!s.ok()) return cl.Stop<ReplayCommandOptions>(s.message());
  return {std::move(o), std::nullopt};
}

}  // namespace zonesim
