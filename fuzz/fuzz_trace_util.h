// Shared by the trace-reader harnesses: the readers read real files, so each
// input is written to one private temporary file per process.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "traces/trace_reader.h"

namespace zonesim::fuzz {

inline const std::string& InputPath(const char* suffix) {
  static const std::string path = [suffix] {
    const char* base = std::getenv("TMPDIR");
    return std::string(base && *base ? base : "/tmp") + "/zonesim-fuzz-" + std::to_string(getpid()) + suffix;
  }();
  return path;
}

inline bool WriteInput(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

// Reads every event (bounded), as a replay would.
inline void Drain(TraceReader& r) {
  TraceEvent ev;
  for (int i = 0; i < 100000; ++i) {
    bool eof = false;
    if (!r.Next(&ev, &eof).ok() || eof) return;
  }
}

}  // namespace zonesim::fuzz
