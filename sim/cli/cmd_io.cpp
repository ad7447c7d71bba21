// zonesim io: qemu-io's zone dialect on the model or on a zoned qcow2 image.
//
//   zonesim io --model "SPEC" [-c CMD]...
//   zonesim io IMAGE [--profile zns|zbc|linux] [--config PARAMS] [-c CMD]...
//
// Commands come from -c (in order; all are parsed before the first runs) or,
// without -c, from standard input one per line, each run as it is read after
// a `qemu-io> ` prompt, as qemu-io does from a pipe: so `zonesim io` can serve
// as the external implementation of `zonesim fuzz --qemu-io` (its own peer),
// and a long script needs no memory per line.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "common/env.h"
#include "zoned/device_config.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/exec/io_runner.h"
#include "sim/devices/model_device.h"
#include "sim/devices/qcow2_device.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

// The longest command line read from standard input.
constexpr size_t kMaxLine = 4096;

constexpr const char* kIoHelp = R"HELP(usage: zonesim io --model SPEC [-c CMD]... [--coverage-out FILE]
       zonesim io IMAGE [-r [-U]] [--profile zns|zbc|linux] [--config PARAMS] [-c CMD]...

Runs qemu-io's zone commands on the reference model or on a zoned qcow2 image
and prints what qemu-io prints. Commands come from -c, in order, or from
standard input one per line when no -c is given: then, as qemu-io does, the
prompt "qemu-io> " is printed before each command is read, each command runs
as soon as it is read, and a malformed line stops the session (exit 2; the
commands before it have run). `quit` (or `q`) ends the session.

qemu-io commands:
  zrp OFFSET NR               report NR zones from the zone holding OFFSET (sectors, hex)
  zo|zc|zf|zrs OFFSET LEN     open/close/finish/reset the zones in [OFFSET, OFFSET+LEN);
                              OFFSET zone aligned, LEN whole zones unless it reaches the
                              device end; [0, size) is the all-zones form
  zap [-p] OFFSET LEN [LEN..] zone append (pattern 0xcd) to the zone at OFFSET;
                              -p prints "After zap done, the append sector is 0x..."
  write [-P PATTERN] OFFSET LEN
  read [-v] [-P PATTERN] OFFSET LEN   -P verifies the data, -v dumps it
  flush
Long names (zone_report, zone_open, ..., zone_append) and w/r/f work too.
zonesim's own commands:
  zof OFFSET LEN              ZNS Offline Zone (READ ONLY -> OFFLINE)
  powercycle                  power loss and restart
  powerloss [keepall | torn 512|4096 SEED | reorder SEED | keep I,J,..]
                              real power loss: the image is dropped unflushed, the file
                              keeps the crash state chosen of the writes since the last
                              sync (default: none of them), and it is reopened
  inject readonly|offline OFFSET   device-internal event on one zone
  -S SEED                     on write/read/zap: seeded pseudo-random data instead of
                              a fill byte (read -S verifies against it)
  -P PATTERN                  on zap: another fill byte
  -o OPTION                   on zrp: report only the zones OPTION selects (ZNS reporting
                              options, ZBC REPORTING OPTIONS): all|empty|imp_open|exp_open|
                              closed|full|readonly|offline|not_wp; NR counts only those,
                              and a last line says "N zones, complete" or "partial"
Sizes take K/M/G/T suffixes and 0x hex. '#' starts a comment.

Output differs from qemu-io in three documented ways: read and write print only
their first line ("wrote 4096/4096 bytes at offset 0"): qemu-io's second line is
timing, which is never deterministic; failure reasons add the standard's name
after the strerror text ("zone open failed: Too many references: cannot splice
(Too Many Open Zones, BLK_STS_ZONE_OPEN_RESOURCE)"); a failed flush prints
"flush failed: ..." where qemu-io prints nothing.

SPEC is a device: "size=768M,zone_size=64M,zone_capacity=64M,conventional_zones=0,
max_open_zones=0,max_active_zones=0,max_append_bytes=131072,profile=linux" plus
any behaviour parameter by name. For an IMAGE the geometry comes from the image;
--profile picks the behaviour preset (default linux) and --config overrides
single behaviour parameters ("implicit_close=lowest_index,full_wp=zone_end").

The image is locked as QEMU locks it: while zonesim io writes it, qemu-io and
other zonesim commands are refused ("image is locked by another process"), and
the other way round. -r opens it read-only (writes fail, the file is never
changed; other readers may share it); -U (with -r) inspects an image another
process holds. A script of only reads and zone reports on a file you cannot
write is run read-only without -r.

Exit status: 0 every command succeeded; 1 a command failed (a device error or a
read whose data did not match -P/-S), as qemu-io -c; 2 bad options, a malformed
command, or a device that could not be opened. If the image cannot be closed
cleanly (its write pointers persisted), the exit status is 1 whatever the
commands did, and the error names the call, the file and the cause.
)HELP";

