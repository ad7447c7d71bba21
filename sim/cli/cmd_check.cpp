// zonesim check: the regression gate for qcow2 images with the zoned
// extension (qcow2/check/image_check.h), and with --conformance the conformance
// suite on each image's geometry (sim/gate/check_conformance.h).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/json_writer.h"
#include "qcow2/check/check_rules.h"
#include "qcow2/check/image_check.h"
#include "qcow2/storage/zoned_extension.h"
#include "sim/gate/check_conformance.h"
#include "sim/gate/check_written_by.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/script_file.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

constexpr const char* kUsage =
    "usage: zonesim check IMAGE... [--json] [--strict] [--repair] [--expect-layout L]\n"
    "usage: zonesim check IMAGE... [--json] [--strict] [--repair] [-U|--force-share]\n"
    "                     [--conformance [--seeds N] [--ops N] [--script FILE]...]\n"
    "                     [--written-by SCRIPT [--profile zns|zbc|linux]]\n"
    "\n"
    "Checks qcow2 images without trusting them and reports every finding, each with\n"
    "a stable identifier, a severity (error, leak, warning), the rule it breaks and\n"
    "the offending values: the qcow2 structure as `qemu-img check` sees it (refcounts\n"
    "against the real references, leaks, overlaps, tables in bounds) and the zoned\n"
    "format (bit 5 and extension, every field rule, the write-pointer table and every\n"
    "entry). The write-pointer table is never called leaked; a table freed by stock\n"
    "tools (`qemu-img check -r leaks`) is recognised and explained.\n"
    "\n"
    "  --json         one JSON document: per image the findings, counts, exit code\n"
    "  --strict       also warn about what the spec leaves ambiguous (write-pointer\n"
    "                 byte order, limits equal to the sequential zones, ...)\n"
    "  --repair       fix what loses no data: lower leaked refcounts, give a freed\n"
    "                 write-pointer table refcount 1 back; then check again. Without\n"
    "                 it the images are opened read-only and never modified.\n"
    "  --expect-layout L\n"
    "                 the zoned layout revision the project implements (v5, v9,\n"
    "                 v11, v12; qcow2/README.md): any other is an error\n"
    "                 (zoned.layout_unexpected), and it decides a 48-byte extension\n"
    "                 that reads consistently both as v5 and as v11\n"
    "  -U, --force-share  check an image another process holds (QEMU's -U; without\n"
    "                 it a locked image is refused, exit 1)\n"
    "  --conformance  also run the conformance suite on each image's geometry: fresh\n"
    "                 images of that geometry driven in lockstep with the reference\n"
    "                 model for every profile (zns, zbc, linux), seeded campaigns and\n"
    "                 scripts. It proves zonesim's own qcow2 zone layer agrees with the\n"
    "                 model on this geometry; it neither writes the given image nor\n"
    "                 drives another implementation.\n"
    "  --seeds N      campaigns per profile (default 2)\n"
    "  --ops N        operations per campaign (default 2000)\n"
    "  --script FILE  a zonesim io script to run in lockstep (repeatable); default:\n"
    "                 $ZONESIM_SOURCE_DIR/sim/tests/golden/basic.script if it exists\n"
    "  --written-by SCRIPT\n"
    "                 the gate for the implementation under test: IMAGE was made by\n"
    "                 running SCRIPT (qemu-io zone dialect) on a fresh image of its\n"
    "                 geometry and closing it. Runs SCRIPT on the model, power cycles\n"
    "                 it (open zones come back CLOSED) and compares every zone's\n"
    "                 condition and write pointer, the active count and every written\n"
    "                 byte with the image (read through a private copy).\n"
    "  --profile P    the model's behaviour for --written-by (default linux)\n"
    "  --rules        list every finding identifier with its severity and rule\n"
    "\n"
    "Exit status (as qemu-img check): 0 clean, 2 corruptions, 3 leaks only, 1 an image\n"
    "could not be checked or bad usage. With several images, the worst: 1, then 2,\n"
    "then 3. A failed conformance case or an image that differs from the model after\n"
    "its --written-by script counts as a corruption (2).\n";

// As qemu-img check: bad usage is 1, like an image that cannot be checked.
constexpr int kCheckUsageStatus = 1;

// What the command line asks for, with the scripts it names already read.
struct CheckCommandOptions {
  std::vector<std::string> images;
  bool json = false;
  bool list_rules = false;  // --rules: print the rule table and stop
  check::CheckOptions check;
  bool conformance = false;
  ConformanceOptions conf;
  std::string written_by;  // the script's path, as given
  std::vector<Operation> written_ops;
  Profile profile = Profile::kLinux;
};

