// Running the built `zonesim` binary from a test: ctest sets
// $ZONESIM_BINARY_DIR (and sim_tests depends on the zonesim target), so a
// missing binary is a failure, never a silent skip.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/testing/test_files.h"

namespace zonesim::testing {

// binary: "zonesim", or a deliberately broken build ("zonesim-mutant-wp_before_data").
inline std::string ZonesimBinary(const std::string& binary = "zonesim") {
  const char* dir = std::getenv("ZONESIM_BINARY_DIR");
  INFO("ZONESIM_BINARY_DIR is not set: run the tests through ctest");
  REQUIRE(dir != nullptr);
  const std::string path = std::string(dir) + "/sim/" + binary;
  INFO(path);
  REQUIRE(std::filesystem::exists(path));
  return path;
}

struct ZonesimRun {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs `zonesim ARGS < STDIN_FILE` (default /dev/null), capturing stdout and stderr.
inline ZonesimRun RunZonesim(const std::vector<std::string>& args, const std::string& stdin_file = "",
                             const std::string& binary = "zonesim") {
  TestDir dir;
  REQUIRE(dir.ok());
  std::string cmd = ShellQuote(ZonesimBinary(binary));
  for (const std::string& a : args) cmd += " " + ShellQuote(a);
  cmd += " < " + (stdin_file.empty() ? std::string("/dev/null") : ShellQuote(stdin_file));
  cmd += " 2> " + ShellQuote(dir.File("stderr"));
  ZonesimRun r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int w = pclose(p);
  REQUIRE(WIFEXITED(w));
  r.status = WEXITSTATUS(w);
  r.err = ReadFileText(dir.File("stderr"));
  return r;
}

}  // namespace zonesim::testing
