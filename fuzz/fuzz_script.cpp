// libFuzzer: the script parser (zoned/script.h). Besides not crashing, the
// documented round trip must hold: every operation the parser produces is
// formatted by FormatScriptLine into a line that parses back to the same
// operation.
#include <optional>
#include <string_view>
#include <vector>

#include "zoned/script.h"

using namespace zonesim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Operation> ops;
  if (!ParseScript(text, &ops).ok()) return 0;
  for (const Operation& op : ops) {
    const std::string line = FormatScriptLine(op);
    std::optional<Operation> again;
    if (!ParseScriptLine(line, &again).ok() || !again || !(*again == op)) __builtin_trap();
  }
  return 0;
}
