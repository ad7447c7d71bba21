// Placeholder: replaced by the real implementation.
#include <cstdio>

#include "sim/commands.h"

namespace zonesim {

int RunGraphCommand(const CommandArgs&) {
  std::fprintf(stderr, "zonesim graph: not implemented yet\n");
  return 2;
}

}  // namespace zonesim
