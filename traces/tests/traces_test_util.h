// Helpers for the trace tests: fixture and shared-trace locations, a fresh
// temporary directory, running a command, and reading a whole trace into
// owned events (TraceEvent's views die with the next Next()).
#pragma once

#include <doctest/doctest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "common/testing/test_files.h"
#include "traces/trace_open.h"
#include "traces/trace_reader.h"

namespace zonesim::tracetest {

inline std::string SourceDir() {
  const char* s = std::getenv("ZONESIM_SOURCE_DIR");
  REQUIRE_MESSAGE(s != nullptr, "ZONESIM_SOURCE_DIR is not set (run the tests through ctest)");
  return s;
}

inline std::string Fixture(const std::string& name) { return SourceDir() + "/traces/fixtures/" + name; }

// The real traces in ../shared/traces, or "" when this checkout has none.
inline std::string SharedTraces() { return testing::SharedTracesDir(); }

inline std::string BinaryDir() {
  const char* s = std::getenv("ZONESIM_BINARY_DIR");
  return s ? s : "";
}


inline std::string ReadFile(const std::string& path) { return testing::ReadFileText(path); }

inline void WriteFile(const std::string& path, const std::string& bytes) {
  REQUIRE(testing::WriteFileBytes(path, bytes.data(), bytes.size()));
}

// Runs a shell command; returns its exit status, stdout+stderr in *out.
inline int Run(const std::string& cmd, std::string* out = nullptr) { return testing::RunShell(cmd, out); }

inline bool HaveTool(const std::string& name) { return Run("command -v " + name + " >/dev/null") == 0; }

// A TraceEvent with its strings copied.
struct OwnedEvent {
  TraceEvent ev;
  std::string file, action, label, target;
};

inline OwnedEvent Own(const TraceEvent& e) {
  OwnedEvent o{e, std::string(e.origin.file), std::string(e.action), std::string(e.label),
               std::string(e.target)};
  o.ev.origin.file = {};
  o.ev.action = {};
  o.ev.label = {};
  o.ev.target = {};
  return o;
}

inline Status ReadAllEvents(TraceReader* r, std::vector<OwnedEvent>* out) {
  out->clear();
  for (;;) {
    TraceEvent ev;
    bool eof = false;
    Status s = r->Next(&ev, &eof);
    if (!s.ok() || eof) return s;
    out->push_back(Own(ev));
  }
}

inline std::vector<OwnedEvent> ReadTrace(const std::vector<std::string>& paths,
                                         TraceFormat format = TraceFormat::kAuto,
                                         std::vector<std::string>* warnings = nullptr) {
  std::unique_ptr<TraceReader> r;
  TraceOpenOptions o;
  o.format = format;
  Status s = OpenTrace(paths, o, &r);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  std::vector<OwnedEvent> events;
  s = ReadAllEvents(r.get(), &events);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  if (warnings) *warnings = r->warnings().list();
  return events;
}

// The error a trace gives when read to the end ("" if none).
inline std::string ReadError(const std::vector<std::string>& paths, TraceFormat format = TraceFormat::kAuto) {
  std::unique_ptr<TraceReader> r;
  TraceOpenOptions o;
  o.format = format;
  Status s = OpenTrace(paths, o, &r);
  if (!s.ok()) return s.message();
  std::vector<OwnedEvent> events;
  s = ReadAllEvents(r.get(), &events);
  return s.ok() ? "" : s.message();
}

inline Operation MakeOp(OpKind kind, uint64_t offset, uint64_t length) {
  Operation op;
  op.kind = kind;
  op.offset = offset;
  op.length = length;
  return op;
}

}  // namespace zonesim::tracetest
