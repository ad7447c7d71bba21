// Small allocation-free helpers for the line-based trace formats.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace zonesim::text {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

inline std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return s.substr(i);
}

inline std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  size_t n = s.size();
  while (n > 0 && IsSpace(s[n - 1])) --n;
  return s.substr(0, n);
}

// Splits off the next whitespace-separated token (empty at the end of line).
inline std::string_view NextToken(std::string_view* rest) {
  std::string_view s = TrimLeft(*rest);
  size_t i = 0;
  while (i < s.size() && !IsSpace(s[i])) ++i;
  *rest = s.substr(i);
  return s.substr(0, i);
}

// Decimal unsigned number filling the whole token (no sign, no suffix).
template <typename T>
bool ParseUnsigned(std::string_view tok, T* out) {
  if (tok.empty()) return false;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), *out, 10);
  return ec == std::errc() && p == tok.data() + tok.size();
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace zonesim::text
