// QEMU-compatible image locking on a POSIX file descriptor (see ImageLock in
// common/env.h for the byte ranges and what each intent holds). Used by the
// POSIX Env's files; separate so the rules can be read in one place.
#pragma once

#include <string>

#include "common/env.h"
#include "common/status.h"

namespace zonesim {

// Replaces whatever this descriptor held with the locks of `intent`, then
// checks that no other open file description (another process, or another
// open of the same file in this one) holds a conflicting lock; on a conflict
// the new locks are dropped again and the Status names the permission.
Status ApplyImageLock(int fd, const std::string& path, ImageLock intent);

}  // namespace zonesim
