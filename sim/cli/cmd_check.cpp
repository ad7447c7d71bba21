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
#include "sim/cli/commands.h"
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

constexpr int kExitUsage = 1;

bool ParseNumber(const std::string& text, uint64_t* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18) return false;
  *out = std::strtoull(text.c_str(), nullptr, 10);
  return true;
}

bool LoadScript(const std::string& path, ConformanceOptions* o, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read script file '" + path + "'";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::vector<Operation> ops;
  Status s = ParseScript(text.str(), &ops);
  if (!s.ok()) {
    *error = path + ": " + s.message();
    return false;
  }
  const size_t slash = path.find_last_of('/');
  o->scripts.emplace_back(slash == std::string::npos ? path : path.substr(slash + 1), std::move(ops));
  return true;
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

}  // namespace

int RunCheckCommand(const CommandArgs& args) {
  std::vector<std::string> images;
  bool json = false, conformance = false;
  check::CheckOptions options;
  ConformanceOptions conf;
  std::vector<std::string> scripts;
  std::string written_by;
  std::vector<Operation> written_ops;
  Profile profile = Profile::kLinux;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name, std::string* out) {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "zonesim check: %s needs a value\n", name);
        return false;
      }
      *out = args[++i];
      return true;
    };
    std::string v;
    uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--rules") {
      for (const check::RuleInfo& r : check::AllRules()) {
        std::printf("%-42s %-7s %s%s%s\n", std::string(r.id).c_str(), std::string(to_string(r.severity)).c_str(),
                    r.strict_only ? "(--strict) " : "", r.stops_check ? "(cannot check: exit 1) " : "",
                    std::string(r.rule).c_str());
      }
      return 0;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--strict") {
      options.strict = true;
    } else if (a == "--repair") {
      options.repair = true;
    } else if (a == "--expect-layout") {
      if (!value("--expect-layout", &v)) return kExitUsage;
      options.expect_layout = qcow2::ParseZonedLayout(v);
      if (!options.expect_layout) {
        std::fprintf(stderr, "zonesim check: unknown --expect-layout '%s' (v5, v9, v11 or v12)\n", v.c_str());
        return kExitUsage;
      }
    } else if (a == "-U" || a == "--force-share") {
      options.force_share = true;
    } else if (a == "--conformance") {
      conformance = true;
    } else if (a == "--seeds" || a == "--ops") {
      if (!value(a.c_str(), &v)) return kExitUsage;
      if (!ParseNumber(v, &n) || n == 0 || (a == "--seeds" && n > 1000)) {
        std::fprintf(stderr, "zonesim check: %s '%s' is not a number in range\n", a.c_str(), v.c_str());
        return kExitUsage;
      }
      if (a == "--seeds") conf.seeds = static_cast<uint32_t>(n);
      else conf.ops = n;
    } else if (a == "--written-by") {
      if (!value("--written-by", &written_by)) return kExitUsage;
    } else if (a == "--profile") {
      if (!value("--profile", &v)) return kExitUsage;
      const std::optional<Profile> p = profile_from_string(v);
      if (!p) {
        std::fprintf(stderr, "zonesim check: unknown --profile '%s' (zns, zbc or linux)\n", v.c_str());
        return kExitUsage;
      }
      profile = *p;
    } else if (a == "--script") {
      if (!value("--script", &v)) return kExitUsage;
      scripts.push_back(v);
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "zonesim check: unknown option '%s' (try 'zonesim check --help')\n", a.c_str());
      return kExitUsage;
    } else {
      images.push_back(a);
    }
  }
  if (images.empty()) {
    std::fprintf(stderr, "zonesim check: missing IMAGE (try 'zonesim check --help')\n");
    return kExitUsage;
  }
  if (conformance) {
    if (scripts.empty()) {
      const char* src = std::getenv("ZONESIM_SOURCE_DIR");
      const std::string golden = src ? std::string(src) + "/sim/tests/golden/basic.script" : "";
      if (!golden.empty() && std::ifstream(golden).good()) scripts.push_back(golden);
    }
    for (const std::string& path : scripts) {
      std::string error;
      if (!LoadScript(path, &conf, &error)) {
        std::fprintf(stderr, "zonesim check: %s\n", error.c_str());
        return kExitUsage;
      }
    }
  }

  if (!written_by.empty()) {
    ConformanceOptions loaded;
    std::string error;
    if (!LoadScript(written_by, &loaded, &error)) {
      std::fprintf(stderr, "zonesim check: %s\n", error.c_str());
      return kExitUsage;
    }
    written_ops = std::move(loaded.scripts.front().second);
  }

  Env* env = Env::Default();
  std::vector<check::CheckReport> reports(images.size());
  std::vector<ConformanceRun> runs(images.size());
  std::vector<WrittenByRun> compared(images.size());
  std::vector<int> codes;
  for (size_t i = 0; i < images.size(); ++i) {
    Status s = check::CheckImage(env, images[i], options, &reports[i]);
    if (!s.ok()) {
      std::fprintf(stderr, "zonesim check: %s\n", s.message().c_str());
      codes.push_back(1);
      continue;
    }
    int code = reports[i].exit_code();
    if (conformance) {
      const check::CheckReport& r = reports[i];
      ConformanceRun& run = runs[i];
      if (!r.checked || !r.summary.zoned) {
        run.reason = r.checked ? "not a zoned image: no geometry to test" : "the image could not be checked";
        code = check::WorstExitCode({code, 1});
      } else {
        run.ran = true;
        RunConformance(*r.summary.zoned, r.summary.virtual_size, r.summary.cluster_size, conf, &run.cases);
        if (run.failed() > 0) code = check::WorstExitCode({code, 2});
      }
    }
    if (!written_by.empty()) {
      const check::CheckReport& r = reports[i];
      if (!r.checked || !r.summary.zoned) {
        code = check::WorstExitCode({code, 1});
      } else {
        compared[i].ran = true;
        CheckWrittenBy(images[i], *r.summary.zoned, r.summary.virtual_size, profile, written_ops,
                       &compared[i].result);
        if (!compared[i].result.error.empty()) code = check::WorstExitCode({code, 1});
        else if (!compared[i].result.passed) code = check::WorstExitCode({code, 2});
      }
    }
    codes.push_back(code);
  }
  const int exit_code = check::WorstExitCode(codes);
  if (json) {
    std::function<void(JsonWriter&, size_t)> extra;
    if (conformance || !written_by.empty()) {
      extra = [&](JsonWriter& j, size_t i) {
        if (!written_by.empty()) {
          const WrittenByRun& w = compared[i];
          j.Key("written_by").BeginObject();
          j.Field("script", written_by).Field("profile", std::string(to_string(profile)));
          j.Field("compared", w.ran && w.result.error.empty());
          if (!w.result.error.empty()) j.Field("error", w.result.error);
          j.Field("operations", w.result.ops).Field("matches", w.ran && w.result.passed);
          j.Key("differences").BeginArray();
          for (const std::string& d : w.result.differences) j.String(d);
          j.EndArray();
          j.EndObject();
        }
        if (!conformance) return;
        const ConformanceRun& run = runs[i];
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
      };
    }
    std::fputs(check::FormatJson(reports, exit_code, extra).c_str(), stdout);
  } else {
    for (size_t i = 0; i < images.size(); ++i) {
      std::string text = check::FormatText(reports[i]);
      if (conformance) text += ConformanceText(runs[i]);
      if (!written_by.empty()) text += WrittenByText(written_by, profile, compared[i]);
      std::fputs(text.c_str(), stdout);
    }
    if (images.size() > 1) std::printf("exit %d (the worst of %zu images)\n", exit_code, images.size());
  }
  return exit_code;
}

}  // namespace zonesim
