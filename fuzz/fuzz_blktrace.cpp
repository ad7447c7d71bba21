// libFuzzer: the blktrace binary reader (traces/blktrace_reader.h) on
// arbitrary bytes, as a per-CPU file (CPU 0 expected) and as a dump.
#include <memory>

#include "fuzz/fuzz_trace_util.h"
#include "traces/blktrace_reader.h"

using namespace zonesim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::InputPath(".blktrace.0");
  if (!fuzz::WriteInput(path, data, size)) return 0;
  for (int cpu : {0, -1}) {
    std::unique_ptr<BlktraceReader> r;
    if (BlktraceReader::Open({{path, cpu}}, 1 << 20, &r).ok()) fuzz::Drain(*r);
  }
  return 0;
}