// Whether a script only looks (reads, zone reports): such a script on a file
// the user cannot write runs read-only instead of failing to open it.
bool OnlyReads(const std::vector<Operation>& ops) {
  for (const Operation& op : ops)
    if (op.kind != OpKind::kRead && op.kind != OpKind::kReport) return false;
  return true;
}

bool IsQuit(std::string_view line) {
  size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t\r");
  if (b == std::string_view::npos) return false;
  std::string_view word = line.substr(b, e - b + 1);
  return word == "quit" || word == "q";
}

// qemu-io's command loop over a pipe: prompt, read a line, run it, flush.
// Returns the exit status of the commands: 2 at a malformed line (the
// session stops there; *error says why), else 1 if a command failed, else 0.
int RunStdinSession(Device* device, std::ostream& out, std::string* error) {
  IoRunner runner(device);
  // Lines are bounded so that piping a binary file in cannot allocate without limit.
  std::vector<char> buf(kMaxLine + 1);
  for (int lineno = 1;; ++lineno) {
    out << "qemu-io> " << std::flush;
    std::cin.getline(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (std::cin.gcount() == 0 && std::cin.eof()) break;
    if (std::cin.fail() && !std::cin.eof()) {
      out << std::flush;
      *error = "line " + std::to_string(lineno) + ": longer than " + std::to_string(kMaxLine) + " characters";
      return kExitUsage;
    }
    std::string_view line(buf.data());
    if (IsQuit(line)) break;
    std::optional<Operation> op;
    Status s = ParseScriptLine(line, &op);
    if (!s.ok()) {
      out << std::flush;
      *error = "line " + std::to_string(lineno) + ": " + s.message();
      return kExitUsage;
    }
    if (op) runner.Execute(*op, out);
    if (std::cin.eof()) {
      out << "qemu-io> ";  // qemu-io prompts again before it sees the end
      break;
    }
  }
  out << std::flush;
  return runner.exit_status();
}

struct IoOptions {
  std::optional<DeviceConfig> model;  // --model SPEC; else an image
  std::string image;
  ZoneParams params;  // IMAGE: --profile with --config over it
  bool read_only = false;
  bool force_share = false;
  bool from_stdin = true;      // no -c
  std::vector<Operation> ops;  // the -c commands, parsed
  std::string coverage_out;
};

Parsed<IoOptions> ParseIoOptions(const CommandArgs& args) {
  namespace po = boost::program_options;
  IoOptions o;
  std::string model_spec, profile_name, config_spec;
  std::vector<std::string> cmds, images;
  CommandLine cl("io", std::string(kIoHelp) + "\n");
  cl.Add()("model", po::value(&model_spec), "run on the reference model with this device SPEC");
  cl.AddProfile(&profile_name, "IMAGE only: behaviour preset zns|zbc|linux (default linux)");
  cl.AddConfig(&config_spec, "IMAGE only: behaviour parameters key=value,...");
  cl.AddFlag("read-only,r", &o.read_only, "IMAGE only: open it read-only (never written; writes fail)");
  cl.AddForceShare(&o.force_share, "IMAGE only, with -r: inspect an image another process has locked");
  cl.Add()("cmd,c", po::value(&cmds), "a command to run (repeatable)")(
      "coverage-out", po::value(&o.coverage_out),
      "--model only: write the model's edge coverage (one edge a line) to FILE");
  cl.Operands(&images);
  cl.ListOptionsInHelp("options");
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<IoOptions>::Stop(*stop);

  const bool model = cl.Given("model");
  if (images.size() > 1) return cl.Stop<IoOptions>("more than one IMAGE given ('" + images[1] + "')");
  if (model == !images.empty()) return cl.Stop<IoOptions>("give either --model SPEC or an IMAGE (try 'zonesim io --help')");
  if (model && (cl.Given("profile") || cl.Given("config")))
    return cl.Stop<IoOptions>("--profile and --config apply to an IMAGE; put parameters in the --model SPEC");
  if (model && (o.read_only || o.force_share)) return cl.Stop<IoOptions>("-r and -U apply to an IMAGE");
  if (o.force_share && !o.read_only)
    return cl.Stop<IoOptions>("-U (--force-share) needs -r: a writer must hold the lock");
  if (!model && cl.Given("coverage-out"))
    return cl.Stop<IoOptions>("--coverage-out needs --model (only the model records edge coverage)");

  // -c commands: every one is parsed before the first runs.
  o.from_stdin = !cl.Given("cmd");
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (IsQuit(cmds[i])) break;
    std::optional<Operation> op;
    Status s = ParseScriptLine(cmds[i], &op);
    if (!s.ok()) return cl.Stop<IoOptions>("command " + std::to_string(i + 1) + ": " + s.message());
    if (op) o.ops.push_back(*op);
  }

  if (model) {
    o.model.emplace();
    Status s = ParseDeviceConfig(model_spec, &*o.model);
    if (!s.ok()) return cl.Stop<IoOptions>("--model: " + s.message());
    return {std::move(o), std::nullopt};
  }
  o.image = images[0];
  Profile profile = Profile::kLinux;
  if (cl.Given("profile")) {
    if (Status s = ParseProfileOption(profile_name, &profile); !s.ok()) return cl.Stop<IoOptions>(s.message());
  }
  DeviceConfig config;
  config.params = profile_params(profile);
  if (cl.Given("config")) {
    const DeviceConfig before = config;
    Status s = ApplyDeviceOptions({config_spec}, &config);
    if (!s.ok()) return cl.Stop<IoOptions>("--config: " + s.message());
    if (!SameGeometry(before, config))
      return cl.Stop<IoOptions>("--config: geometry comes from the image; give only behaviour parameters");
    if (config.params.profile != profile) return cl.Stop<IoOptions>("--config: use --profile to choose the profile");
  }
  o.params = config.params;
  return {std::move(o), std::nullopt};
}

