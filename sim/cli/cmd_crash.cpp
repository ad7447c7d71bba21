// zonesim crash: every crash state of a short script's power losses, each
// checked in lockstep against the model (sim/lockstep/crash_states.h).
#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>

#include "common/json_writer.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/script_file.h"
#include "sim/gate/image_findings.h"
#include "sim/lockstep/crash_states.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

constexpr int kExitConforming = 0;
constexpr int kExitFailed = 1;

constexpr const char* kUsage =
    "usage: zonesim crash SCRIPT [--profile zns|zbc|linux] [--config SPEC] [--max-states N] [--json]\n\n"
    "Runs SCRIPT (zonesim io's command language) in lockstep on the model and a fresh\n"
    "zoned qcow2 image, and at every `powerloss` line (or at the end, when there is\n"
    "none) tries every crash state the file layer can be left in: each subset of the\n"
    "writes not yet synced survives (every subset when there are at most N of them,\n"
    "else every prefix, then every prefix missing one write). Each state is checked as\n"
    "a fuzz campaign checks a power loss: the states the model allows, the image's\n"
    "structure, then the rest of the script. Prints the window of every crash point,\n"
    "the states tried and each failing state with the writes it dropped; the first\n"
    "failure's script is a reproducer for `zonesim fuzz --replay`.\n"
    "Exit 0 every state conforms, 1 a state failed (or the script diverged before\n"
    "its first crash point), 2 bad options or input.\n\n";

struct CrashCommandOptions {
  CrashStatesOptions run;
  std::string script_name;
  std::vector<Operation> script;
  bool json = false;
};

std::string JoinIndices(const std::vector<uint32_t>& v) {
  std::string out;
  for (uint32_t i : v) out += (out.empty() ? "" : ",") + std::to_string(i);
  return out.empty() ? "none" : out;
}

Parsed<CrashCommandOptions> ParseCrashOptions(const CommandArgs& args) {
  namespace po = boost::program_options;
  CrashCommandOptions o;
  std::string profile_text = "linux", config_spec, max_states = "4096";
  std::vector<std::string> operands;
  CommandLine cl("crash", kUsage);
  cl.AddProfile(&profile_text, "the model's profile and default device (default linux)");
  cl.AddConfig(&config_spec, "device options and model parameters over the profile's default fuzz device");
  cl.Add()("max-states", po::value(&max_states), "the most crash states tried per crash point (default 4096)");
  cl.AddJson(&o.json);
  cl.Operands(&operands);
  cl.ListOptionsInHelp("options");
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<CrashCommandOptions>::Stop(*stop);
  if (operands.size() != 1) return cl.Stop<CrashCommandOptions>("expected one SCRIPT (try 'zonesim crash --help')");
  Profile profile;
  if (Status s = ParseProfileOption(profile_text, &profile); !s.ok()) return cl.Stop<CrashCommandOptions>(s.message());
  o.run.lockstep.config = DefaultFuzzDevice(profile);
  if (!config_spec.empty())
    if (Status s = ApplyConfigOption(config_spec, &o.run.lockstep.config); !s.ok())
      return cl.Stop<CrashCommandOptions>(s.message());
  if (Status s = ParseCountOption("--max-states", max_states, 1, 1u << 20, &o.run.max_states); !s.ok())
    return cl.Stop<CrashCommandOptions>(s.message());
  if (Status s = LoadScriptFile(operands[0], &o.script_name, &o.script); !s.ok())
    return cl.Stop<CrashCommandOptions>(s.message());
  // After every power loss the image's structure is checked: corruption is a
  // failure; leaks are crash residue (a power loss may leak clusters).
  o.run.lockstep.power_loss_check = PowerLossImageProblems;
  return {std::move(o), std::nullopt};
}

