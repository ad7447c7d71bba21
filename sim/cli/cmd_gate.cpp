// zonesim gate: the one command a project puts in its CI to gate its
// implementation of the qcow2 zoned format (sim/gate/gate.h).
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/json_writer.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/dut_options.h"
#include "sim/gate/gate.h"
#include "sim/lockstep/run_output.h"

namespace zonesim {

namespace {

constexpr int kExitConforming = 0;
constexpr int kExitFindings = 1;
constexpr int kExitCannotRun = 2;

constexpr const char* kDescription =
    "usage: zonesim gate --qemu-io CMD [--qemu-img CMD] [--errno exact|qemu|ignore] [--config PARAMS]\n"
    "                    [--ops N] [--seeds A..B] [--profiles zns,zbc,linux] [--json] [--junit FILE]\n\n"
    "Gates an implementation of the qcow2 zoned format through its qemu-io front end:\n"
    "seeded lockstep campaigns against the reference model for every profile over a\n"
    "geometry matrix (--list shows it), each image it wrote checked by zonesim's own\n"
    "checker; with --qemu-img, the images are created by its qemu-img (the header is\n"
    "read back and compared), an invalid geometry must be refused, and its qemu-img\n"
    "check must accept what it wrote and keep the write-pointer table on -r leaks.\n"
    "Exit 0 everything conforms, 1 findings, 2 the implementation could not be run\n"
    "(or bad options).\n\n";

bool ParseSeeds(const std::string& text, std::vector<uint64_t>* seeds) {
  size_t dots = text.find("..");
  try {
    size_t used = 0;
    uint64_t a = std::stoull(text.substr(0, dots), &used);
    if (used != (dots == std::string::npos ? text.size() : dots)) return false;
    uint64_t b = a;
    if (dots != std::string::npos) {
      b = std::stoull(text.substr(dots + 2), &used);
      if (used != text.size() - dots - 2) return false;
    }
    if (b < a || b - a >= 1000) return false;
    seeds->clear();
    for (uint64_t s = a; s <= b; ++s) seeds->push_back(s);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool ParseProfiles(const std::string& text, std::vector<Profile>* out) {
  out->clear();
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    auto p = profile_from_string(item);
    if (!p) return false;
    out->push_back(*p);
  }
  return !out->empty();
}

std::string Indent(const std::string& text, const std::string& pad) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += pad + line + "\n";
  return out;
}

std::string TextReport(const GateOptions& o, const GateResult& r) {
  std::ostringstream out;
  out << "zonesim gate: " << ShellJoin(o.dut.qemu_io.command) << " IMAGE (errno " << to_string(o.errno_vocabulary)
      << ", " << o.ops << " operations a campaign)\n";
  size_t passed = 0, skipped = 0, failed = 0;
  for (const GateCase& c : r.cases) {
    if (c.skipped) {
      ++skipped;
      out << "SKIP " << c.name << ": " << c.skip_reason << "\n";
    } else if (c.findings.empty()) {
      ++passed;
      out << "PASS " << c.name << " (" << c.ops << " operations)\n";
    } else {
      ++failed;
      out << "FAIL " << c.name << " (" << c.ops << " operations)\n";
      for (const GateFinding& f : c.findings) {
        out << "  " << f.id << ": " << f.summary << "\n";
        out << Indent(f.detail, "    ");
      }
    }
  }
  out << "summary: " << r.cases.size() << " cases, " << passed << " passed, " << skipped << " skipped, " << failed
      << " failed, " << r.findings() << " findings\n";
  out << "verdict: " << (r.findings() ? "FINDINGS" : "CONFORMING") << "\n";
  return out.str();
}

std::string JsonReport(const GateOptions& o, const GateResult& r) {
  JsonWriter j;
  j.BeginObject();
  j.Field("implementation", ShellJoin(o.dut.qemu_io.command));
  j.Field("errno", to_string(o.errno_vocabulary)).Field("operations_per_campaign", o.ops);
  j.Key("cases").BeginArray();
  for (const GateCase& c : r.cases) {
    j.BeginObject().Field("name", c.name);
    j.Field("result", c.skipped ? "skipped" : c.findings.empty() ? "passed" : "failed");
    if (c.skipped) j.Field("reason", c.skip_reason);
    j.Field("operations", c.ops);
    j.Key("findings").BeginArray();
    for (const GateFinding& f : c.findings)
      j.BeginObject().Field("id", f.id).Field("summary", f.summary).Field("detail", f.detail).EndObject();
    j.EndArray().EndObject();
  }
  j.EndArray();
  j.Field("findings", static_cast<uint64_t>(r.findings()));
  j.Field("verdict", r.findings() ? "findings" : "conforming");
  j.EndObject();
  return j.str();
}

std::string JunitReport(const GateResult& r) {
  size_t failures = 0, skipped = 0;
  for (const GateCase& c : r.cases) failures += !c.findings.empty(), skipped += c.skipped;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += "<testsuite name=\"zonesim.gate\" tests=\"" + std::to_string(r.cases.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" skipped=\"" + std::to_string(skipped) + "\" errors=\"0\">\n";
  for (const GateCase& c : r.cases) {
    out += "  <testcase classname=\"zonesim.gate\" name=\"" + XmlEscape(c.name) + "\">\n";
    if (c.skipped) out += "    <skipped message=\"" + XmlEscape(c.skip_reason) + "\"/>\n";
    for (const GateFinding& f : c.findings)
      out += "    <failure type=\"" + XmlEscape(f.id) + "\" message=\"" + XmlEscape(f.summary) + "\">" +
             XmlEscape(f.detail) + "</failure>\n";
    out += "  </testcase>\n";
  }
  out += "</testsuite>\n</testsuites>\n";
  return out;
}

std::string ListText() {
  std::string out = "geometries (over each profile's default fuzz device):\n";
  for (const GateGeometry& g : GateGeometries())
    out += "  " + g.name + ": " + g.why + (g.changes.empty() ? "" : " [" + g.changes + "]") + "\n";
  out += "finding ids:\n";
  for (const auto& [id, what] : GateFindingIds()) out += "  " + id + ": " + what + "\n";
  return out;
}

struct GateCommandOptions {
  GateOptions gate;
  bool list = false;  // --list: print the matrix and the finding ids, run nothing
  bool json = false;
  std::string junit;
};

Parsed<GateCommandOptions> ParseGateOptions(const CommandArgs& args) {
  namespace po = boost::program_options;
  GateCommandOptions o;
  DutCliOptions dut_options;
  std::string seeds_text = "1", profiles_text;
  CommandLine cl("gate", kDescription, kExitCannotRun);
  cl.AddFlag("list", &o.list, "list the geometry matrix and the finding ids");
  cl.Add()("ops", po::value<uint64_t>(&o.gate.ops)->default_value(1000), "operations per campaign")(
      "seeds", po::value<std::string>(&seeds_text)->default_value("1"), "A or A..B: the workload seeds")(
      "profiles", po::value<std::string>(&profiles_text),
      "the profiles to check, comma-separated (default: zns,zbc,linux when the --qemu-io "
      "command has a {profile} word to pass it on, else linux, the behaviour QEMU's "
      "zoned qcow2 driver documents)");
  cl.AddConfig(&o.gate.declared,
               "the implementation's declared choices, model parameters over each profile "
               "(e.g. implicit_close=lowest_index,full_wp=zone_end): adopted, not reported");
  cl.AddJson(&o.json);
  cl.Add()("junit", po::value<std::string>(&o.junit), "also write a JUnit XML report (a test case per case)");
  AddDutOptions(&cl.options(), &dut_options);
  cl.ListOptionsInHelp("options");
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<GateCommandOptions>::Stop(*stop);
  if (o.list) return {std::move(o), std::nullopt};

  GateOptions& g = o.gate;
  if (Status s = ResolveDutOptions(dut_options, &g.dut, &g.errno_vocabulary); !s.ok())
    return cl.Stop<GateCommandOptions>(s.message());
  if (!g.dut.external()) return cl.Stop<GateCommandOptions>("--qemu-io CMD is required (try 'zonesim gate --help')");
  if (g.ops == 0 || g.ops > 10000000) return cl.Stop<GateCommandOptions>("--ops must lie in 1..10000000");
  if (!ParseSeeds(seeds_text, &g.seeds))
    return cl.Stop<GateCommandOptions>("--seeds '" + seeds_text + "' is not A or A..B (at most 1000 seeds)");
  if (profiles_text.empty())
    profiles_text = dut_options.qemu_io.find("{profile}") != std::string::npos ? "zns,zbc,linux" : "linux";
  if (!ParseProfiles(profiles_text, &g.profiles))
    return cl.Stop<GateCommandOptions>("--profiles '" + profiles_text +
                                       "' is not a comma-separated list of zns|zbc|linux");
  g.progress = [](const std::string& name) { std::fprintf(stderr, "gate: %s\n", name.c_str()); };
  return {std::move(o), std::nullopt};
}

}  // namespace

int RunGateCommand(const CommandArgs& args) {
  const Parsed<GateCommandOptions> p = ParseGateOptions(args);
  if (p.exit) return *p.exit;
  const GateCommandOptions& o = p.options;
  if (o.list) {
    std::cout << ListText();
    return kExitConforming;
  }
  GateResult r;
  if (Status s = RunGate(o.gate, &r); !s.ok()) return CommandError("gate", s.message(), kExitCannotRun);
  std::cout << (o.json ? JsonReport(o.gate, r) : TextReport(o.gate, r));
  if (!o.junit.empty()) {
    std::ofstream out(o.junit, std::ios::binary | std::ios::trunc);
    out << JunitReport(r);
    out.close();
    if (!out) return CommandError("gate", "cannot write --junit file '" + o.junit + "'", kExitCannotRun);
  }
  return r.findings() ? kExitFindings : kExitConforming;
}

}  // namespace zonesim