struct IoResult {
  int commands_status = 0;  // 0 every command succeeded, 1 one failed, 2 a malformed line stopped the session
  std::string stop_error;   // why the session stopped (status 2)
  Status closed;            // the device's Close: the write pointers reach the image here
  bool coverage_written = true;
};

// Opens the device, runs the commands with qemu-io's output streamed to
// `out` as each runs (that output is the command's result), closes the
// device and writes --coverage-out. Non-ok: the device could not be opened.
Status RunIo(const IoOptions& o, std::ostream& out, IoResult* r) {
  std::unique_ptr<Device> device;
  if (o.model) {
    device = MakeModelDevice(*o.model);
  } else {
    ImageOpenMode mode;
    // Only -c scripts are known before the image opens; a session from
    // standard input may write at any line.
    mode.read_only = o.read_only || (!o.from_stdin && OnlyReads(o.ops) && ::access(o.image.c_str(), W_OK) != 0);
    mode.force_share = o.force_share;
    Status s;
    device = OpenImageDevice(Env::Default(), o.image, o.params, &s, mode);
    if (!device) return Status::InvalidArgument(o.image + ": " + s.ToString());
  }
  r->commands_status =
      o.from_stdin ? RunStdinSession(device.get(), out, &r->stop_error) : RunOperations(device.get(), o.ops, out);
  out.flush();
  r->closed = device->Close();
  if (!o.coverage_out.empty()) {
    std::ofstream f(o.coverage_out, std::ios::binary | std::ios::trunc);
    f << ModelOf(device.get())->coverage().Serialize();
    f.close();
    r->coverage_written = static_cast<bool>(f);
  }
  return Status::Ok();
}

}  // namespace

int RunIoCommand(const CommandArgs& args) {
  const Parsed<IoOptions> p = ParseIoOptions(args);
  if (p.exit) return *p.exit;
  IoResult r;
  if (Status s = RunIo(p.options, std::cout, &r); !s.ok()) return CommandError("io", s.message(), kExitUsage);
  int status = r.commands_status;
  if (!r.stop_error.empty()) CommandError("io", r.stop_error, kExitUsage);
  if (!r.closed.ok()) {
    CommandError("io", "closing the device failed: " + r.closed.message(), 1);
    if (status != kExitUsage) status = 1;
  }
  if (!r.coverage_written)
    return CommandError("io", "--coverage-out: cannot write '" + p.options.coverage_out + "'", kExitUsage);
  return status;
}

}  // namespace zonesim
