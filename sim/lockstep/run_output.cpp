#include "sim/lockstep/run_output.h"

#include "sim/lockstep/lockstep.h"

#include <cstdio>
#include <string>

namespace zonesim {

void PrintProgress(bool tty, std::string_view command, std::string_view unit, uint64_t done,
                   uint64_t total) {
  const auto d = static_cast<unsigned long long>(done);
  const auto t = static_cast<unsigned long long>(total);
  if (tty) {
    const int width = 40;
    const int filled = total ? static_cast<int>(width * (done < total ? done : total) / total) : width;
    std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu", filled, "========================================",
                 width - filled, "", d, t);
    if (done >= total) std::fprintf(stderr, "\n");
  } else {
    const std::string c(command), u(unit);
    std::fprintf(stderr, "%s: %llu/%llu %s\n", c.c_str(), d, t, u.c_str());
  }
  std::fflush(stderr);
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void WriteCountsJson(JsonWriter& j, const std::map<OpKind, uint64_t>& op_counts,
                     const std::map<ZoneStatus, uint64_t>& status_counts) {
  j.Key("op_counts").BeginObject();
  for (const auto& [k, n] : op_counts) j.Field(to_string(k), n);
  j.EndObject();
  j.Key("status_counts").BeginObject();
  for (const auto& [s, n] : status_counts) j.Field(status_id(s), n);
  j.EndObject();
}

}  // namespace zonesim
