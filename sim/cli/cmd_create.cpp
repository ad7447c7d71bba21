// zonesim create: makes a zoned qcow2 image from qemu-img's -o options
// (../shared/spec/qcow2-zoned.md "Creating an image"), or converts a plain
// qcow2 image with --from (data kept). Every option is checked before a file
// is touched; on any later error the new file is removed, so a failed create
// never leaves a file behind. Exit status: 0 ok, 1 the image could not be
// made (file exists, I/O error), 2 bad usage or options.
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/env.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/storage/zoned_extension.h"
#include "qcow2/zoned/zone_config.h"
#include "qcow2/zoned/zone_convert.h"
#include "sim/cli/commands.h"
#include "sim/cli/layout_conversion.h"

namespace zonesim {

namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "usage: zonesim create IMAGE [-o OPTS]... [--cluster-size N] [--layout v5|v9|v11|v12]\n"
    "                      [--force] [--from SRC]\n"
    "\n"
    "Creates a zoned qcow2 image. OPTS is a comma-separated key=value list in either\n"
    "of qemu-img's spellings; -o may be repeated:\n"
    "  size=N                                   virtual size (required without --from)\n"
    "  zone.mode=host-managed | zone_model=...  (none: a plain qcow2 image)\n"
    "  zone.size | zone_size                    default 256M; a power of two\n"
    "  zone.capacity | zone_capacity            default = zone size\n"
    "  zone.conventional_zones | conventional_zones      default 0\n"
    "  zone.max_open_zones | max_open_zones     default 0 (no limit)\n"
    "  zone.max_active_zones | max_active_zones default 0 (no limit)\n"
    "  zone.max_append_bytes | max_append_bytes default 64K (v12 cannot store another)\n"
    "  cluster_size=N                           same as --cluster-size (default 64K)\n"
    "Sizes take K/M/G/T suffixes (powers of 1024). A limit equal to the number of\n"
    "sequential zones means no limit and is stored as 0.\n"
    "\n"
    "  --layout L          zoned extension revision (default v9; qcow2/README.md):\n"
    "                        v5  (also v6)  48 bytes, 32-bit zone size/capacity\n"
    "                        v9  (also latest, v8, v10)  56 bytes\n"
    "                        v11 48 bytes, big-endian entries, at most 2^20 zones\n"
    "                        v12 44 bytes, as v11 without max_append_bytes\n"
    "  --force             replace an existing IMAGE\n"
    "  --from SRC          copy the plain qcow2 image SRC (data kept) and add the\n"
    "                      zoned extension; sequential zones holding data become\n"
    "                      FULL, the others EMPTY. A zoned SRC is converted to\n"
    "                      --layout instead (as zonesim convert; no -o options)\n";

int UsageError(const std::string& msg) {
  std::fprintf(stderr, "zonesim create: %s\n", msg.c_str());
  return 2;
}

int Failure(const std::string& msg) {
  std::fprintf(stderr, "zonesim create: %s\n", msg.c_str());
  return 1;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool IsOneOf(const std::string& key, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (key == n) return true;
  return false;
}

// What the -o lists say, sorted into the keys create handles itself and the
// geometry keys passed on to ApplyDeviceOptions.
struct ParsedOptions {
  std::vector<std::string> geometry;  // "key=value" items for ApplyDeviceOptions
  bool size_given = false;
  bool zone_keys_given = false;
  std::string first_zone_key;
  bool zoned = true;  // zonesim creates zoned images unless zone.mode=none
  std::string cluster_size;
  bool max_append_given = false;
  bool zone_size_given = false;  // the default (256M) may exceed a small image: one short zone
};

// One name per option whatever the spelling, to refuse an option given twice
// (qemu-img would silently keep the last one).
std::string CanonicalKey(const std::string& key) {
  if (key == "zone.size" || key == "zone.capacity") return "zone_" + key.substr(5);
  if (key == "zone_model" || key == "zoned") return "zone.mode";
  if (key.rfind("zone.", 0) == 0 && key != "zone.mode") return key.substr(5);
  return key;
}

Status SortOptions(const std::vector<std::string>& lists, ParsedOptions* out) {
  std::map<std::string, std::string> seen;  // canonical key -> the item that set it
  for (const std::string& list : lists) {
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string item = Trim(list.substr(start, comma - start));
      start = comma + 1;
      if (item.empty()) continue;
      size_t eq = item.find('=');
      if (eq == std::string::npos)
        return Status::InvalidArgument("option '" + item + "' is not key=value");
      std::string key = Trim(item.substr(0, eq)), value = Trim(item.substr(eq + 1));
      auto [it, fresh] = seen.emplace(CanonicalKey(key), item);
      if (!fresh) return Status::InvalidArgument("'" + it->second + "' and '" + item + "' set the same option");
      if (it->first == "zone_size") out->zone_size_given = true;
      if (key == "size") {
        out->size_given = true;
        out->geometry.push_back(item);
      } else if (key == "cluster_size") {
        out->cluster_size = value;
      } else if (IsOneOf(key, {"zone.mode", "zone_model", "zoned"})) {
        if (value == "host-managed" || value == "1") out->zoned = true;
        else if (value == "none" || value == "non-zoned" || value == "0") out->zoned = false;
        else
          return Status::InvalidArgument(key + ": '" + value +
                                         "' is not supported (host-managed or none)");
      } else if (IsOneOf(key, {"zone.size", "zone_size", "zone.capacity", "zone_capacity",
                               "zone.conventional_zones", "conventional_zones",
                               "zone.max_open_zones", "max_open_zones", "zone.max_active_zones",
                               "max_active_zones", "zone.max_append_bytes", "max_append_bytes"})) {
        if (!out->zone_keys_given) out->first_zone_key = key;
        if (IsOneOf(key, {"zone.max_append_bytes", "max_append_bytes"})) out->max_append_given = true;
        out->zone_keys_given = true;
        out->geometry.push_back(item);
      } else {
        return Status::InvalidArgument("unknown option '" + key +
                                       "' (see 'zonesim create --help' for the image options)");
      }
    }
  }
  return Status::Ok();
}

// The spec page's defaults (qemu-img's), which differ from DeviceConfig's.
DeviceConfig ImageDefaults() {
  DeviceConfig c;
  c.block_size = 512;
  c.size = 0;
  c.zone_size = 256ull << 20;
  c.zone_capacity = 256ull << 20;
  c.conventional_zones = 0;
  c.max_open_zones = 0;
  c.max_active_zones = 0;
  c.max_append_bytes = 64 << 10;
  c.params = profile_params(Profile::kLinux);
  return c;
}

// A stored limit, and why it is 0 when one was given (a limit equal to the
// number of sequential zones is no limit: NormalisedLimits).
std::string StoredLimit(uint32_t given, uint32_t stored) {
  if (given == stored) return std::to_string(stored);
  return std::to_string(stored) + " (no limit: " + std::to_string(given) + " is the number of sequential zones)";
}

std::string Describe(const DeviceConfig& c, ZonedLayout layout, uint32_t cluster_size) {
  const ZonedExtension ext = ExtensionFromConfig(c, layout);
  return "size " + std::to_string(c.size) + ", " + std::to_string(c.nr_zones()) + " zones of " +
         std::to_string(c.zone_size) + " bytes (capacity " + std::to_string(c.zone_capacity) +
         "), " + std::to_string(c.conventional_zones) + " conventional, max_open_zones " +
         StoredLimit(c.max_open_zones, ext.max_open_zones) + ", max_active_zones " +
         StoredLimit(c.max_active_zones, ext.max_active_zones) + ", max_append_bytes " +
         std::to_string(c.max_append_bytes) + ", layout " + qcow2::ZonedLayoutId(layout) + ", cluster_size " +
         std::to_string(cluster_size);
}

}  // namespace

