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
#include "sim/cli/cli_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/layout_conversion.h"

namespace zonesim {

namespace {

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

struct CreateOptions {
  std::string path;
  bool force = false;
  std::string from;  // --from SRC
  ParsedOptions opts;
  ZonedLayout layout = ZonedLayout::kLatest;
  std::string cluster_text;  // as given (-o cluster_size= or --cluster-size); empty: the default
  uint32_t cluster_size = 65536;
  DeviceConfig config;  // the image defaults with the -o geometry applied
};

Parsed<CreateOptions> ParseCreateOptions(const CommandArgs& args) {
  namespace po = boost::program_options;
  CreateOptions o;
  std::vector<std::string> lists, images;
  std::string layout, cluster_flag;
  CommandLine cl("create", kUsage);
  cl.Add()("opt,o", po::value(&lists)->composing(), "")("cluster-size", po::value(&cluster_flag), "")(
      "layout", po::value(&layout), "")("from", po::value(&o.from), "");
  cl.AddFlag("force,f", &o.force, "");
  cl.Operands(&images);
  if (std::optional<int> stop = cl.Parse(args)) return Parsed<CreateOptions>::Stop(*stop);
  if (images.empty()) return cl.Stop<CreateOptions>("missing IMAGE (try 'zonesim create --help')");
  if (images.size() != 1) return cl.Stop<CreateOptions>("expected one IMAGE, got " + std::to_string(images.size()));
  o.path = images[0];

  if (Status s = SortOptions(lists, &o.opts); !s.ok()) return cl.Stop<CreateOptions>(s.message());
  if (cl.Given("layout")) {
    if (Status s = ParseLayoutOption("--layout", layout, &o.layout); !s.ok())
      return cl.Stop<CreateOptions>(s.message());
  }
  o.cluster_text = o.opts.cluster_size;
  if (cl.Given("cluster-size")) {
    if (!o.cluster_text.empty() && ParseSize(o.cluster_text) != ParseSize(cluster_flag))
      return cl.Stop<CreateOptions>("cluster_size " + o.cluster_text + " and --cluster-size " + cluster_flag +
                                    " disagree");
    o.cluster_text = cluster_flag;
  }
  if (!o.cluster_text.empty()) {
    auto n = ParseSize(o.cluster_text);
    if (!n || *n < 512 || *n > (2u << 20) || (*n & (*n - 1)) != 0)
      return cl.Stop<CreateOptions>("cluster size '" + o.cluster_text + "' must be a power of two from 512 to 2M");
    o.cluster_size = static_cast<uint32_t>(*n);
  }
  if (!o.opts.zoned) {
    if (o.opts.zone_keys_given)
      return cl.Stop<CreateOptions>(o.opts.first_zone_key + " given but zone.mode is none (a plain image)");
    if (!o.from.empty()) return cl.Stop<CreateOptions>("--from makes a zoned image; drop zone.mode=none");
  }
  o.config = ImageDefaults();
  if (Status s = ApplyDeviceOptions(o.opts.geometry, &o.config); !s.ok()) return cl.Stop<CreateOptions>(s.message());
  // v12 stores no append limit: its default is what a reader presents.
  if (o.layout == ZonedLayout::kV12 && !o.opts.max_append_given)
    o.config.max_append_bytes = qcow2::V12MaxAppendBytes(o.config.zone_capacity);
  return {std::move(o), std::nullopt};
}

struct CreateResult {
  DeviceConfig config;  // what was created
  uint32_t cluster_size = 0;
  bool from_zoned = false;  // --from a zoned image: a change of layout revision
  ConversionResult conversion;
  ConvertSummary from_plain;  // --from a plain image: its zones
};

// What is wrong with the options once the source is known is InvalidArgument
// (exit 2); what fails while making the file is another code (exit 1), and
// no file is left behind.
Status RunCreate(const CreateOptions& o, CreateResult* r) {
  auto failure = [](const std::string& msg) { return Status::IoError(msg); };
  Env* env = Env::Default();
  r->config = o.config;
  r->cluster_size = o.cluster_size;
  if (!o.from.empty()) {
    if (!env->FileExists(o.from)) return failure(o.from + ": no such file");
    if (SameFile(o.from, o.path))
      return Status::InvalidArgument("IMAGE and --from SRC are the same file: " + o.path);
    std::unique_ptr<Qcow2Image> src;
    Status s = Qcow2Image::Open(env, o.from, /*read_only=*/true, &src);
    if (!s.ok()) return failure(s.message());
    if (src->zoned().has_value()) {  // a zoned source: a change of layout revision, geometry kept
      if (o.opts.zone_keys_given || o.opts.size_given || !o.cluster_text.empty())
        return Status::InvalidArgument("--from " + o.from +
                                       " is zoned: its geometry is kept, so no -o options or "
                                       "--cluster-size (only --layout)");
      if (!o.force && env->FileExists(o.path))
        return failure(o.path + " already exists (use --force to overwrite it)");
      src.reset();
      r->from_zoned = true;
      s = RunLayoutConversion(o.from, o.path, o.layout, o.force, /*rename_over_src=*/false, &r->conversion);
      return s.ok() ? s : failure(s.message());
    }
    if (!o.cluster_text.empty() && o.cluster_size != src->cluster_size())
      return Status::InvalidArgument("--from keeps " + o.from + "'s cluster size " +
                                     std::to_string(src->cluster_size()) + ", not " + o.cluster_text);
    r->cluster_size = src->cluster_size();
    if (!o.opts.size_given) r->config.size = src->virtual_size();
    else if (r->config.size != src->virtual_size())
      return Status::InvalidArgument("size " + std::to_string(r->config.size) + " differs from " + o.from +
                                     "'s virtual size " + std::to_string(src->virtual_size()));
  } else if (!o.opts.size_given) {
    return Status::InvalidArgument("size= is required (e.g. -o size=768M)");
  }

  const DeviceConfig& config = r->config;
  if (o.opts.zoned && o.opts.zone_size_given && config.zone_size > config.size) {
    return Status::InvalidArgument("zone size " + std::to_string(config.zone_size) +
                                   " is larger than the device size " + std::to_string(config.size));
  }
  if (o.opts.zoned) {
    Status s = config.Validate();
    if (s.ok()) s = ValidateForImage(config, o.layout);
    if (!s.ok()) return Status::InvalidArgument(s.message());
  } else if (config.size == 0 || config.size % 512 != 0) {
    return Status::InvalidArgument("size " + std::to_string(config.size) + " must be a non-zero multiple of 512");
  }

  if (!o.force && env->FileExists(o.path)) return failure(o.path + " already exists (use --force to overwrite it)");

  if (!o.from.empty()) {
    Status s = ConvertToZoned(env, o.from, o.path, config, o.layout, o.force, &r->from_plain);
    return s.ok() ? s : failure(s.message());
  }
  Qcow2CreateOptions create;
  create.virtual_size = config.size;
  create.cluster_size = r->cluster_size;
  if (o.opts.zoned) create.zoned = ExtensionFromConfig(config, o.layout);
  Status s = Qcow2Image::Create(env, o.path, create, o.force);
  if (!s.ok()) {
    // Create removes its partial file; make sure nothing is left either way.
    if (env->FileExists(o.path)) (void)env->RemoveFile(o.path);
    return failure(s.message());
  }
  return Status::Ok();
}

std::string FormatCreate(const CreateOptions& o, const CreateResult& r) {
  if (r.from_zoned) return FormatConversion(o.from, r.conversion);
  const std::string described = Describe(r.config, o.layout, r.cluster_size);
  if (!o.from.empty())
    return "created " + o.path + " from " + o.from + ": " + described + "; " +
           std::to_string(r.from_plain.full_zones) + " zones with data FULL, " +
           std::to_string(r.from_plain.empty_zones) + " EMPTY\n";
  if (o.opts.zoned) return "created " + o.path + ": " + described + "\n";
  return "created " + o.path + ": plain qcow2, size " + std::to_string(r.config.size) + ", cluster_size " +
         std::to_string(r.cluster_size) + "\n";
}

}  // namespace

int RunCreateCommand(const CommandArgs& args) {
  const Parsed<CreateOptions> p = ParseCreateOptions(args);
  if (p.exit) return *p.exit;
  CreateResult r;
  if (Status s = RunCreate(p.options, &r); !s.ok()) {
    std::fputs(r.conversion.check_text.c_str(), stderr);
    return CommandError("create", s.message(), s.IsInvalidArgument() ? kExitUsage : 1);
  }
  std::fputs(FormatCreate(p.options, r).c_str(), stdout);
  return 0;
}

}  // namespace zonesim