Parsed<CheckCommandOptions> ParseCheckOptions(const CommandArgs& args) {
  namespace po = boost::program_options;
  CheckCommandOptions o;
  std::string expect_layout, seeds, ops, profile;
  std::vector<std::string> scripts;
  CommandLine cl("check", kUsage, kCheckUsageStatus);
  cl.AddJson(&o.json);
  cl.AddForceShare(&o.check.force_share);
  cl.AddProfile(&profile, "the model's behaviour for --written-by");
  cl.AddFlag("rules", &o.list_rules, "list every finding identifier");
  cl.AddFlag("strict", &o.check.strict, "also warn about what the spec leaves ambiguous");
  cl.AddFlag("repair", &o.check.repair, "fix what loses no data, then check again");
  cl.AddFlag("conformance", &o.conformance, "also run the conformance suite");
  cl.Add()("expect-layout", po::value(&expect_layout), "the zoned layout revision expected")(
      "seeds", po::value(&seeds), "campaigns per profile")("ops", po::value(&ops), "operations per campaign")(
      "script", po::value(&scripts), "a zonesim io script to run in lockstep (repeatable)")(
      "written-by", po::value(&o.written_by), "the script that wrote IMAGE");
  cl.Operands(&o.images);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<CheckCommandOptions>::Stop(*stop);
  if (o.list_rules) return {std::move(o), std::nullopt};

  if (cl.Given("expect-layout")) {
    ZonedLayout layout;
    if (Status s = ParseLayoutOption("--expect-layout", expect_layout, &layout); !s.ok())
      return cl.Stop<CheckCommandOptions>(s.message());
    o.check.expect_layout = layout;
  }
  if (cl.Given("seeds")) {
    uint64_t n = 0;
    if (Status s = ParseCountOption("--seeds", seeds, 1, 1000, &n); !s.ok())
      return cl.Stop<CheckCommandOptions>(s.message());
    o.conf.seeds = static_cast<uint32_t>(n);
  }
  if (cl.Given("ops")) {
    if (Status s = ParseCountOption("--ops", ops, 1, UINT64_MAX, &o.conf.ops); !s.ok())
      return cl.Stop<CheckCommandOptions>(s.message());
  }
  if (cl.Given("profile")) {
    if (Status s = ParseProfileOption(profile, &o.profile); !s.ok()) return cl.Stop<CheckCommandOptions>(s.message());
  }
  if (o.images.empty()) return cl.Stop<CheckCommandOptions>("missing IMAGE (try 'zonesim check --help')");

  if (o.conformance) {
    if (scripts.empty()) {
      const char* src = std::getenv("ZONESIM_SOURCE_DIR");
      const std::string golden = src ? std::string(src) + "/sim/tests/golden/basic.script" : "";
      if (!golden.empty() && std::ifstream(golden).good()) scripts.push_back(golden);
    }
    for (const std::string& path : scripts) {
      std::pair<std::string, std::vector<Operation>> script;
      if (Status s = LoadScriptFile(path, &script.first, &script.second); !s.ok())
        return cl.Stop<CheckCommandOptions>(s.message());
      o.conf.scripts.push_back(std::move(script));
    }
  }
  if (!o.written_by.empty()) {
    std::string name;
    if (Status s = LoadScriptFile(o.written_by, &name, &o.written_ops); !s.ok())
      return cl.Stop<CheckCommandOptions>(s.message());
  }
  return {std::move(o), std::nullopt};
}

struct ConformanceRun {
  bool ran = false;
  std::string reason;  // why not
  std::vector<ConformanceCase> cases;
  size_t failed() const {
    size_t n = 0;
    for (const auto& c : cases) n += !c.passed;
    return n;
  }
};

std::string ConformanceText(const ConformanceRun& run) {
  std::string out = "  conformance (zonesim's qcow2 zone layer vs the reference model, on this geometry):\n";
  if (!run.ran) return out + "    not run: " + run.reason + "\n";
  for (const auto& c : run.cases) {
    out += std::string("    ") + (c.passed ? "pass  " : "FAIL  ") + c.name + " (" + std::to_string(c.ops) +
           " operations)" + (c.detail.empty() ? "" : ": " + c.detail) + "\n";
  }
  return out + "  conformance: " + std::to_string(run.cases.size() - run.failed()) + " passed, " +
         std::to_string(run.failed()) + " failed\n";
}

struct WrittenByRun {
  bool ran = false;
  WrittenByResult result;
};

std::string WrittenByText(const std::string& script, Profile profile, const WrittenByRun& run) {
  std::string out = "  written by " + script + " (" + std::string(to_string(profile)) + " profile";
  if (!run.ran) return out + "): not compared: the image could not be checked or is not zoned\n";
  const WrittenByResult& r = run.result;
  out += ", " + std::to_string(r.ops) + " operations): ";
  if (!r.error.empty()) return out + "not compared: " + r.error + "\n";
  if (r.passed) return out + "the image matches the model (zones, counts, data)\n";
  out += "the image DIFFERS from the model:\n";
  for (const std::string& d : r.differences) out += "    " + d + "\n";
  return out;
}

struct CheckCommandResult {
  std::vector<std::string> errors;  // images that could not be checked, one line each
  std::vector<check::CheckReport> reports;
  std::vector<ConformanceRun> conformance;
  std::vector<WrittenByRun> written_by;
  int exit_code = 0;  // the worst of the images'
};

