#include "sim/devices/qemu_io_protocol.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>

namespace zonesim {

namespace {

// strerror texts of every errno glibc knows, C locale (this process never
// calls setlocale, so strerror answers in English).
const std::map<std::string, int, std::less<>>& ErrnoTexts() {
  static const std::map<std::string, int, std::less<>> texts = [] {
    std::map<std::string, int, std::less<>> m;
    for (int e = 1; e < 134; ++e) {
      std::string t = std::strerror(e);
      if (t.rfind("Unknown error", 0) == 0) continue;
      m.emplace(t, e);
    }
    return m;
  }();
  return texts;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// Parses "0x<hex>" at the front of s, advancing it.
bool TakeHex(std::string_view* s, uint64_t* v) {
  if (s->substr(0, 2) != "0x") return false;
  s->remove_prefix(2);
  size_t n = 0;
  uint64_t x = 0;
  while (n < s->size() && std::isxdigit(static_cast<unsigned char>((*s)[n]))) {
    if (x >> 60) return false;  // overflow
    char c = (*s)[n];
    x = x * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    ++n;
  }
  if (n == 0) return false;
  s->remove_prefix(n);
  *v = x;
  return true;
}

bool TakeLiteral(std::string_view* s, std::string_view lit) {
  if (s->substr(0, lit.size()) != lit) return false;
  s->remove_prefix(lit.size());
  return true;
}

bool TakeDecimal(std::string_view* s, uint64_t* v) {
  size_t n = 0;
  uint64_t x = 0;
  while (n < s->size() && (*s)[n] >= '0' && (*s)[n] <= '9') {
    if (x > (UINT64_MAX - 9) / 10) return false;
    x = x * 10 + static_cast<uint64_t>((*s)[n] - '0');
    ++n;
  }
  if (n == 0) return false;
  s->remove_prefix(n);
  *v = x;
  return true;
}

}  // namespace

std::optional<int> ErrnoFromText(std::string_view text) {
  std::optional<int> best;
  size_t best_len = 0;
  for (const auto& [t, e] : ErrnoTexts()) {
    if (t.size() > best_len && text.substr(0, t.size()) == t) {
      best = e;
      best_len = t.size();
    }
  }
  return best;
}

std::string ErrnoName(int err) { return std::strerror(err); }

std::optional<QemuIoFailure> FindFailure(std::string_view answer) {
  for (std::string_view line : Lines(answer)) {
    size_t at = line.find(" failed: ");
    if (at == std::string_view::npos) continue;
    QemuIoFailure f;
    f.command = std::string(line.substr(0, at));
    f.reason = std::string(line.substr(at + 9));
    f.err = ErrnoFromText(f.reason);
    return f;
  }
  return std::nullopt;
}

bool HasTransferLine(std::string_view answer, std::string_view verb, uint64_t offset, uint64_t length) {
  char want[160];
  std::snprintf(want, sizeof want, " %" PRIu64 "/%" PRIu64 " bytes at offset %" PRIu64, length, length,
                offset);
  const std::string line = std::string(verb) + want;
  for (std::string_view l : Lines(answer))
    if (l == line) return true;
  return false;
}

std::optional<uint64_t> ParseAppendSector(std::string_view answer) {
  for (std::string_view line : Lines(answer)) {
    std::string_view s = line;
    if (!TakeLiteral(&s, "After zap done, the append sector is ")) continue;
    uint64_t sector = 0;
    if (!TakeHex(&s, &sector) || !s.empty() || sector >> 55) return std::nullopt;
    return sector << 9;
  }
  return std::nullopt;
}

Status ParseZoneReport(std::string_view answer, std::vector<ZoneReportEntry>* out) {
  out->clear();
  for (std::string_view line : Lines(answer)) {
    if (line.empty()) continue;
    std::string_view s = line;
    uint64_t start, len, cap, wp, cond, type;
    bool ok = TakeLiteral(&s, "start: ") && TakeHex(&s, &start) && TakeLiteral(&s, ", len ") &&
              TakeHex(&s, &len) && TakeLiteral(&s, ", cap ") && TakeHex(&s, &cap) &&
              TakeLiteral(&s, ", wptr ") && TakeHex(&s, &wp) && TakeLiteral(&s, ", zcond:") &&
              TakeDecimal(&s, &cond) && TakeLiteral(&s, ", [type: ") && TakeDecimal(&s, &type) &&
              TakeLiteral(&s, "]") && s.empty();
    const bool known_cond = cond <= 4 || (cond >= 13 && cond <= 15);
    if (!ok || !known_cond || type < 1 || type > 3 || start >> 55 || len >> 55 || cap >> 55 || wp >> 55)
      return Status::Corruption("unparseable zone report line '" + std::string(line) + "'");
    ZoneReportEntry e;
    e.start = start << 9;
    e.length = len << 9;
    e.capacity = cap << 9;
    e.wp = wp << 9;
    e.cond = static_cast<ZoneCondition>(cond);
    e.type = static_cast<ZoneType>(type);
    out->push_back(e);
  }
  return Status::Ok();
}

Status ParseDump(std::string_view answer, uint64_t offset, uint64_t length, uint8_t* out) {
  if (length == 0) return Status::Ok();
  uint64_t next = offset;
  const uint64_t end = offset + length;
  for (std::string_view line : Lines(answer)) {
    std::string_view s = line;
    // "%08lx:  " : at least 8 hex digits, then a colon and two blanks.
    size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon < 8 || s.substr(colon, 3) != ":  ") continue;
    uint64_t at = 0;
    bool hex = true;
    for (size_t i = 0; i < colon; ++i) {
      char c = s[i];
      if (!std::isxdigit(static_cast<unsigned char>(c)) || (at >> 60)) hex = false;
      else at = at * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    if (!hex) continue;  // not a dump line (e.g. "read 32/32 bytes ...")
    if (at != next) return Status::Corruption("dump line at 0x" + std::string(line.substr(0, colon)) +
                                              " where offset " + std::to_string(next) + " was due");
    s.remove_prefix(colon + 3);
    uint64_t n = std::min<uint64_t>(16, end - next);
    for (uint64_t i = 0; i < n; ++i) {
      if (s.size() < 3 || !std::isxdigit(static_cast<unsigned char>(s[0])) ||
          !std::isxdigit(static_cast<unsigned char>(s[1])) || s[2] != ' ')
        return Status::Corruption("malformed dump line '" + std::string(line) + "'");
      auto nib = [](char c) { return static_cast<uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); };
      out[next - offset + i] = static_cast<uint8_t>(nib(s[0]) << 4 | nib(s[1]));
      s.remove_prefix(3);
    }
    next += n;
    if (next == end) return Status::Ok();
  }
  return Status::Corruption("the dump ends at offset " + std::to_string(next) + ", expected " +
                            std::to_string(length) + " bytes from " + std::to_string(offset));
}

}  // namespace zonesim