std::string TextReport(const CrashCommandOptions& o, const CrashStatesResult& r) {
  std::ostringstream out;
  const DeviceConfig& config = o.run.lockstep.config;
  out << "zonesim crash: " << o.script_name << ", " << o.script.size() << " operations, profile "
      << to_string(config.params.profile) << "\n";
  out << "device: " << FormatDeviceConfig(config) << "\n";
  if (!r.prefix_divergence.empty()) {
    out << "the script diverges before its first crash point:\n" << r.prefix_divergence;
    out << "verdict: DIVERGENCE\n";
    return out.str();
  }
  for (size_t p = 0; p < r.points.size(); ++p) {
    const CrashPoint& c = r.points[p];
    out << "crash point " << p + 1 << ": operation #" << c.index << ", " << c.writes.size()
        << " unsynced writes, " << c.enumeration << ": " << c.states << " states, " << c.failed << " failed\n";
    for (size_t i = 0; i < c.writes.size(); ++i) out << "  write " << i << ": " << c.writes[i] << "\n";
    for (const CrashFailure& f : r.failures)
      if (f.point == p)
        out << "  FAIL keep " << JoinIndices(f.kept) << " (dropped " << JoinIndices(f.dropped) << "): " << f.what
            << "\n";
  }
  if (r.failed > r.failures.size()) out << "  ... and " << r.failed - r.failures.size() << " more failing states\n";
  out << "states: " << r.states << " tried, " << r.failed << " failed\n";
  if (!r.failures.empty()) {
    const CrashFailure& f = r.failures.front();
    out << "first failure:\n" << f.report;
    out << "reproducer:\n  zonesim fuzz --config '" << FormatDeviceConfig(config) << "' --replay repro.script\n";
    out << "repro.script:\n";
    for (const Operation& op : f.script) out << "  " << FormatScriptLine(op) << "\n";
  }
  out << "verdict: " << (r.failed ? "FAILED" : "CONFORMING") << "\n";
  return out.str();
}

std::string JsonReport(const CrashCommandOptions& o, const CrashStatesResult& r) {
  JsonWriter j;
  j.BeginObject();
  j.Field("script", o.script_name).Field("operations", static_cast<uint64_t>(o.script.size()));
  j.Field("profile", to_string(o.run.lockstep.config.params.profile));
  j.Field("device", FormatDeviceConfig(o.run.lockstep.config));
  if (!r.prefix_divergence.empty()) j.Field("prefix_divergence", r.prefix_divergence);
  j.Key("crash_points").BeginArray();
  for (const CrashPoint& c : r.points) {
    j.BeginObject().Field("operation", c.index).Field("enumeration", c.enumeration);
    j.Key("unsynced_writes").BeginArray();
    for (const std::string& w : c.writes) j.String(w);
    j.EndArray().Field("states", c.states).Field("failed", c.failed).EndObject();
  }
  j.EndArray();
  j.Key("failures").BeginArray();
  for (const CrashFailure& f : r.failures) {
    j.BeginObject().Field("crash_point", static_cast<uint64_t>(f.point + 1));
    j.Key("kept").BeginArray();
    for (uint32_t i : f.kept) j.Uint(i);
    j.EndArray().Key("dropped").BeginArray();
    for (uint32_t i : f.dropped) j.Uint(i);
    j.EndArray().Field("what", f.what).Field("script", FormatScript(f.script)).EndObject();
  }
  j.EndArray();
  j.Field("states", r.states).Field("failed", r.failed);
  j.Field("verdict", !r.prefix_divergence.empty() ? "divergence" : r.failed ? "failed" : "conforming");
  j.EndObject();
  return j.str();
}

}  // namespace

int RunCrashCommand(const CommandArgs& args) {
  const Parsed<CrashCommandOptions> p = ParseCrashOptions(args);
  if (p.exit) return *p.exit;
  const CrashCommandOptions& o = p.options;
  CrashStatesResult r;
  if (Status s = RunCrashStates(o.run, o.script, &r); !s.ok()) return CommandError("crash", s.message(), kExitUsage);
  std::cout << (o.json ? JsonReport(o, r) : TextReport(o, r));
  return r.failed || !r.prefix_divergence.empty() ? kExitFailed : kExitConforming;
}

}  // namespace zonesim