// Checks every image, then runs what the options add on each checked one.
CheckCommandResult RunCheck(const CheckCommandOptions& o) {
  Env* env = Env::Default();
  const size_t n = o.images.size();
  CheckCommandResult r;
  r.reports.resize(n);
  r.conformance.resize(n);
  r.written_by.resize(n);
  std::vector<int> codes;
  for (size_t i = 0; i < n; ++i) {
    Status s = check::CheckImage(env, o.images[i], o.check, &r.reports[i]);
    if (!s.ok()) {
      r.errors.push_back(s.message());
      codes.push_back(1);
      continue;
    }
    const check::CheckReport& report = r.reports[i];
    const bool geometry = report.checked && report.summary.zoned;
    int code = report.exit_code();
    if (o.conformance) {
      ConformanceRun& run = r.conformance[i];
      if (!geometry) {
        run.reason = report.checked ? "not a zoned image: no geometry to test" : "the image could not be checked";
        code = check::WorstExitCode({code, 1});
      } else {
        run.ran = true;
        RunConformance(*report.summary.zoned, report.summary.virtual_size, report.summary.cluster_size, o.conf,
                       &run.cases);
        if (run.failed() > 0) code = check::WorstExitCode({code, 2});
      }
    }
    if (!o.written_by.empty()) {
      WrittenByRun& w = r.written_by[i];
      if (!geometry) {
        code = check::WorstExitCode({code, 1});
      } else {
        w.ran = true;
        CheckWrittenBy(o.images[i], *report.summary.zoned, report.summary.virtual_size, o.profile, o.written_ops,
                       &w.result);
        if (!w.result.error.empty()) code = check::WorstExitCode({code, 1});
        else if (!w.result.passed) code = check::WorstExitCode({code, 2});
      }
    }
    codes.push_back(code);
  }
  r.exit_code = check::WorstExitCode(codes);
  return r;
}

std::string FormatRules() {
  std::string out;
  char line[512];
  for (const check::RuleInfo& rule : check::AllRules()) {
    std::snprintf(line, sizeof line, "%-42s %-7s %s%s%s\n", std::string(rule.id).c_str(),
                  std::string(to_string(rule.severity)).c_str(), rule.strict_only ? "(--strict) " : "",
                  rule.stops_check ? "(cannot check: exit 1) " : "", std::string(rule.rule).c_str());
    out += line;
  }
  return out;
}

void WrittenByJson(const CheckCommandOptions& o, const WrittenByRun& w, JsonWriter& j) {
  j.Key("written_by").BeginObject();
  j.Field("script", o.written_by).Field("profile", std::string(to_string(o.profile)));
  j.Field("compared", w.ran && w.result.error.empty());
  if (!w.result.error.empty()) j.Field("error", w.result.error);
  j.Field("operations", w.result.ops).Field("matches", w.ran && w.result.passed);
  j.Key("differences").BeginArray();
  for (const std::string& d : w.result.differences) j.String(d);
  j.EndArray();
  j.EndObject();
}

void ConformanceJson(const ConformanceRun& run, JsonWriter& j) {
  j.Key("conformance").BeginObject();
  j.Field("ran", run.ran);
  if (!run.ran) j.Field("reason", run.reason);
  j.Key("cases").BeginArray();
  for (const auto& c : run.cases) {
    j.BeginObject();
    j.Field("name", c.name).Field("passed", c.passed).Field("operations", c.ops);
    if (!c.detail.empty()) j.Field("detail", c.detail);
    j.EndObject();
  }
  j.EndArray();
  j.Field("passed", static_cast<uint64_t>(run.cases.size() - run.failed()));
  j.Field("failed", static_cast<uint64_t>(run.failed()));
  j.EndObject();
}

std::string FormatCheck(const CheckCommandOptions& o, const CheckCommandResult& r) {
  if (o.json) {
    std::function<void(JsonWriter&, size_t)> extra;
    if (o.conformance || !o.written_by.empty()) {
      extra = [&](JsonWriter& j, size_t i) {
        if (!o.written_by.empty()) WrittenByJson(o, r.written_by[i], j);
        if (o.conformance) ConformanceJson(r.conformance[i], j);
      };
    }
    return check::FormatJson(r.reports, r.exit_code, extra);
  }
  std::string out;
  for (size_t i = 0; i < o.images.size(); ++i) {
    out += check::FormatText(r.reports[i]);
    if (o.conformance) out += ConformanceText(r.conformance[i]);
    if (!o.written_by.empty()) out += WrittenByText(o.written_by, o.profile, r.written_by[i]);
  }
  if (o.images.size() > 1)
    out += "exit " + std::to_string(r.exit_code) + " (the worst of " + std::to_string(o.images.size()) + " images)\n";
  return out;
}

}  // namespace

int RunCheckCommand(const CommandArgs& args) {
  const Parsed<CheckCommandOptions> p = ParseCheckOptions(args);
  if (p.exit) return *p.exit;
  if (p.options.list_rules) {
    std::fputs(FormatRules().c_str(), stdout);
    return 0;
  }
  const CheckCommandResult r = RunCheck(p.options);
  for (const std::string& e : r.errors) CommandError("check", e, 1);
  std::fputs(FormatCheck(p.options, r).c_str(), stdout);
  return r.exit_code;
}

}  // namespace zonesim
