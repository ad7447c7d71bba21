// Placeholder: replaced by the real implementation.
#include <cstdio>

#include "sim/commands.h"

namespace zonesim {

int RunIoCommand(const CommandArgs&) {
  std::fprintf(stderr, "zonesim io: not implemented yet\n");
  return 2;
}

}  // namespace zonesim
