// libFuzzer: the blkparse text reader (traces/blkparse_text_reader.h).
#include <memory>

#include "fuzz/fuzz_trace_util.h"
#include "traces/blkparse_text_reader.h"

using namespace zonesim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::InputPath(".blkparse.txt");
  if (!fuzz::WriteInput(path, data, size)) return 0;
  std::unique_ptr<BlkparseTextReader> r;
  // A small buffer, so over-long lines are exercised too.
  if (BlkparseTextReader::Open(path, 4096, &r).ok()) fuzz::Drain(*r);
  return 0;
}
