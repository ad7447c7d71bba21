// An image with more zones than the process can hold (issue 12: a 1e8-zone
// image that `zonesim create` made aborted `info` with std::bad_alloc): the
// open checks the zone table's size against the memory the process may
// allocate before allocating it, and the command fails with one line naming
// the zone count and the memory needed. The test lowers the limit instead of
// using a huge image: a 1e6-zone image (8 MB) opened under `ulimit -d` of
// 24 MiB, where its 40 MB zone state cannot fit; nothing large is allocated.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/memory_limit.h"
#include "qcow2/tests/zoned_image_fixture.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim::test {
namespace {

using testing::ShellQuote;

#if !defined(__SANITIZE_ADDRESS__)  // used by the ulimit test only
std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Shell(const std::string& cmd) {
  int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}
#endif

TEST_CASE("memory check: the message names what is needed and the limit") {
  Status s = CheckMemory("img: opening 100000000 zones (40 bytes each)", uint64_t{4000000000}, uint64_t{1} << 30,
                         "the address-space limit, ulimit -v");
  REQUIRE(!s.ok());
  CHECK(s.message() ==
        "img: opening 100000000 zones (40 bytes each) needs 3.7 GiB of memory, more than the 1.0 GiB this "
        "process can allocate (the address-space limit, ulimit -v)");
  CHECK(CheckMemory("x", 100, 100, "y").ok());
  CHECK(MemoryHeadroom() > 0);
}

TEST_CASE("cli: an image too large for the memory limit is a one-line error, not an abort") {
#if defined(__SANITIZE_ADDRESS__)
  // ASan's allocator reserves its memory up front and cannot run under ulimit -d.
  MESSAGE("skipped under AddressSanitizer");
#else
  testing::TestDir dir;
  const std::string img = dir.File("huge.qcow2"), err = dir.File("err.txt");
  const std::string z = ShellQuote(testing::ZonesimBinary());
  REQUIRE(Shell(z + " create " + ShellQuote(img) + " -o size=" + std::to_string(uint64_t{1000000} * 256) +
                "K,zone.size=256K >/dev/null 2>&1") == 0);
  for (const std::string cmd : {"info", "io"}) {
    CAPTURE(cmd);
    const std::string extra = cmd == "io" ? " -c 'zrp 0 1'" : "";
    const int code = Shell("ulimit -d 24576; " + z + " " + cmd + " " + ShellQuote(img) + extra + " >/dev/null 2>" +
                           ShellQuote(err));
    const std::string text = Slurp(err);
    CAPTURE(text);
    CHECK(code == (cmd == "io" ? 2 : 1));  // io: an image it cannot open is an input error
    CHECK(text.find("opening 1000000 zones (33 bytes each) needs 31.5 MiB of memory") != std::string::npos);
    CHECK(text.find("ulimit -d") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  }
  // Without the limit the same image opens.
  CHECK(Shell(z + " info " + ShellQuote(img) + " >/dev/null 2>&1") == 0);
#endif
}

}  // namespace
}  // namespace zonesim::test
