// One shell word, whatever the characters: 'it'\''s' for it's. For command
// lines that zonesim writes into scripts (and tests run through a shell).
#pragma once

#include <string>

namespace zonesim {

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace zonesim
