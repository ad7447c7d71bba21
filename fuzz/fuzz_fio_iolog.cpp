// libFuzzer: the fio iolog reader (traces/fio_iolog_reader.h), versions 2 and 3.
#include <memory>

#include "fuzz/fuzz_trace_util.h"
#include "traces/fio_iolog_reader.h"

using namespace zonesim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::InputPath(".iolog");
  if (!fuzz::WriteInput(path, data, size)) return 0;
  std::unique_ptr<FioIologReader> r;
  if (FioIologReader::Open(path, 4096, &r).ok()) fuzz::Drain(*r);
  return 0;
}
