// Image locking against the real QEMU (Debian's qemu-io 7.2) both ways, and
// (QEMU 7.2 cannot open zoned images, so the QEMU cases use a plain qcow2
// image: zonesim takes the lock before it reads the header, so `io` is refused
// for the lock, not for the missing zoned extension), and
// zonesim against zonesim: concurrent writers on disjoint zones of one image
// never corrupt it, because the second writer is refused (issue 12's
// measurement: 0 corrupt images over 100 runs). qemu-io absent is a failure.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/env.h"
#include "common/testing/test_files.h"
#include "qcow2/storage/qcow2_image.h"
#include "sim/tests/zonesim_binary.h"

namespace zonesim::testing {
namespace {

constexpr const char* kLocked = "image is locked by another process";

void RequireQemuIo() {
  REQUIRE_MESSAGE(std::system("command -v qemu-io >/dev/null 2>&1") == 0,
                  "qemu-io is required (scripts/install-deps.sh)");
}

std::string MakePlainImage(TestDir& dir) {
  const std::string path = dir.File("plain.qcow2");
  REQUIRE(std::system(("qemu-img create -q -f qcow2 " + ShellQuote(path) + " 4M").c_str()) == 0);
  return path;
}


// qemu-io holding an image open read-write: started on a pipe, known to hold
// the image once it answered a read (stdbuf: line-buffered output), stopped by
// closing its input.
class QemuIoHolder {
 public:
  explicit QemuIoHolder(const std::string& image) {
    int in[2], out[2];
    REQUIRE(::pipe(in) == 0);
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[0]);
      ::close(in[1]);
      ::close(out[0]);
      ::close(out[1]);
      ::execlp("stdbuf", "stdbuf", "-oL", "qemu-io", "-f", "qcow2", image.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
    const std::string cmd = "read 0 512\n";
    REQUIRE(::write(to_, cmd.data(), cmd.size()) == static_cast<ssize_t>(cmd.size()));
    std::string seen;
    char c;
    while (seen.find("read 512/512 bytes") == std::string::npos && ::read(from_, &c, 1) == 1) seen += c;
    INFO(seen);
    REQUIRE(seen.find("read 512/512 bytes") != std::string::npos);
  }
  ~QemuIoHolder() {
    ::close(to_);
    char buf[256];
    while (::read(from_, buf, sizeof buf) > 0) {
    }
    ::close(from_);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
};

TEST_CASE("lock: qemu-io holds the image -> zonesim refuses to write or read it, -U inspects it") {
  RequireQemuIo();
  TestDir dir;
  const std::string img = MakePlainImage(dir);
  const std::vector<uint8_t> before = ReadFileBytes(img);
  {
    QemuIoHolder qemu(img);
    ZonesimRun r = RunZonesim({"io", img, "-c", "write -P 0x11 0 4K"});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(kLocked) != std::string::npos);
    r = RunZonesim({"info", img});
    CHECK(r.status == 1);
    CHECK(r.err.find(kLocked) != std::string::npos);
    r = RunZonesim({"check", img});
    CHECK(r.status == 1);
    r = RunZonesim({"info", "-U", img});
    INFO(r.err);
    CHECK(r.status == 0);
    r = RunZonesim({"io", img, "-r", "-c", "zrp 0 1"});
    CHECK(r.err.find(kLocked) != std::string::npos);
    r = RunZonesim({"io", img, "-r", "-U", "-c", "zrp 0 1"});
    CHECK(r.err.find("not a zoned image") != std::string::npos);  // past the lock
    r = RunZonesim({"check", "-U", img});
    CHECK(r.status == 0);
  }
  CHECK(ReadFileBytes(img) == before);
  CHECK(RunZonesim({"info", img}).status == 0);  // released with qemu-io
}

TEST_CASE("lock: zonesim holds the image (read-write) -> qemu-io refuses it; qemu-io -r -U may inspect") {
  RequireQemuIo();
  TestDir dir;
  const std::string img = MakePlainImage(dir);
  std::unique_ptr<Qcow2Image> held;
  REQUIRE(Qcow2Image::Open(Env::Default(), img, /*read_only=*/false, &held).ok());
  std::string out;
  CHECK(RunShell("qemu-io -f qcow2 -c 'write -P 0x22 0 4k' " + ShellQuote(img), &out) != 0);
  INFO(out);
  CHECK(out.find("Failed to get") != std::string::npos);
  CHECK(RunShell("qemu-io -r -f qcow2 -c 'read 0 4k' " + ShellQuote(img), &out) != 0);
  CHECK(RunShell("qemu-io -r -U -f qcow2 -c 'read 0 4k' " + ShellQuote(img), &out) == 0);
  held.reset();
  CHECK(RunShell("qemu-io -f qcow2 -c 'read 0 4k' " + ShellQuote(img), &out) == 0);
}

// Two `zonesim io` writers on disjoint zones at once, 100 times: each either
// succeeds (its data then reads back) or is refused with the lock message;
// the image is never corrupt. Which one wins is up to the scheduler; what is
// asserted holds for every interleaving.
TEST_CASE("lock: 100 runs of two concurrent writers leave 0 corrupt images") {
  TestDir dir;
  const std::string bin = ShellQuote(ZonesimBinary());
  int corrupt = 0, refused = 0, lost = 0;
  // The measurement of issue 12 (100 runs); 10 under the sanitizers.
  constexpr int kRuns = static_cast<int>(Scaled(100, 10));
  for (int run = 0; run < kRuns; ++run) {
    const std::string img = dir.File("c" + std::to_string(run) + ".qcow2");
    REQUIRE(RunZonesim({"create", img, "-o", "size=4M,zone.size=1M"}).status == 0);
    const std::string a = dir.File("a"), b = dir.File("b");
    const std::string cmd = bin + " io " + ShellQuote(img) + " -c 'write -P 0xaa 0 256K' >" + ShellQuote(a) +
                            " 2>&1 & p1=$!; " + bin + " io " + ShellQuote(img) + " -c 'write -P 0xbb 1M 256K' >" +
                            ShellQuote(b) + " 2>&1 & p2=$!; wait $p1; echo $?; wait $p2; echo $?";
    std::string codes;
    REQUIRE(RunShell(cmd, &codes) == 0);
    const std::vector<std::pair<std::string, std::string>> writers = {{a, "read -P 0xaa 0 256K"},
                                                                      {b, "read -P 0xbb 1M 256K"}};
    size_t pos = 0;
    for (const auto& [log, verify] : writers) {
      const size_t nl = codes.find('\n', pos);
      REQUIRE(nl != std::string::npos);
      const int code = std::stoi(codes.substr(pos, nl - pos));
      pos = nl + 1;
      const std::string text = ReadFileText(log);
      if (code == 0) {
        if (RunZonesim({"io", img, "-r", "-c", verify}).status != 0) ++lost;
      } else {
        INFO(text);
        CHECK(code == 2);
        CHECK(text.find(kLocked) != std::string::npos);
        ++refused;
      }
    }
    if (RunZonesim({"check", img}).status != 0) ++corrupt;
    std::remove(img.c_str());
  }
  MESSAGE("concurrent writers: " << kRuns << " runs, " << corrupt << " corrupt images, " << lost
                                 << " lost writes, " << refused << " writers refused by the lock");
  CHECK(corrupt == 0);
  CHECK(lost == 0);
}

}  // namespace
}  // namespace zonesim::testing
