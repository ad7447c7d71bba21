#include "common/memory_limit.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

namespace zonesim {

namespace {

// A "Name:   123 kB" line of a /proc file, in bytes; false if absent.
bool ProcKb(const char* file, const char* name, uint64_t* bytes) {
  std::ifstream in(file);
  std::string line;
  const size_t n = std::strlen(name);
  while (std::getline(in, line)) {
    if (line.compare(0, n, name) != 0 || line.size() <= n || line[n] != ':') continue;
    unsigned long long kb = 0;
    if (std::sscanf(line.c_str() + n + 1, "%llu", &kb) != 1) return false;
    *bytes = static_cast<uint64_t>(kb) * 1024;
    return true;
  }
  return false;
}

void Consider(uint64_t candidate, const char* name, uint64_t* best, std::string* which) {
  if (candidate >= *best) return;
  *best = candidate;
  if (which != nullptr) *which = name;
}

// A soft rlimit minus what the process already uses of it.
void ConsiderLimit(int resource, const char* status_field, const char* name, uint64_t* best,
                   std::string* which) {
  struct rlimit rl;
  if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
  uint64_t used = 0;
  (void)ProcKb("/proc/self/status", status_field, &used);
  const uint64_t limit = static_cast<uint64_t>(rl.rlim_cur);
  Consider(limit > used ? limit - used : 0, name, best, which);
}

}  // namespace

uint64_t MemoryHeadroom(std::string* which) {
  uint64_t best = UINT64_MAX;
  uint64_t available = 0;
  if (ProcKb("/proc/meminfo", "MemAvailable", &available)) {
    Consider(available, "available memory", &best, which);
  } else {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page > 0)
      Consider(static_cast<uint64_t>(pages) * static_cast<uint64_t>(page), "physical memory", &best, which);
  }
  ConsiderLimit(RLIMIT_AS, "VmSize", "the address-space limit, ulimit -v", &best, which);
  ConsiderLimit(RLIMIT_DATA, "VmData", "the data-segment limit, ulimit -d", &best, which);
  return best;
}

std::string FormatBytes(uint64_t bytes) {
  char buf[64];
  if (bytes >= (uint64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1 << 30));
  else if (bytes >= (uint64_t{1} << 20))
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  return buf;
}

Status CheckMemory(const std::string& what, uint64_t bytes, uint64_t headroom, const std::string& which) {
  if (bytes <= headroom) return Status::Ok();
  return Status::IoError(what + " needs " + FormatBytes(bytes) + " of memory, more than the " +
                         FormatBytes(headroom) + " this process can allocate (" + which + ")");
}

}  // namespace zonesim
