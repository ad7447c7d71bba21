// Helpers shared by the test suites: scratch directories, whole-file reads
// and writes, running a shell command, and finding the source tree, the build
// tree and the optional ../shared traces. Test-only; header-only.
#pragma once

#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "common/shell_quote.h"
#include "common/temp_dir.h"

namespace zonesim::testing {

// Built with AddressSanitizer (test.sh's second pass): every process costs
// ten to thirty times more. Tests that repeat a process-heavy measurement
// many times (100 lock races, campaigns of 8 shards) run a smaller count
// there; the plain pass runs the full count and asserts the measurement.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
// n in the plain build, n / divisor (at least 1) under the sanitizers.
inline constexpr uint64_t Scaled(uint64_t n, uint64_t divisor) {
  return kSanitized ? (n / divisor > 0 ? n / divisor : 1) : n;
}

// A TempDir that a test cannot silently run without.
class TestDir : public TempDir {
 public:
  explicit TestDir(const std::string& prefix = "zonesim-test") : TempDir(prefix) {
    if (!ok()) throw std::runtime_error("cannot create a temporary directory under $TMPDIR");
  }
};

// Reads through the stream buffer in one call: a character iterator costs
// seconds per image file in test sources built at -O0.
inline std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  if (in) out << in.rdbuf();
  return std::move(out).str();
}

inline std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::string text = ReadFileText(path);
  return std::vector<uint8_t>(text.begin(), text.end());
}

// Returns false if the file could not be written completely.
inline bool WriteFileBytes(const std::string& path, const void* data, size_t n) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  return out.good();
}

using zonesim::ShellQuote;

// Runs a shell command; returns its exit status (-1 if it did not exit) and
// its stdout and stderr, merged, in *out.
inline int RunShell(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed for: " + cmd);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int st = pclose(p);
  if (out) *out = text;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// Set by ctest (CMakeLists.txt zonesim_add_test); "" when run by hand.
inline std::string SourceDir() {
  const char* s = std::getenv("ZONESIM_SOURCE_DIR");
  return s ? s : "";
}
inline std::string BinaryDir() {
  const char* s = std::getenv("ZONESIM_BINARY_DIR");
  return s ? s : "";
}

// The real traces in ../shared/traces, or "" when this checkout has none
// (a user's clone does not).
inline std::string SharedTracesDir() {
  if (SourceDir().empty()) return "";
  std::string dir = SourceDir() + "/../shared/traces";
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) ? dir : "";
}

}  // namespace zonesim::testing
