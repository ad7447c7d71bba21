// Agreement with `qemu-img check`: for images made by our own code (ZonedImage
// directly, a `zonesim fuzz` campaign kept with --image) and by QEMU (plain,
// compressed, with an internal snapshot, with a persistent bitmap), and for
// the same images with crafted leaks, our structural findings must match
// qemu-img's on a copy with bit 5 cleared (stock QEMU refuses bit 5): the
// same number of corruptions, and our leaked clusters = qemu's leaked
// clusters minus the write-pointer table's, which qemu-img cannot know.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "qcow2/tests/check_test_util.h"

namespace zonesim::checktest {
namespace {

using qcow2test::Quote;
using qcow2test::Run;

struct QemuCheck {
  int exit_code = -1;
  uint64_t corruptions = 0, leaks = 0;
  std::set<uint64_t> leaked;  // cluster indices
};

uint64_t JsonNumber(const std::string& json, const std::string& key) {
  std::smatch m;
  if (std::regex_search(json, m, std::regex("\"" + key + "\": ([0-9]+)"))) return std::stoull(m[1]);
  return 0;  // qemu-img omits zero counts
}

QemuCheck RunQemuCheck(const std::string& path) {
  QemuCheck q;
  std::string json, text;
  q.exit_code = Run("qemu-img check --output=json " + Quote(path), &json);
  q.corruptions = JsonNumber(json, "corruptions");
  q.leaks = JsonNumber(json, "leaks");
  Run("qemu-img check " + Quote(path), &text);
  const std::regex line("Leaked cluster ([0-9]+) refcount=");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it) {
    q.leaked.insert(std::stoull((*it)[1]));
  }
  REQUIRE(q.leaked.size() == q.leaks);
  return q;
}

// Compares our check of `path` with qemu-img's on a bit-5-cleared copy.
void ExpectAgreement(const std::string& path, const std::string& what, uint64_t expect_leaks = 0) {
  INFO(what);
  CheckReport ours;
  REQUIRE(check::CheckImage(Env::Default(), path, {}, &ours).ok());
  INFO(check::FormatText(ours));
  REQUIRE(ours.checked);
  Bytes copy = qcow2test::ReadAll(path);
  copy[79] &= ~0x20;
  const std::string stock = path + ".stock";
  qcow2test::WriteAll(stock, copy);
  const QemuCheck q = RunQemuCheck(stock);
  std::set<uint64_t> wp_clusters;
  if (ours.summary.zoned) {
    const ZonedExtension& z = *ours.summary.zoned;
    const uint64_t cs = ours.summary.cluster_size;
    for (uint64_t c = z.zonedmeta_offset / cs; c < (z.zonedmeta_offset + z.zonedmeta_size + cs - 1) / cs; ++c) {
      wp_clusters.insert(c);
    }
  }
  std::set<uint64_t> qemu_minus_wp;
  for (uint64_t c : q.leaked) {
    if (!wp_clusters.count(c)) qemu_minus_wp.insert(c);
  }
  // qemu-img counts the write-pointer table as leaked; we never do.
  for (uint64_t c : wp_clusters) CHECK_MESSAGE(q.leaked.count(c), "qemu-img did not report wp cluster ", c);
  const std::set<uint64_t> ours_leaked(ours.leaked_clusters.begin(), ours.leaked_clusters.end());
  CHECK(ours.counts.errors == q.corruptions);
  CHECK(ours_leaked == qemu_minus_wp);
  CHECK(ours.counts.leaks == expect_leaks);
  CHECK(q.leaks == expect_leaks + wp_clusters.size());
}

// Adds `n` unreferenced clusters with refcount 1 at the end of the file.
void AddLeaks(const std::string& path, int n) {
  Bytes b = qcow2test::ReadAll(path);
  const uint64_t cs = uint64_t{1} << LoadBE32(b.data() + 20);
  const uint64_t end = (b.size() + cs - 1) / cs * cs;
  b.resize(end + n * cs, 0);
  for (int i = 0; i < n; ++i) SetRefcount(b, end + i * cs, 1);
  qcow2test::WriteAll(path, b);
}

TEST_CASE("agreement with qemu-img: images made by ZonedImage") {
  qcow2test::RequireQemu();
  testing::TestDir dir;
  for (uint32_t cluster : {4096u, 65536u}) {
    const std::string path = dir.File("zi-" + std::to_string(cluster) + ".qcow2");
    qcow2test::WriteAll(path, ZonedImageBytes(ZonedLayout::kLatest, cluster));
    ExpectAgreement(path, "ZonedImage, cluster " + std::to_string(cluster));
    AddLeaks(path, 3);
    ExpectAgreement(path, "ZonedImage with 3 crafted leaks", 3);
  }
}

TEST_CASE("agreement with qemu-img: an image kept from a `zonesim fuzz` campaign") {
  qcow2test::RequireQemu();
  const char* bin = std::getenv("ZONESIM_BINARY_DIR");
  const std::string zonesim = bin ? std::string(bin) + "/sim/zonesim" : "";
  INFO("needs the zonesim binary (ctest sets ZONESIM_BINARY_DIR; qcow2_tests depends on zonesim)");
  REQUIRE((!zonesim.empty() && std::filesystem::exists(zonesim)));
  testing::TestDir dir;
  for (int seed : {3, 11}) {
    const std::string path = dir.File("fuzz-" + std::to_string(seed) + ".qcow2");
    std::string out;
    REQUIRE_MESSAGE(Run(Quote(zonesim) + " fuzz --seed " + std::to_string(seed) +
                            " --ops 3000 --cluster-size 4096 --image " + Quote(path),
                        &out) == 0,
                    out);
    ExpectAgreement(path, "fuzz campaign seed " + std::to_string(seed));
  }
}

TEST_CASE("agreement with qemu-img: plain, compressed, snapshot and bitmap images made by QEMU") {
  qcow2test::RequireQemu();
  testing::TestDir dir;
  std::string out;
  const std::string raw = dir.File("raw.img");
  {
    Bytes r(4 << 20);
    for (size_t i = 0; i < r.size(); ++i) r[i] = i % 3 == 0 ? 0 : static_cast<uint8_t>(i / 4096);
    qcow2test::WriteAll(raw, r);
  }
  const std::string plain = dir.File("plain.qcow2");
  REQUIRE(Run("qemu-img create -f qcow2 -o cluster_size=4096 " + Quote(plain) + " 32M", &out) == 0);
  REQUIRE(Run("qemu-io -f qcow2 -c 'write -P 1 0 1M' -c 'write -P 2 5M 300k' -c 'discard 0 64k' " + Quote(plain),
              &out) == 0);
  ExpectAgreement(plain, "qemu-img plain");

  const std::string comp = dir.File("comp.qcow2");
  REQUIRE(Run("qemu-img convert -c -f raw -O qcow2 -o cluster_size=4096 " + Quote(raw) + " " + Quote(comp), &out) == 0);
  ExpectAgreement(comp, "qemu-img compressed");
  // Overwrite part of it: compressed clusters freed, shared host clusters kept.
  REQUIRE(Run("qemu-io -f qcow2 -c 'write -P 9 64k 200k' " + Quote(comp), &out) == 0);
  ExpectAgreement(comp, "qemu-img compressed, partly overwritten");

  const std::string snap = dir.File("snap.qcow2");
  REQUIRE(Run("qemu-img convert -f raw -O qcow2 " + Quote(raw) + " " + Quote(snap), &out) == 0);
  REQUIRE(Run("qemu-img snapshot -c s1 " + Quote(snap), &out) == 0);
  REQUIRE(Run("qemu-io -f qcow2 -c 'write -P 5 0 128k' " + Quote(snap), &out) == 0);
  ExpectAgreement(snap, "qemu-img with an internal snapshot");

  const std::string bmp = dir.File("bitmap.qcow2");
  REQUIRE(Run("qemu-img create -f qcow2 " + Quote(bmp) + " 16M", &out) == 0);
  if (Run("qemu-img bitmap --add " + Quote(bmp) + " b0", &out) == 0) {
    REQUIRE(Run("qemu-io -f qcow2 -c 'write -P 3 0 1M' " + Quote(bmp), &out) == 0);
    ExpectAgreement(bmp, "qemu-img with a persistent bitmap");
  } else {
    MESSAGE("qemu-img bitmap not available: " << out);
  }
  AddLeaks(plain, 2);
  ExpectAgreement(plain, "qemu-img plain with 2 crafted leaks", 2);
}

}  // namespace
}  // namespace zonesim::checktest
