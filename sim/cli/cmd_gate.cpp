// zonesim gate: the one command a project puts in its CI to gate its
// implementation of the qcow2 zoned format (sim/gate/gate.h).
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/json_writer.h"
#include "sim/cli/commands.h"
#include "sim/cli/dut_options.h"
#include "sim/gate/gate.h"
#include "sim/lockstep/run_output.h"

namespace po = boost::program_options;

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
    "(or bad options).\n\noptions";

int Usage(const std::string& m) {
  std::fprintf(stderr, "zonesim gate: %s\n", m.c_str());
  return kExitCannotRun;
}

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

}  // namespace

int RunGateCommand(const CommandArgs& args) {
  DutCliOptions dut_options;
  std::string seeds_text = "1", profiles_text, junit;
  GateOptions o;
  po::options_description desc(kDescription);
  desc.add_options()("help,h", "show this help")("list", "list the geometry matrix and the finding ids")(
      "ops", po::value<uint64_t>(&o.ops)->default_value(1000), "operations per campaign")(
      "seeds", po::value<std::string>(&seeds_text)->default_value("1"), "A or A..B: the workload seeds")(
      "profiles", po::value<std::string>(&profiles_text),
      "the profiles to check, comma-separated (default: zns,zbc,linux when the --qemu-io "
      "command has a {profile} word to pass it on, else linux, the behaviour QEMU's "
      "zoned qcow2 driver documents)")(
      "config", po::value<std::string>(&o.declared),
      "the implementation's declared choices, model parameters over each profile "
      "(e.g. implicit_close=lowest_index,full_wp=zone_end): adopted, not reported")("json", "print the result as one JSON document")(
      "junit", po::value<std::string>(&junit), "also write a JUnit XML report (a test case per case)");
  AddDutOptions(&desc, &dut_options);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return Usage(e.what());
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitConforming;
  }
  if (vm.count("list")) {
    std::cout << ListText();
    return kExitConforming;
  }
  if (Status s = ResolveDutOptions(dut_options, &o.dut, &o.errno_vocabulary); !s.ok()) return Usage(s.message());
  if (!o.dut.external()) return Usage("--qemu-io CMD is required (try 'zonesim gate --help')");
  if (o.ops == 0 || o.ops > 10000000) return Usage("--ops must lie in 1..10000000");
  if (!ParseSeeds(seeds_text, &o.seeds)) return Usage("--seeds '" + seeds_text + "' is not A or A..B (at most 1000 seeds)");
  if (profiles_text.empty())
    profiles_text = dut_options.qemu_io.find("{profile}") != std::string::npos ? "zns,zbc,linux" : "linux";
  if (!ParseProfiles(profiles_text, &o.profiles))
    return Usage("--profiles '" + profiles_text + "' is not a comma-separated list of zns|zbc|linux");
  o.progress = [](const std::string& name) { std::fprintf(stderr, "gate: %s\n", name.c_str()); };

  GateResult r;
  Status s = RunGate(o, &r);
  if (!s.ok()) return Usage(s.message());
  std::cout << (vm.count("json") ? JsonReport(o, r) : TextReport(o, r));
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary | std::ios::trunc);
    out << JunitReport(r);
    out.close();
    if (!out) return Usage("cannot write --junit file '" + junit + "'");
  }
  return r.findings() ? kExitFindings : kExitConforming;
}

}  // namespace zonesim
