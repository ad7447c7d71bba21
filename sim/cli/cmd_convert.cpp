// zonesim convert: rewrites a zoned qcow2 image in another revision of the
// zoned layout (qcow2/README.md "Layout revisions"), data and write pointers
// kept, then checks the result with `zonesim check` and requires it clean.
// Like `qemu-img convert` it writes a new file and never touches the source;
// --in-place replaces the source, but only through a complete, checked copy
// that is renamed over it. Exit status: 0 converted and clean, 1 could not
// convert (the output is removed), 2 bad usage.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/env.h"
#include "qcow2/check/image_check.h"
#include "qcow2/storage/zoned_extension.h"
#include "qcow2/zoned/layout_convert.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/layout_conversion.h"

namespace zonesim {

namespace {

constexpr const char* kUsage =
    "usage: zonesim convert --layout v5|v9|v11|v12 SRC DST [--force]\n"
    "       zonesim convert --layout v5|v9|v11|v12 SRC --in-place\n"
    "\n"
    "Writes the zoned qcow2 image SRC as DST in another revision of the zoned\n"
    "layout (v5 48 bytes, v9 56 bytes, v11 48 bytes with big-endian entries, v12\n"
    "44 bytes; see qcow2/README.md): same virtual size, cluster size, zone geometry\n"
    "and limits, the same readable data and the same write pointers. DST is then\n"
    "checked (zonesim check --expect-layout) and must be clean. SRC is never\n"
    "written.\n"
    "\n"
    "  --layout L   the target revision (v6 = v5; latest, v8, v10 = v9)\n"
    "  --force      replace an existing DST\n"
    "  --in-place   replace SRC instead: the converted, checked copy is renamed\n"
    "               over it, so SRC is either unchanged or fully converted\n"
    "\n"
    "A geometry the target cannot hold is refused (v5: zone size or capacity above\n"
    "32 bits; v11, v12: zone size not a power of two, more than 2^20 zones). v12\n"
    "stores no max_append_bytes; the value its readers use is reported.\n";

struct ConvertOptions {
  std::string src;
  std::string dst;  // with --in-place: the temporary copy next to src
  ZonedLayout layout = ZonedLayout::kLatest;
  bool force = false;
  bool in_place = false;
};

Parsed<ConvertOptions> ParseConvertOptions(const CommandArgs& args) {
  namespace po = boost::program_options;
  ConvertOptions o;
  std::string layout;
  std::vector<std::string> files;
  CommandLine cl("convert", kUsage);
  cl.Add()("layout", po::value(&layout), "the target revision");
  cl.AddFlag("force,f", &o.force, "replace an existing DST");
  cl.AddFlag("in-place", &o.in_place, "replace SRC instead");
  cl.Operands(&files);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<ConvertOptions>::Stop(*stop);
  if (!cl.Given("layout")) return cl.Stop<ConvertOptions>("--layout is required (v5, v9, v11 or v12)");
  if (Status s = ParseLayoutOption("--layout", layout, &o.layout); !s.ok()) return cl.Stop<ConvertOptions>(s.message());
  if (files.empty()) return cl.Stop<ConvertOptions>("missing SRC (try 'zonesim convert --help')");
  o.src = files[0];
  if (o.in_place && files.size() != 1) return cl.Stop<ConvertOptions>("--in-place takes SRC only, no DST");
  if (!o.in_place && files.size() != 2)
    return cl.Stop<ConvertOptions>(files.size() == 1
                                       ? "missing DST (converting changes the source only with --in-place)"
                                       : "expected SRC and DST, got " + std::to_string(files.size()) + " files");
  o.dst = o.in_place ? o.src + ".zonesim-convert.tmp" : files[1];
  if (!o.in_place && SameFile(o.src, o.dst))
    return cl.Stop<ConvertOptions>("SRC and DST are the same file: " + o.src + " (use --in-place)");
  return {std::move(o), std::nullopt};
}

}  // namespace

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return true;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

int RunConvertCommand(const CommandArgs& args) {
  const Parsed<ConvertOptions> p = ParseConvertOptions(args);
  if (p.exit) return *p.exit;
  const ConvertOptions& o = p.options;
  Env* env = Env::Default();
  if (!env->FileExists(o.src)) return CommandError("convert", o.src + ": no such file", 1);
  if (o.in_place && env->FileExists(o.dst))
    return CommandError("convert", o.dst + " exists (a previous --in-place was interrupted?); remove it", 1);
  return ConvertAndCheck("zonesim convert", o.src, o.dst, o.layout, o.force, o.in_place);
}

Status RunLayoutConversion(const std::string& src, const std::string& dst, ZonedLayout layout, bool force,
                           bool rename_over_src, ConversionResult* r) {
  Env* env = Env::Default();
  Status s = ConvertLayout(env, src, dst, layout, force, &r->summary);
  if (!s.ok()) return Status::IoError(src + " -> " + dst + ": " + s.message());

  check::CheckOptions options;
  options.expect_layout = layout;
  check::CheckReport report;
  s = check::CheckImage(env, dst, options, &report);
  if (!s.ok() || report.exit_code() != 0) {
    r->check_text = check::FormatText(report);
    (void)env->RemoveFile(dst);
    return Status::Corruption(dst + ": the converted image does not check clean" +
                              (s.ok() ? "" : ": " + s.message()) + "; removed");
  }
  r->output = rename_over_src ? src : dst;
  if (rename_over_src) {
    std::error_code ec;
    std::filesystem::rename(dst, src, ec);
    if (ec) {
      (void)env->RemoveFile(dst);
      return Status::IoError("rename " + dst + " -> " + src + ": " + ec.message() + " (" + src + " unchanged)");
    }
  }
  return Status::Ok();
}

std::string FormatConversion(const std::string& src, const ConversionResult& r) {
  const LayoutConvertSummary& sum = r.summary;
  std::string out = "converted " + src + " (" + qcow2::ZonedLayoutName(sum.from) + ") to " + r.output + " (" +
                    qcow2::ZonedLayoutName(sum.to) + "): " + std::to_string(sum.zones) + " zones, " +
                    std::to_string(sum.zones_with_data) + " with data, " + std::to_string(sum.bytes_copied) +
                    " bytes copied; check clean\n";
  for (const std::string& n : sum.notes) out += "note: " + n + "\n";
  return out;
}

int ConvertAndCheck(const char* command, const std::string& src, const std::string& dst, ZonedLayout layout,
                    bool force, bool rename_over_src) {
  ConversionResult r;
  Status s = RunLayoutConversion(src, dst, layout, force, rename_over_src, &r);
  if (!s.ok()) {
    std::fputs(r.check_text.c_str(), stderr);
    std::fprintf(stderr, "%s: %s\n", command, s.message().c_str());
    return 1;
  }
  std::fputs(FormatConversion(src, r).c_str(), stdout);
  return 0;
}

}  // namespace zonesim
