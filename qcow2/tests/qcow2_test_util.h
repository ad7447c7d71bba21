// Helpers for the qcow2 storage-layer tests: a fresh temporary directory,
// running qemu-img / qemu-io, reading and patching image files, and
// deterministic data patterns.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/testing/test_files.h"
#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim::qcow2test {

// A fresh directory under $TMPDIR (default /tmp), removed with its content.
using TempDir = testing::TestDir;

inline std::vector<uint8_t> ReadAll(const std::string& path) { return testing::ReadFileBytes(path); }

inline void WriteAll(const std::string& path, const std::vector<uint8_t>& bytes) {
  REQUIRE(testing::WriteFileBytes(path, bytes.data(), bytes.size()));
}

// Runs a shell command, returns its exit status and its output.
using testing::RunShell;
inline int Run(const std::string& cmd, std::string* out = nullptr) { return RunShell(cmd, out); }

// qemu-img 7.2 is a declared dependency (scripts/install-deps.sh).
inline void RequireQemu() {
  std::string out;
  REQUIRE_MESSAGE(Run("qemu-img --version", &out) == 0, "qemu-img is required (scripts/install-deps.sh)");
  REQUIRE_MESSAGE(Run("qemu-io --version", &out) == 0, "qemu-io is required (scripts/install-deps.sh)");
}

// Deterministic bytes that differ per offset, so misplaced data is caught.
inline std::vector<uint8_t> Pattern(uint64_t offset, size_t n, uint32_t seed = 1) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull + seed * 0xD1B54A32D192ED03ull;
    v[i] = static_cast<uint8_t>((x >> 32) ^ (x >> 13));
  }
  return v;
}

// A deterministic generator (no unseeded randomness).
struct Lcg {
  uint64_t s;
  uint64_t Next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return s >> 17;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
};

inline Qcow2CreateOptions PlainOptions(uint64_t size, uint32_t cluster = 65536) {
  Qcow2CreateOptions o;
  o.virtual_size = size;
  o.cluster_size = cluster;
  return o;
}

inline Qcow2CreateOptions ZonedOptions(uint64_t size, uint64_t zone_size, uint32_t cluster = 65536,
                                       uint32_t conventional = 0, ZonedLayout layout = ZonedLayout::kLatest) {
  Qcow2CreateOptions o = PlainOptions(size, cluster);
  ZonedExtension z;
  z.zone_size = zone_size;
  z.zone_capacity = zone_size;
  z.conventional_zones = conventional;
  z.max_append_bytes = static_cast<uint32_t>(std::min<uint64_t>(zone_size / 2, 65536));
  z.layout = layout;
  o.zoned = z;
  return o;
}

inline std::unique_ptr<Qcow2Image> OpenOrFail(Env* env, const std::string& path, bool read_only = false) {
  std::unique_ptr<Qcow2Image> img;
  Status s = Qcow2Image::Open(env, path, read_only, &img);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return img;
}

inline std::string Quote(const std::string& s) { return testing::ShellQuote(s); }

}  // namespace zonesim::qcow2test
