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

int Usage(const std::string& msg) {
  std::fprintf(stderr, "zonesim convert: %s\n", msg.c_str());
  return 2;
}

int Fail(const std::string& msg) {
  std::fprintf(stderr, "zonesim convert: %s\n", msg.c_str());
  return 1;
}

}  // namespace

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return true;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

int RunConvertCommand(const CommandArgs& args) {
  std::vector<std::string> files;
  std::optional<ZonedLayout> layout;
  bool force = false, in_place = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--layout") {
      if (i + 1 >= args.size()) return Usage("--layout needs a value (v5, v9, v11 or v12)");
      layout = qcow2::ParseZonedLayout(args[++i]);
      if (!layout) return Usage("--layout: '" + args[i] + "' is not v5, v9 (latest), v11 or v12");
    } else if (a == "--force" || a == "-f") {
      force = true;
    } else if (a == "--in-place") {
      in_place = true;
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown option '" + a + "' (try 'zonesim convert --help')");
    } else {
      files.push_back(a);
    }
  }
  if (!layout) return Usage("--layout is required (v5, v9, v11 or v12)");
  if (files.empty()) return Usage("missing SRC (try 'zonesim convert --help')");
  const std::string src = files[0];
  if (in_place && files.size() != 1) return Usage("--in-place takes SRC only, no DST");
  if (!in_place && files.size() != 2)
    return Usage(files.size() == 1 ? "missing DST (converting changes the source only with --in-place)"
                                   : "expected SRC and DST, got " + std::to_string(files.size()) + " files");
  Env* env = Env::Default();
  if (!env->FileExists(src)) return Fail(src + ": no such file");
  const std::string dst = in_place ? src + ".zonesim-convert.tmp" : files[1];
  if (!in_place && SameFile(src, dst)) return Usage("SRC and DST are the same file: " + src + " (use --in-place)");
  if (in_place && env->FileExists(dst)) return Fail(dst + " exists (a previous --in-place was interrupted?); remove it");
  return ConvertAndCheck("zonesim convert", src, dst, *layout, force, in_place);
}

int ConvertAndCheck(const char* command, const std::string& src, const std::string& dst, ZonedLayout layout,
                    bool force, bool rename_over_src) {
  Env* env = Env::Default();
  auto fail = [&](const std::string& msg) {
    std::fprintf(stderr, "%s: %s\n", command, msg.c_str());
    return 1;
  };
  LayoutConvertSummary sum;
  Status s = ConvertLayout(env, src, dst, layout, force, &sum);
  if (!s.ok()) return fail(src + " -> " + dst + ": " + s.message());

  check::CheckOptions options;
  options.expect_layout = layout;
  check::CheckReport report;
  s = check::CheckImage(env, dst, options, &report);
  if (!s.ok() || report.exit_code() != 0) {
    std::fputs(check::FormatText(report).c_str(), stderr);
    (void)env->RemoveFile(dst);
    return fail(dst + ": the converted image does not check clean" + (s.ok() ? "" : ": " + s.message()) +
                "; removed");
  }
  const std::string out = rename_over_src ? src : dst;
  if (rename_over_src) {
    std::error_code ec;
    std::filesystem::rename(dst, src, ec);
    if (ec) {
      (void)env->RemoveFile(dst);
      return fail("rename " + dst + " -> " + src + ": " + ec.message() + " (" + src + " unchanged)");
    }
  }
  std::printf("converted %s (%s) to %s (%s): %u zones, %u with data, %llu bytes copied; check clean\n", src.c_str(),
              qcow2::ZonedLayoutName(sum.from), out.c_str(), qcow2::ZonedLayoutName(sum.to), sum.zones,
              sum.zones_with_data, static_cast<unsigned long long>(sum.bytes_copied));
  for (const std::string& n : sum.notes) std::printf("note: %s\n", n.c_str());
  return 0;
}

}  // namespace zonesim
