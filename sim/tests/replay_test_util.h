// Helpers for the replay tests: fixture and shared-trace locations, a replay
// through the library API, a run of the built `zonesim` binary, and file
// contents/hashes for "the input was not modified" checks.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/test_files.h"
#include "sim/devices/image_setup.h"
#include "sim/replay/replay.h"
#include "sim/replay/replay_device.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim::replaytest {

inline std::string SourceDir() {
  const char* dir = std::getenv("ZONESIM_SOURCE_DIR");
  INFO("ZONESIM_SOURCE_DIR is not set: run the tests through ctest");
  REQUIRE(dir != nullptr);
  return dir;
}

inline std::string Fixture(const std::string& name) { return SourceDir() + "/traces/fixtures/" + name; }

// The real traces in ../shared/traces, or "" when this checkout has none.
inline std::string SharedTraces() { return testing::SharedTracesDir(); }

inline std::string ReadFile(const std::string& path) { return testing::ReadFileText(path); }

inline void WriteFile(const std::string& path, const std::string& text) {
  REQUIRE(testing::WriteFileBytes(path, text.data(), text.size()));
}

// FNV-1a 64 of a file's bytes.
inline uint64_t HashFile(const std::string& path) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : ReadFile(path)) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// A replay through the library: the default replay device with `config`
// applied (fuzz --config syntax), then `tweak` on the options.
inline ReplayResult Replay(const std::vector<std::string>& traces, const std::string& config = "",
                           const std::function<void(ReplayOptions&)>& tweak = {}) {
  ReplayOptions o;
  o.traces = traces;
  o.config = DefaultReplayDevice(Profile::kLinux);
  Status s = ApplyReplayConfig(config, &o.config);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  if (tweak) tweak(o);
  ReplayResult r;
  s = RunReplay(o, &r);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return r;
}

inline uint64_t Count(const std::map<std::string, uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

inline uint64_t OpCount(const ReplayResult& r, OpKind k) {
  auto it = r.op_counts.find(k);
  return it == r.op_counts.end() ? 0 : it->second;
}

using RunResult = testing::ZonesimRun;
using testing::RunZonesim;

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace zonesim::replaytest
