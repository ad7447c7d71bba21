// Helpers for the golden io tests: locating committed fixtures, loading a
// golden script and its expected output, and comparing output line by line so
// a mismatch names the first differing line.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/test_files.h"
#include "zoned/script.h"

namespace zonesim::testing {

inline std::string ReadTextFile(const std::string& path) {
  INFO("cannot read ", path);
  REQUIRE(std::ifstream(path).good());
  return ReadFileText(path);
}

struct Golden {
  std::string script_path;
  std::string script;
  std::string model_spec;  // from the "# model: SPEC" line
  std::vector<Operation> ops;
  std::string expected;
};

inline Golden LoadGolden(const std::string& name) {
  Golden g;
  REQUIRE_MESSAGE(!SourceDir().empty(), "ZONESIM_SOURCE_DIR is not set: run the tests through ctest");
  std::string base = SourceDir() + "/sim/tests/golden/" + name;
  g.script_path = base + ".script";
  g.script = ReadTextFile(g.script_path);
  g.expected = ReadTextFile(base + ".expected");
  const std::string marker = "# model: ";
  size_t at = g.script.find(marker);
  REQUIRE(at != std::string::npos);
  size_t end = g.script.find('\n', at);
  g.model_spec = g.script.substr(at + marker.size(), end - at - marker.size());
  Status s = ParseScript(g.script, &g.ops);
  INFO(s.message());
  REQUIRE(s.ok());
  return g;
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// A `zonesim io` session read from a pipe, without its "qemu-io> " prompts.
inline std::string StripPrompts(std::string text) {
  const std::string prompt = "qemu-io> ";
  for (size_t at; (at = text.find(prompt)) != std::string::npos;) text.erase(at, prompt.size());
  return text;
}

// Compares two outputs; reports the first differing line with its number.
inline void CheckSameLines(const std::string& actual, const std::string& expected) {
  std::vector<std::string> a = Lines(actual), e = Lines(expected);
  size_t n = std::min(a.size(), e.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == e[i]) continue;
    INFO("first difference at output line ", i + 1);
    CHECK(a[i] == e[i]);
    break;
  }
  CHECK(a.size() == e.size());
  CHECK(actual == expected);  // also catches a missing final newline
}

}  // namespace zonesim::testing
