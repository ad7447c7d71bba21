#include "zoned/crash_spec.h"

#include <cctype>
#include <limits>

namespace zonesim {

namespace {

std::optional<uint64_t> ParseUnsigned(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const uint64_t base = hex ? 16 : 10;
  uint64_t v = 0;
  for (size_t i = hex ? 2 : 0; i < s.size(); ++i) {
    const int c = std::tolower(static_cast<unsigned char>(s[i]));
    const uint64_t d = (c >= '0' && c <= '9') ? static_cast<uint64_t>(c - '0')
                       : (hex && c >= 'a' && c <= 'f') ? static_cast<uint64_t>(c - 'a' + 10)
                                                        : 99;
    if (d >= base || v > (std::numeric_limits<uint64_t>::max() - d) / base) return std::nullopt;
    v = v * base + d;
  }
  if (hex && s.size() == 2) return std::nullopt;
  return v;
}

Status Bad(const std::string& msg) { return Status::InvalidArgument("powerloss: " + msg); }

}  // namespace

std::string FormatCrashSpec(const CrashSpec& spec) {
  switch (spec.mode) {
    case CrashMode::kLoseAll: return "";
    case CrashMode::kKeepAll: return "keepall";
    case CrashMode::kTorn:
      return "torn " + std::string(spec.sector == 4096 ? "4K" : "512") + " " + std::to_string(spec.seed);
    case CrashMode::kReorder: return "reorder " + std::to_string(spec.seed);
    case CrashMode::kKeep: {
      std::string out = "keep ";
      if (spec.keep.empty()) return out + "none";
      for (size_t i = 0; i < spec.keep.size(); ++i) out += (i ? "," : "") + std::to_string(spec.keep[i]);
      return out;
    }
  }
  return "";
}

Status ParseCrashSpec(const std::vector<std::string_view>& w, CrashSpec* out) {
  CrashSpec spec;
  auto expect = [&](size_t n, const char* usage) -> Status {
    if (w.size() == n) return Status::Ok();
    return Bad("expected " + std::string(usage) + ", got " + std::to_string(w.size()) + " words");
  };
  if (w.empty()) {
    *out = spec;
    return Status::Ok();
  }
  Status s;
  if (w[0] == "keepall") {
    if (!(s = expect(1, "'keepall'")).ok()) return s;
    spec.mode = CrashMode::kKeepAll;
  } else if (w[0] == "torn") {
    if (!(s = expect(3, "'torn 512|4K SEED'")).ok()) return s;
    spec.mode = CrashMode::kTorn;
    if (w[1] == "512") spec.sector = 512;
    else if (w[1] == "4K" || w[1] == "4k" || w[1] == "4096") spec.sector = 4096;
    else return Bad("sector '" + std::string(w[1]) + "' is not 512 or 4K");
    auto seed = ParseUnsigned(w[2]);
    if (!seed) return Bad("seed '" + std::string(w[2]) + "' is not a number");
    spec.seed = *seed;
  } else if (w[0] == "reorder") {
    if (!(s = expect(2, "'reorder SEED'")).ok()) return s;
    spec.mode = CrashMode::kReorder;
    auto seed = ParseUnsigned(w[1]);
    if (!seed) return Bad("seed '" + std::string(w[1]) + "' is not a number");
    spec.seed = *seed;
  } else if (w[0] == "keep") {
    if (!(s = expect(2, "'keep I,J,...' or 'keep none'")).ok()) return s;
    spec.mode = CrashMode::kKeep;
    if (w[1] != "none") {
      std::string_view list = w[1];
      while (!list.empty()) {
        const size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        auto v = ParseUnsigned(item);
        if (!v || *v > std::numeric_limits<uint32_t>::max())
          return Bad("write index '" + std::string(item) + "' is not a number");
        if (!spec.keep.empty() && *v <= spec.keep.back())
          return Bad("write indices must be ascending without repeats");
        spec.keep.push_back(static_cast<uint32_t>(*v));
        if (comma == std::string_view::npos) break;
        list = list.substr(comma + 1);
        if (list.empty()) return Bad("trailing ',' in the write list");
      }
    }
  } else {
    return Bad("crash mode '" + std::string(w[0]) + "' is not keepall|torn|reorder|keep");
  }
  *out = spec;
  return Status::Ok();
}

}  // namespace zonesim
