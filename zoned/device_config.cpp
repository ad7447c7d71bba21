#include "zoned/device_config.h"

#include <cctype>
#include <cerrno>
#include <functional>
#include <limits>

namespace zonesim {

namespace {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

constexpr EnumName<CloseEmptyResult> kCloseEmptyNames[] = {{CloseEmptyResult::kClosed, "closed"},
                                                           {CloseEmptyResult::kEmpty, "empty"}};
constexpr EnumName<PointlessOp> kPointlessNames[] = {{PointlessOp::kError, "error"},
                                                     {PointlessOp::kNoOp, "noop"}};
constexpr EnumName<ImplicitClosePolicy> kImplicitCloseNames[] = {
    {ImplicitClosePolicy::kFail, "fail"},
    {ImplicitClosePolicy::kAny, "any"},
    {ImplicitClosePolicy::kAnyVictim, "any_victim"},
    {ImplicitClosePolicy::kOldestOpened, "oldest"},
    {ImplicitClosePolicy::kLowestIndex, "lowest_index"},
    {ImplicitClosePolicy::kRoundRobin, "round_robin"},
    {ImplicitClosePolicy::kLeastRecentlyWritten, "least_recently_written"}};
constexpr EnumName<ReadFill> kReadFillNames[] = {{ReadFill::kZeroes, "zeroes"},
                                                 {ReadFill::kOnes, "ones"}};
constexpr EnumName<FullWpReport> kFullWpNames[] = {{FullWpReport::kAsWritten, "as_written"},
                                                   {FullWpReport::kCapacityEnd, "capacity_end"},
                                                   {FullWpReport::kZoneEnd, "zone_end"},
                                                   {FullWpReport::kAllOnes, "all_ones"}};
constexpr EnumName<ErrnoVocabulary> kErrnoNames[] = {{ErrnoVocabulary::kLinuxBlock, "linux"},
                                                      {ErrnoVocabulary::kQcow2V9, "qcow2_v9"},
                                                      {ErrnoVocabulary::kQcow2V11, "qcow2_v11"}};
constexpr EnumName<FinishWp> kFinishWpNames[] = {{FinishWp::kZoneEnd, "zone_end"},
                                                 {FinishWp::kCapacityEnd, "capacity_end"}};
constexpr EnumName<PowerCyclePolicy> kPowerCycleNames[] = {
    {PowerCyclePolicy::kCloseOpenZones, "close_open"},
    {PowerCyclePolicy::kKeep, "keep"},
    {PowerCyclePolicy::kWipeToEmpty, "wipe"},
    {PowerCyclePolicy::kAllFull, "all_full"}};
constexpr EnumName<ManageDurability> kManageDurabilityNames[] = {
    {ManageDurability::kCompletion, "completion"},
    {ManageDurability::kNextFlush, "next_flush"}};
constexpr EnumName<ErrorPrecedence> kPrecedenceNames[] = {
    {ErrorPrecedence::kStateFirst, "state_first"}, {ErrorPrecedence::kBoundaryFirst, "boundary_first"}};
constexpr EnumName<Profile> kProfileNames[] = {
    {Profile::kZns, "zns"}, {Profile::kZbc, "zbc"}, {Profile::kLinux, "linux"}};

template <typename E, size_t N>
std::string_view name_of(const EnumName<E> (&table)[N], E v) {
  for (const auto& e : table)
    if (e.value == v) return e.name;
  return "?";
}

template <typename E, size_t N>
std::optional<E> value_of(const EnumName<E> (&table)[N], std::string_view s) {
  for (const auto& e : table)
    if (e.name == s) return e.value;
  return std::nullopt;
}

template <typename E, size_t N>
std::string choices(const EnumName<E> (&table)[N]) {
  std::string out;
  for (const auto& e : table) {
    if (!out.empty()) out += "|";
    out += e.name;
  }
  return out;
}

std::optional<bool> parse_bool(std::string_view s) {
  if (s == "on" || s == "true" || s == "1" || s == "yes") return true;
  if (s == "off" || s == "false" || s == "0" || s == "no") return false;
  return std::nullopt;
}

// One named behaviour parameter: how to set it from text and print it.
struct ParamField {
  std::string_view name;
  std::function<Status(ZoneParams&, std::string_view)> set;
  std::function<std::string(const ZoneParams&)> get;
};

template <typename E, size_t N>
ParamField enum_field(std::string_view name, E ZoneParams::*member, const EnumName<E> (&table)[N]) {
  return {name,
          [name, member, &table](ZoneParams& p, std::string_view v) {
            auto e = value_of(table, v);
            if (!e)
              return Status::InvalidArgument(std::string(name) + ": '" + std::string(v) +
                                             "' is not one of " + choices(table));
            p.*member = *e;
            return Status::Ok();
          },
          [member, &table](const ZoneParams& p) { return std::string(name_of(table, p.*member)); }};
}

ParamField bool_field(std::string_view name, bool ZoneParams::*member) {
  return {name,
          [name, member](ZoneParams& p, std::string_view v) {
            auto b = parse_bool(v);
            if (!b)
              return Status::InvalidArgument(std::string(name) + ": '" + std::string(v) +
                                             "' is not on|off");
            p.*member = *b;
            return Status::Ok();
          },
          [member](const ZoneParams& p) { return std::string(p.*member ? "on" : "off"); }};
}

const std::vector<ParamField>& param_fields() {
  static const std::vector<ParamField> fields = {
      enum_field("close_empty_open_zone", &ZoneParams::close_empty_open_zone, kCloseEmptyNames),
      enum_field("open_full_zone", &ZoneParams::open_full_zone, kPointlessNames),
      enum_field("close_empty_or_full_zone", &ZoneParams::close_empty_or_full_zone, kPointlessNames),
      bool_field("finish_requires_open_resource", &ZoneParams::finish_requires_open_resource),
      bool_field("finish_empty_requires_active", &ZoneParams::finish_empty_requires_active),
      enum_field("implicit_close", &ZoneParams::implicit_close, kImplicitCloseNames),
      bool_field("implicit_close_on_explicit_open", &ZoneParams::implicit_close_on_explicit_open),
      bool_field("implicit_close_before_resource_check",
                 &ZoneParams::implicit_close_before_resource_check),
      bool_field("swap_closed_when_active_full", &ZoneParams::swap_closed_when_active_full),
      bool_field("open_all_atomic", &ZoneParams::open_all_atomic),
      bool_field("restricted_reads", &ZoneParams::restricted_reads),
      bool_field("read_across_zones", &ZoneParams::read_across_zones),
      enum_field("read_fill", &ZoneParams::read_fill, kReadFillNames),
      enum_field("full_wp", &ZoneParams::full_wp, kFullWpNames),
      enum_field("power_cycle", &ZoneParams::power_cycle, kPowerCycleNames),
      enum_field("error_precedence", &ZoneParams::precedence, kPrecedenceNames),
      bool_field("zone_append", &ZoneParams::zone_append_supported),
      enum_field("errnos", &ZoneParams::errnos, kErrnoNames),
      enum_field("finish_wp", &ZoneParams::finish_wp, kFinishWpNames),
      bool_field("open_limit_alone", &ZoneParams::open_limit_alone),
      enum_field("manage_durability", &ZoneParams::manage_durability, kManageDurabilityNames),
  };
  return fields;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string item = trim(s.substr(start, comma - start));
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

// Maps both qemu-img spellings to one canonical key.
std::string canonical_key(std::string_view key) {
  if (key.substr(0, 5) == "zone.") {
    std::string_view rest = key.substr(5);
    if (rest == "mode") return "zone_model";
    if (rest == "size" || rest == "capacity") return "zone_" + std::string(rest);
    return std::string(rest);
  }
  if (key == "zoned") return "zone_model";
  if (key == "logical_block_size") return "block_size";
  return std::string(key);
}

}  // namespace

Status DeviceConfig::Validate() const {
  auto bad = [](std::string m) { return Status::InvalidArgument(std::move(m)); };
  if (block_size != 512 && block_size != 4096)
    return bad("block_size " + std::to_string(block_size) + " must be 512 or 4096");
  if (size == 0) return bad("size must be greater than 0");
  if (size % block_size != 0)
    return bad("size " + std::to_string(size) + " is not a multiple of block_size " +
               std::to_string(block_size));
  if (zone_size == 0) return bad("zone_size must be greater than 0");
  if (zone_size % block_size != 0)
    return bad("zone_size " + std::to_string(zone_size) + " is not a multiple of block_size " +
               std::to_string(block_size));
  if (zone_capacity == 0) return bad("zone_capacity must be greater than 0");
  if (zone_capacity > zone_size)
    return bad("zone_capacity " + std::to_string(zone_capacity) + " exceeds zone_size " +
               std::to_string(zone_size));
  if (zone_capacity % block_size != 0)
    return bad("zone_capacity " + std::to_string(zone_capacity) +
               " is not a multiple of block_size " + std::to_string(block_size));
  uint64_t zones = (size + zone_size - 1) / zone_size;
  if (zones > std::numeric_limits<uint32_t>::max() / 8)
    return bad("size " + std::to_string(size) + " / zone_size " + std::to_string(zone_size) +
               " gives " + std::to_string(zones) + " zones, more than the " +
               std::to_string(std::numeric_limits<uint32_t>::max() / 8) + " allowed");
  if (conventional_zones >= zones)
    return bad("conventional_zones " + std::to_string(conventional_zones) +
               " must be less than nr_zones " + std::to_string(zones));
  uint64_t seq = zones - conventional_zones;
  if (max_open_zones > seq)
    return bad("max_open_zones " + std::to_string(max_open_zones) +
               " exceeds the number of sequential zones " + std::to_string(seq));
  if (max_active_zones > seq)
    return bad("max_active_zones " + std::to_string(max_active_zones) +
               " exceeds the number of sequential zones " + std::to_string(seq));
  if (max_open_zones != 0 && max_active_zones != 0 && max_open_zones > max_active_zones)
    return bad("max_open_zones " + std::to_string(max_open_zones) +
               " exceeds max_active_zones " + std::to_string(max_active_zones));
  if (max_append_bytes % 512 != 0)
    return bad("max_append_bytes " + std::to_string(max_append_bytes) +
               " is not a multiple of 512");
  if (max_append_bytes % block_size != 0)
    return bad("max_append_bytes " + std::to_string(max_append_bytes) +
               " is not a multiple of block_size " + std::to_string(block_size));
  // T10 ZBC-2 has neither a zone capacity below the zone size (scsi_debug
  // needs GAP zones to emulate one) nor an active limit: only a maximum number
  // of open sequential write required zones (zone-semantics.md, "ZBC has no
  // zone capacity"; resources). The zbc profile is that standard, strictly.
  if (params.profile == Profile::kZbc && zone_capacity < zone_size)
    return bad("profile zbc: zone_capacity " + std::to_string(zone_capacity) +
               " below zone_size " + std::to_string(zone_size) +
               " does not exist in ZBC (no zone capacity); use profile=linux or zns");
  if (params.profile == Profile::kZbc && max_active_zones != 0)
    return bad("profile zbc: max_active_zones " + std::to_string(max_active_zones) +
               " does not exist in ZBC (open limit only); use profile=linux or zns");
  if (params.zone_append_supported && max_append_bytes >= zone_capacity)
    return bad("max_append_bytes " + std::to_string(max_append_bytes) +
               " must be below zone_capacity " + std::to_string(zone_capacity));
  return Status::Ok();
}

DeviceConfig NormalisedLimits(DeviceConfig c) {
  if (c.zone_size == 0 || c.conventional_zones >= c.nr_zones()) return c;  // Validate() refuses these
  const uint32_t seq = c.sequential_zones();
  if (c.max_open_zones >= seq) c.max_open_zones = 0;
  if (c.max_active_zones >= seq) c.max_active_zones = 0;
  return c;
}

ZoneParams profile_params(Profile p) {
  ZoneParams z;
  z.profile = p;
  switch (p) {
    case Profile::kZns:  // NVMe ZNS 1.1, zone-semantics.md 1.1 and 1.3
      z.close_empty_open_zone = CloseEmptyResult::kClosed;
      z.open_full_zone = PointlessOp::kError;
      z.close_empty_or_full_zone = PointlessOp::kError;
      z.finish_requires_open_resource = false;
      z.finish_empty_requires_active = false;
      z.implicit_close = ImplicitClosePolicy::kAny;
      z.implicit_close_on_explicit_open = true;
      z.implicit_close_before_resource_check = false;
      z.swap_closed_when_active_full = true;
      z.open_all_atomic = true;
      z.restricted_reads = false;
      z.read_across_zones = false;  // RAZB = 0
      z.read_fill = ReadFill::kZeroes;
      z.full_wp = FullWpReport::kZoneEnd;
      z.power_cycle = PowerCyclePolicy::kCloseOpenZones;
      // NVMe Base 2.0 §7.1 Flush commits the volatile write cache; ZNS 1.1
      // does not say a completed Zone Management Send is durable before it.
      z.manage_durability = ManageDurability::kNextFlush;
      z.precedence = ErrorPrecedence::kStateFirst;
      z.zone_append_supported = true;
      break;
    case Profile::kZbc:  // T10 ZBC-2 host-managed, zone-semantics.md 1.2 and 1.4
      z.close_empty_open_zone = CloseEmptyResult::kEmpty;
      z.open_full_zone = PointlessOp::kNoOp;
      z.close_empty_or_full_zone = PointlessOp::kNoOp;
      z.finish_requires_open_resource = true;
      z.finish_empty_requires_active = false;
      z.implicit_close = ImplicitClosePolicy::kAnyVictim;
      z.implicit_close_on_explicit_open = true;
      z.implicit_close_before_resource_check = false;
      z.swap_closed_when_active_full = true;
      z.open_all_atomic = true;
      z.restricted_reads = true;  // URSWRZ = 0
      z.read_across_zones = false;
      z.read_fill = ReadFill::kZeroes;
      z.full_wp = FullWpReport::kZoneEnd;
      z.power_cycle = PowerCyclePolicy::kCloseOpenZones;
      // SBC SYNCHRONIZE CACHE is what makes the cache durable; ZBC-2 says no
      // more of RESET WRITE POINTER / FINISH ZONE than that they complete.
      z.manage_durability = ManageDurability::kNextFlush;
      z.precedence = ErrorPrecedence::kBoundaryFirst;
      z.zone_append_supported = false;  // ZBC has no zone append command
      break;
    case Profile::kLinux:  // null_blk zoned, zone-semantics.md 1.2 "null_blk deltas"
      z.close_empty_open_zone = CloseEmptyResult::kEmpty;
      z.open_full_zone = PointlessOp::kError;
      z.close_empty_or_full_zone = PointlessOp::kError;
      z.finish_requires_open_resource = true;
      z.finish_empty_requires_active = true;
      z.implicit_close = ImplicitClosePolicy::kRoundRobin;
      z.implicit_close_on_explicit_open = true;
      z.implicit_close_before_resource_check = false;
      z.swap_closed_when_active_full = false;
      z.open_all_atomic = true;
      z.restricted_reads = false;
      z.read_across_zones = true;  // the block layer splits reads at zone boundaries
      z.read_fill = ReadFill::kZeroes;  // what a qcow2 image returns for unallocated clusters
      z.full_wp = FullWpReport::kAsWritten;
      // A persistent image: open zones come back CLOSED (open-to-closed recovery).
      z.power_cycle = PowerCyclePolicy::kCloseOpenZones;
      // The persistent image: qcow2-zoned.md "finish and reset flush it
      // themselves", so they are durable when they complete.
      z.manage_durability = ManageDurability::kCompletion;
      z.precedence = ErrorPrecedence::kStateFirst;
      z.zone_append_supported = true;
      break;
  }
  return z;
}

bool apply_revision_params(std::string_view r, ZoneParams* p) {
  // qcow2-zoned.md "Later revisions": after v10 a write off the write pointer
  // or past the capacity fails with EIO (v9: EINVAL), an append beyond the
  // device with ENOSPC, and max_open_zones given alone is honoured. No
  // revision is reported to change the finish write pointer (zone end).
  if (r == "v5" || r == "v6" || r == "v8" || r == "v9" || r == "v10" || r == "latest") {
    p->errnos = ErrnoVocabulary::kQcow2V9;
    p->open_limit_alone = false;
  } else if (r == "v11" || r == "v12") {
    p->errnos = ErrnoVocabulary::kQcow2V11;
    p->open_limit_alone = true;
  } else {
    return false;
  }
  p->finish_wp = FinishWp::kZoneEnd;
  return true;
}

int zone_errno(ZoneStatus s, ErrnoVocabulary v, bool append) {
  const bool write_rule = s == ZoneStatus::kZoneInvalidWrite || s == ZoneStatus::kZoneBoundaryError;
  switch (v) {
    case ErrnoVocabulary::kQcow2V9:
      if (write_rule) return EINVAL;
      break;
    case ErrnoVocabulary::kQcow2V11:
      if (write_rule) return EIO;
      if (append && s == ZoneStatus::kLbaOutOfRange) return ENOSPC;
      break;
    case ErrnoVocabulary::kLinuxBlock:
      break;
  }
  return linux_errno(s);
}

std::string_view to_string(Profile p) { return name_of(kProfileNames, p); }
std::optional<Profile> profile_from_string(std::string_view s) { return value_of(kProfileNames, s); }
std::string_view to_string(ImplicitClosePolicy p) { return name_of(kImplicitCloseNames, p); }
std::string_view to_string(PowerCyclePolicy p) { return name_of(kPowerCycleNames, p); }
std::string_view to_string(ManageDurability d) { return name_of(kManageDurabilityNames, d); }
std::string_view to_string(FullWpReport p) { return name_of(kFullWpNames, p); }

std::optional<uint64_t> ParseSize(std::string_view s) {
  std::string t = trim(s);
  if (t.empty()) return std::nullopt;
  uint64_t value = 0;
  size_t i = 0;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    i = 2;
    if (i == t.size()) return std::nullopt;
    for (; i < t.size(); ++i) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(t[i])));
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else return std::nullopt;
      if (value > (std::numeric_limits<uint64_t>::max() >> 4)) return std::nullopt;
      value = value * 16 + static_cast<uint64_t>(d);
    }
    return value;
  }
  for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) {
    uint64_t d = static_cast<uint64_t>(t[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  if (i == 0) return std::nullopt;
  if (i == t.size()) return value;
  std::string suffix = t.substr(i);
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int shift;
  if (suffix == "k" || suffix == "kib") shift = 10;
  else if (suffix == "m" || suffix == "mib") shift = 20;
  else if (suffix == "g" || suffix == "gib") shift = 30;
  else if (suffix == "t" || suffix == "tib") shift = 40;
  else if (suffix == "b") shift = 0;
  else return std::nullopt;
  if (shift > 0 && value > (std::numeric_limits<uint64_t>::max() >> shift)) return std::nullopt;
  return value << shift;
}

Status ApplyDeviceOptions(const std::vector<std::string>& options, DeviceConfig* out) {
  // Split into key/value pairs; apply profile= first so single parameters override it.
  std::vector<std::pair<std::string, std::string>> kv;
  for (const std::string& opt : options) {
    for (const std::string& item : split_commas(opt)) {
      size_t eq = item.find('=');
      if (eq == std::string::npos)
        return Status::InvalidArgument("option '" + item + "' is not key=value");
      kv.emplace_back(canonical_key(trim(item.substr(0, eq))), trim(item.substr(eq + 1)));
    }
  }
  for (const auto& [k, v] : kv) {
    if (k != "profile") continue;
    auto p = profile_from_string(v);
    if (!p) return Status::InvalidArgument("profile: '" + v + "' is not one of zns|zbc|linux");
    out->params = profile_params(*p);
  }
  for (const auto& [k, v] : kv) {  // after the profile, before single parameters
    if (k == "revision" && !apply_revision_params(v, &out->params))
      return Status::InvalidArgument("revision: '" + v + "' is not one of v5|v9|v11|v12");
  }
  bool capacity_given = false;
  for (const auto& entry : kv) {
    // Named references, not a structured binding: the lambdas below capture
    // them, which clang before 16 does not allow for bindings.
    const std::string& k = entry.first;
    const std::string& v = entry.second;
    if (k == "profile" || k == "revision") continue;
    auto size_field = [&](uint64_t* field) -> Status {
      auto n = ParseSize(v);
      if (!n) return Status::InvalidArgument(k + ": '" + v + "' is not a size");
      *field = *n;
      return Status::Ok();
    };
    auto u32_field = [&](uint32_t* field) -> Status {
      auto n = ParseSize(v);
      if (!n || *n > std::numeric_limits<uint32_t>::max())
        return Status::InvalidArgument(k + ": '" + v + "' is not a 32-bit number");
      *field = static_cast<uint32_t>(*n);
      return Status::Ok();
    };
    Status s;
    if (k == "size") s = size_field(&out->size);
    else if (k == "zone_size") s = size_field(&out->zone_size);
    else if (k == "zone_capacity") { s = size_field(&out->zone_capacity); capacity_given = true; }
    else if (k == "conventional_zones") s = u32_field(&out->conventional_zones);
    else if (k == "max_open_zones") s = u32_field(&out->max_open_zones);
    else if (k == "max_active_zones") s = u32_field(&out->max_active_zones);
    else if (k == "max_append_bytes") s = u32_field(&out->max_append_bytes);
    else if (k == "block_size") s = u32_field(&out->block_size);
    else if (k == "zone_model") {
      if (v != "host-managed" && v != "1")
        s = Status::InvalidArgument("zone model '" + v + "' is not supported (only host-managed)");
    } else {
      bool found = false;
      for (const ParamField& f : param_fields()) {
        if (f.name != k) continue;
        found = true;
        s = f.set(out->params, v);
        break;
      }
      if (!found) return Status::InvalidArgument("unknown option '" + k + "'");
    }
    if (!s.ok()) return s;
  }
  if (!capacity_given) {
    bool zone_size_given = false;
    for (const auto& [k, v] : kv) zone_size_given |= (k == "zone_size");
    if (zone_size_given) out->zone_capacity = out->zone_size;
  }
  return Status::Ok();
}

Status ParseDeviceConfig(std::string_view spec, DeviceConfig* out) {
  *out = DeviceConfig{};
  out->params = profile_params(Profile::kLinux);
  Status s = ApplyDeviceOptions({std::string(spec)}, out);
  if (!s.ok()) return s;
  s = out->Validate();
  if (!s.ok()) return s;
  *out = NormalisedLimits(*out);  // what the device does with it, and what reports print
  return Status::Ok();
}

std::string FormatDeviceConfig(const DeviceConfig& c) {
  std::string out = "size=" + std::to_string(c.size) + ",zone_size=" + std::to_string(c.zone_size) +
                    ",zone_capacity=" + std::to_string(c.zone_capacity) +
                    ",conventional_zones=" + std::to_string(c.conventional_zones) +
                    ",max_open_zones=" + std::to_string(c.max_open_zones) +
                    ",max_active_zones=" + std::to_string(c.max_active_zones) +
                    ",max_append_bytes=" + std::to_string(c.max_append_bytes) +
                    ",block_size=" + std::to_string(c.block_size) +
                    ",profile=" + std::string(to_string(c.params.profile));
  ZoneParams base = profile_params(c.params.profile);
  for (const ParamField& f : param_fields()) {
    std::string v = f.get(c.params);
    if (v != f.get(base)) out += "," + std::string(f.name) + "=" + v;
  }
  return out;
}

bool SameGeometry(const DeviceConfig& a_given, const DeviceConfig& b_given) {
  const DeviceConfig a = NormalisedLimits(a_given), b = NormalisedLimits(b_given);
  return a.block_size == b.block_size && a.size == b.size && a.zone_size == b.zone_size &&
         a.zone_capacity == b.zone_capacity && a.conventional_zones == b.conventional_zones &&
         a.max_open_zones == b.max_open_zones && a.max_active_zones == b.max_active_zones &&
         a.max_append_bytes == b.max_append_bytes;
}

}  // namespace zonesim
