// How much memory this process may still allocate, so that structures sized
// by the input (an image's zone table: one record per zone) are checked
// before they are allocated and a too-large input gets a one-line error that
// names what it needs, instead of std::bad_alloc (issue 12).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace zonesim {

// The smallest of: the memory the kernel reports available (MemAvailable in
// /proc/meminfo, else the physical memory), RLIMIT_AS minus the address space
// in use and RLIMIT_DATA minus the data segment in use (ulimit -v / -d).
// UINT64_MAX when none of them can be read. `which` (optional) names the
// limit that decided.
uint64_t MemoryHeadroom(std::string* which = nullptr);

// Ok when `bytes` fit in `headroom`; otherwise an error "WHAT needs X of
// memory, more than the Y this process can allocate (WHICH)".
Status CheckMemory(const std::string& what, uint64_t bytes, uint64_t headroom,
                   const std::string& which);

// "1.5 GiB", "300.0 MiB", "512 bytes".
std::string FormatBytes(uint64_t bytes);

}  // namespace zonesim