int RunCreateCommand(const CommandArgs& args) {
  po::options_description desc;
  desc.add_options()("help,h", "")("opt,o", po::value<std::vector<std::string>>()->composing(), "")(
      "cluster-size", po::value<std::string>(), "")("layout", po::value<std::string>(), "")(
      "force,f", po::bool_switch(), "")("from", po::value<std::string>(), "")(
      "image", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("image", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return UsageError(e.what());
  }
  if (vm.count("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!vm.count("image")) return UsageError("missing IMAGE (try 'zonesim create --help')");
  const auto& images = vm["image"].as<std::vector<std::string>>();
  if (images.size() != 1) return UsageError("expected one IMAGE, got " + std::to_string(images.size()));
  const std::string path = images[0];
  const bool force = vm["force"].as<bool>();
  const std::string from = vm.count("from") ? vm["from"].as<std::string>() : "";

  ParsedOptions opts;
  Status s = SortOptions(vm.count("opt") ? vm["opt"].as<std::vector<std::string>>()
                                         : std::vector<std::string>{},
                         &opts);
  if (!s.ok()) return UsageError(s.message());

  ZonedLayout layout = ZonedLayout::kLatest;
  if (vm.count("layout")) {
    const std::string l = vm["layout"].as<std::string>();
    const auto parsed = qcow2::ParseZonedLayout(l);
    if (!parsed) return UsageError("--layout: '" + l + "' is not v5, v9 (latest), v11 or v12");
    layout = *parsed;
  }

  std::string cluster_text = opts.cluster_size;
  if (vm.count("cluster-size")) {
    std::string flag = vm["cluster-size"].as<std::string>();
    if (!cluster_text.empty() && ParseSize(cluster_text) != ParseSize(flag))
      return UsageError("cluster_size " + cluster_text + " and --cluster-size " + flag + " disagree");
    cluster_text = flag;
  }
  uint32_t cluster_size = 65536;
  if (!cluster_text.empty()) {
    auto n = ParseSize(cluster_text);
    if (!n || *n < 512 || *n > (2u << 20) || (*n & (*n - 1)) != 0)
      return UsageError("cluster size '" + cluster_text +
                        "' must be a power of two from 512 to 2M");
    cluster_size = static_cast<uint32_t>(*n);
  }

  if (!opts.zoned) {
    if (opts.zone_keys_given)
      return UsageError(opts.first_zone_key + " given but zone.mode is none (a plain image)");
    if (!from.empty()) return UsageError("--from makes a zoned image; drop zone.mode=none");
  }

  DeviceConfig config = ImageDefaults();
  s = ApplyDeviceOptions(opts.geometry, &config);
  if (!s.ok()) return UsageError(s.message());
  // v12 stores no append limit: its default is what a reader presents.
  if (layout == ZonedLayout::kV12 && !opts.max_append_given)
    config.max_append_bytes = qcow2::V12MaxAppendBytes(config.zone_capacity);

  Env* env = Env::Default();
  if (!from.empty()) {
    if (!env->FileExists(from)) return Failure(from + ": no such file");
    if (SameFile(from, path)) return UsageError("IMAGE and --from SRC are the same file: " + path);
    std::unique_ptr<Qcow2Image> src;
    s = Qcow2Image::Open(env, from, /*read_only=*/true, &src);
    if (!s.ok()) return Failure(s.message());
    if (src->zoned().has_value()) {  // a zoned source: a change of layout revision, geometry kept
      if (opts.zone_keys_given || opts.size_given || !cluster_text.empty())
        return UsageError("--from " + from + " is zoned: its geometry is kept, so no -o options or "
                          "--cluster-size (only --layout)");
      if (!force && env->FileExists(path))
        return Failure(path + " already exists (use --force to overwrite it)");
      src.reset();
      return ConvertAndCheck("zonesim create", from, path, layout, force, /*rename_over_src=*/false);
    }
    if (!cluster_text.empty() && cluster_size != src->cluster_size())
      return UsageError("--from keeps " + from + "'s cluster size " +
                        std::to_string(src->cluster_size()) + ", not " + cluster_text);
    cluster_size = src->cluster_size();
    if (!opts.size_given) config.size = src->virtual_size();
    else if (config.size != src->virtual_size())
      return UsageError("size " + std::to_string(config.size) + " differs from " + from +
                        "'s virtual size " + std::to_string(src->virtual_size()));
  } else if (!opts.size_given) {
    return UsageError("size= is required (e.g. -o size=768M)");
  }

  if (opts.zoned && opts.zone_size_given && config.zone_size > config.size) {
    return UsageError("zone size " + std::to_string(config.zone_size) + " is larger than the device size " +
                      std::to_string(config.size));
  }
  if (opts.zoned) {
    s = config.Validate();
    if (s.ok()) s = ValidateForImage(config, layout);
    if (!s.ok()) return UsageError(s.message());
  } else if (config.size == 0 || config.size % 512 != 0) {
    return UsageError("size " + std::to_string(config.size) + " must be a non-zero multiple of 512");
  }

  if (!force && env->FileExists(path))
    return Failure(path + " already exists (use --force to overwrite it)");

  if (!from.empty()) {
    ConvertSummary summary;
    s = ConvertToZoned(env, from, path, config, layout, force, &summary);
    if (!s.ok()) return Failure(s.message());
    std::printf("created %s from %s: %s; %u zones with data FULL, %u EMPTY\n", path.c_str(),
                from.c_str(), Describe(config, layout, cluster_size).c_str(), summary.full_zones,
                summary.empty_zones);
    return 0;
  }

  Qcow2CreateOptions create;
  create.virtual_size = config.size;
  create.cluster_size = cluster_size;
  if (opts.zoned) create.zoned = ExtensionFromConfig(config, layout);
  s = Qcow2Image::Create(env, path, create, force);
  if (!s.ok()) {
    // Create removes its partial file; make sure nothing is left either way.
    if (env->FileExists(path)) (void)env->RemoveFile(path);
    return Failure(s.message());
  }
  if (opts.zoned)
    std::printf("created %s: %s\n", path.c_str(), Describe(config, layout, cluster_size).c_str());
  else
    std::printf("created %s: plain qcow2, size %llu, cluster_size %u\n", path.c_str(),
                static_cast<unsigned long long>(config.size), cluster_size);
  return 0;
}

}  // namespace zonesim
