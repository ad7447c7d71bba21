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
#include "sim/cli/commands.h"
#include "sim/exec/io_runner.h"
#include "sim/devices/model_device.h"
#include "sim/devices/qcow2_device.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

namespace po = boost::program_options;

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

int usage_error(const std::string& msg) {
  std::cerr << "zonesim io: " << msg << "\n";
  return 2;
}

bool IsQuit(std::string_view line) {
  size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t\r");
  if (b == std::string_view::npos) return false;
  std::string_view word = line.substr(b, e - b + 1);
  return word == "quit" || word == "q";
}

// qemu-io's command loop over a pipe: prompt, read a line, run it, flush.
// Returns the exit status: 2 at a malformed line (the session stops there),
// else 1 if a command failed, else 0.
int RunStdinSession(Device* device) {
  IoRunner runner(device);
  // Lines are bounded so that piping a binary file in cannot allocate without limit.
  std::vector<char> buf(kMaxLine + 1);
  for (int lineno = 1;; ++lineno) {
    std::cout << "qemu-io> " << std::flush;
    std::cin.getline(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (std::cin.gcount() == 0 && std::cin.eof()) break;
    if (std::cin.fail() && !std::cin.eof()) {
      std::cout << std::flush;
      return usage_error("line " + std::to_string(lineno) + ": longer than " + std::to_string(kMaxLine) +
                         " characters");
    }
    std::string_view line(buf.data());
    if (IsQuit(line)) break;
    std::optional<Operation> op;
    Status s = ParseScriptLine(line, &op);
    if (!s.ok()) {
      std::cout << std::flush;
      return usage_error("line " + std::to_string(lineno) + ": " + s.message());
    }
    if (op) runner.Execute(*op, std::cout);
    if (std::cin.eof()) {
      std::cout << "qemu-io> ";  // qemu-io prompts again before it sees the end
      break;
    }
  }
  std::cout << std::flush;
  return runner.exit_status();
}

}  // namespace

int RunIoCommand(const CommandArgs& args) {
  po::options_description visible("options");
  visible.add_options()
      ("help,h", "print this help")
      ("model", po::value<std::string>(), "run on the reference model with this device SPEC")
      ("profile", po::value<std::string>(), "IMAGE only: behaviour preset zns|zbc|linux (default linux)")
      ("config", po::value<std::string>(), "IMAGE only: behaviour parameters key=value,...")
      ("read-only,r", "IMAGE only: open it read-only (never written; writes fail)")
      ("force-share,U", "IMAGE only, with -r: inspect an image another process has locked")
      ("cmd,c", po::value<std::vector<std::string>>(), "a command to run (repeatable)")
      ("coverage-out", po::value<std::string>(),
       "--model only: write the model's edge coverage (one edge a line) to FILE");
  po::options_description hidden;
  hidden.add_options()("image", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("image", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(std::string(e.what()) + " (try 'zonesim io --help')");
  }
  if (vm.count("help")) {
    std::cout << kIoHelp << "\n" << visible;
    return 0;
  }

  std::vector<std::string> images;
  if (vm.count("image")) images = vm["image"].as<std::vector<std::string>>();
  bool model = vm.count("model") > 0;
  if (images.size() > 1) return usage_error("more than one IMAGE given ('" + images[1] + "')");
  if (model == !images.empty())
    return usage_error("give either --model SPEC or an IMAGE (try 'zonesim io --help')");
  if (model && (vm.count("profile") || vm.count("config")))
    return usage_error("--profile and --config apply to an IMAGE; put parameters in the --model SPEC");
  if (model && (vm.count("read-only") || vm.count("force-share")))
    return usage_error("-r and -U apply to an IMAGE");
  if (vm.count("force-share") && !vm.count("read-only"))
    return usage_error("-U (--force-share) needs -r: a writer must hold the lock");
  if (!model && vm.count("coverage-out"))
    return usage_error("--coverage-out needs --model (only the model records edge coverage)");

  // -c commands: every one is parsed before the first runs.
  std::vector<Operation> ops;
  if (vm.count("cmd")) {
    const auto& cmds = vm["cmd"].as<std::vector<std::string>>();
    for (size_t i = 0; i < cmds.size(); ++i) {
      if (IsQuit(cmds[i])) break;
      std::optional<Operation> op;
      Status s = ParseScriptLine(cmds[i], &op);
      if (!s.ok()) return usage_error("command " + std::to_string(i + 1) + ": " + s.message());
      if (op) ops.push_back(*op);
    }
  }

  std::unique_ptr<Device> device;
  if (model) {
    DeviceConfig config;
    Status s = ParseDeviceConfig(vm["model"].as<std::string>(), &config);
    if (!s.ok()) return usage_error("--model: " + s.message());
    device = MakeModelDevice(config);
  } else {
    DeviceConfig config;
    Profile profile = Profile::kLinux;
    if (vm.count("profile")) {
      auto p = profile_from_string(vm["profile"].as<std::string>());
      if (!p)
        return usage_error("--profile: '" + vm["profile"].as<std::string>() +
                           "' is not one of zns|zbc|linux");
      profile = *p;
    }
    config.params = profile_params(profile);
    if (vm.count("config")) {
      DeviceConfig before = config;
      Status s = ApplyDeviceOptions({vm["config"].as<std::string>()}, &config);
      if (!s.ok()) return usage_error("--config: " + s.message());
      if (!SameGeometry(before, config))
        return usage_error("--config: geometry comes from the image; give only behaviour parameters");
      if (config.params.profile != profile)
        return usage_error("--config: use --profile to choose the profile");
    }
    ImageOpenMode mode;
    // Only -c scripts are known before the image opens; a session from
    // standard input may write at any line.
    mode.read_only = vm.count("read-only") > 0 ||
                     (vm.count("cmd") && OnlyReads(ops) && ::access(images[0].c_str(), W_OK) != 0);
    mode.force_share = vm.count("force-share") > 0;
    Status s;
    device = OpenImageDevice(Env::Default(), images[0], config.params, &s, mode);
    if (!device) return usage_error(images[0] + ": " + s.ToString());
  }

  int status = 0;
  if (vm.count("cmd")) {
    status = RunOperations(device.get(), ops, std::cout);
  } else {
    status = RunStdinSession(device.get());
  }
  std::cout.flush();
  // The write pointers reach the image here: its result decides the exit status.
  Status closed = device->Close();
  if (!closed.ok()) {
    std::cerr << "zonesim io: closing the device failed: " << closed.message() << "\n";
    if (status != 2) status = 1;
  }

  if (vm.count("coverage-out")) {
    const std::string path = vm["coverage-out"].as<std::string>();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << ModelOf(device.get())->coverage().Serialize();
    f.close();
    if (!f) return usage_error("--coverage-out: cannot write '" + path + "'");
  }
  return status;
}

}  // namespace zonesim
