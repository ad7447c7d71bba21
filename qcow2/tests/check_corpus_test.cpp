// The crafted bad-image corpus: generated at test time by byte-patching a
// good zoned image, written to real files, and checked through the POSIX
// Env the way `zonesim check` runs. Every image must be reported with the
// expected identifier and exit code, none may crash the checker, and none may
// change on disk. The opener (Qcow2Image::Open) must refuse every corrupt one,
// so the gate and the implementation agree. Two cases use the real qemu-img:
// a write-pointer table freed by `qemu-img check -r leaks`, and one then
// reused by a qemu-io write.
#include <doctest/doctest.h>

#include <functional>

#include "qcow2/tests/check_test_util.h"

namespace zonesim::checktest {
namespace {

struct Case {
  const char* name;
  std::function<void(Bytes&)> patch;
  const char* id;
  int exit_code;
  bool opener_refuses;
};

// FNV-1a, to name the file state in messages.
uint64_t Hash(const Bytes& b) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t x : b) h = (h ^ x) * 1099511628211ull;
  return h;
}

CheckReport CheckFile(const std::string& path, CheckOptions o = {}) {
  const Bytes before = qcow2test::ReadAll(path);
  CheckReport r;
  REQUIRE(check::CheckImage(Env::Default(), path, o, &r).ok());
  if (!o.repair) {
    const Bytes after = qcow2test::ReadAll(path);
    REQUIRE_MESSAGE(Hash(after) == Hash(before), path, " changed on disk");
    REQUIRE(after == before);
  }
  return r;
}

void SetBit5(const std::string& path, bool on) {
  Bytes b = qcow2test::ReadAll(path);
  b[79] = on ? (b[79] | 0x20) : (b[79] & ~0x20);
  qcow2test::WriteAll(path, b);
}

TEST_CASE("crafted corpus: each image reported with its identifier and exit code, none modified") {
  const Bytes good = ZonedImageBytes();
  const Layout l(good);
  const std::vector<Case> cases = {
      {"truncated header", [](Bytes& b) { b.resize(60); }, "qcow2.header_truncated", 1, true},
      {"truncated v3 header", [](Bytes& b) { b.resize(100); }, "qcow2.header_truncated", 1, true},
      {"not qcow2", [](Bytes& b) { b[0] = 'X'; }, "qcow2.not_qcow2", 1, true},
      {"extension shorter than its layout",
       [&](Bytes& b) { StoreBE32(b.data() + l.zext - 4, 40); }, "zoned.extension_truncated", 2, true},
      {"extension between layouts", [&](Bytes& b) { StoreBE32(b.data() + l.zext - 4, 50); },
       "zoned.extension_length", 2, true},
      {"nr_zones does not match the size", [&](Bytes& b) { StoreBE32(b.data() + l.zext + kNrZones, 11); },
       "zoned.nr_zones_mismatch", 2, true},
      {"zonedmeta beyond the end of the file",
       [&](Bytes& b) { StoreBE64(b.data() + l.zext + kMetaOffset, (b.size() + 4095) / 4096 * 4096 + 4096); },
       "zoned.zonedmeta_out_of_bounds", 2, true},
      {"zonedmeta overlapping the L1 table", [&](Bytes& b) { StoreBE64(b.data() + l.zext + kMetaOffset, l.l1); },
       "zoned.zonedmeta_overlap", 2, true},
      {"huge L1 size", [](Bytes& b) { StoreBE32(b.data() + 36, 0xfffffff0u); }, "qcow2.l1_too_large", 2, true},
      {"refcount table outside the file", [](Bytes& b) { StoreBE64(b.data() + 48, 1ull << 42); },
       "refcount.table_out_of_bounds", 2, true},
      {"refcount table entry pointing outside the file",
       [&](Bytes& b) { StoreBE64(b.data() + l.rt + 8, 1ull << 42); }, "refcount.block_out_of_bounds", 2, true},
      {"write pointer outside its zone", [&](Bytes& b) { StoreLE64(b.data() + l.meta + 7 * 8, 9 << 20); },
       "zoned.wp_out_of_zone", 2, true},
      {"bit 5 without the extension", [&](Bytes& b) { StoreBE32(b.data() + l.zext - 8, 0x12345678); },
       "zoned.bit_without_extension", 2, true},
      {"the extension without bit 5", [](Bytes& b) { b[79] &= ~0x20; }, "zoned.extension_without_bit", 2, true},
      {"unknown zone model", [&](Bytes& b) { b[l.zext + kZoned] = 2; }, "zoned.unknown_model", 2, true},
      {"write-pointer table freed (refcount 0)", [&](Bytes& b) { SetRefcount(b, l.meta, 0); },
       "zoned.wp_table_freed", 2, true},
      {"leaks only",
       [](Bytes& b) {
         b.resize(b.size() + 2 * 4096, 0);
         SetRefcount(b, b.size() - 4096, 1);
         SetRefcount(b, b.size() - 2 * 4096, 1);
       },
       "refcount.leak", 3, false},
  };
  testing::TestDir dir;
  for (const Case& c : cases) {
    INFO(c.name);
    Bytes b = good;
    c.patch(b);
    const std::string path = dir.File("bad.qcow2");
    qcow2test::WriteAll(path, b);
    CheckReport r = CheckFile(path);
    INFO(check::FormatText(r));
    CHECK(r.has(c.id));
    CHECK(r.exit_code() == c.exit_code);
    std::unique_ptr<Qcow2Image> img;
    const bool opened = Qcow2Image::Open(Env::Default(), path, /*read_only=*/true, &img).ok();
    CHECK(opened == !c.opener_refuses);
    img.reset();
    CHECK(qcow2test::ReadAll(path) == b);
  }
}

TEST_CASE("a write-pointer table freed by the real `qemu-img check -r leaks` is explained and repaired") {
  qcow2test::RequireQemu();
  testing::TestDir dir;
  const std::string path = dir.File("z.qcow2");
  qcow2test::WriteAll(path, ZonedImageBytes(ZonedLayout::kLatest, 65536));
  const Layout l(qcow2test::ReadAll(path));
  // Stock qemu-img refuses bit 5; on a copy without it, the table is a leak.
  SetBit5(path, false);
  std::string out;
  CHECK(qcow2test::Run("qemu-img check " + qcow2test::Quote(path), &out) == 3);
  CHECK(out.find("Leaked cluster " + std::to_string(l.meta / 65536) + " ") != std::string::npos);
  CHECK(qcow2test::Run("qemu-img check -r leaks " + qcow2test::Quote(path), &out) == 0);
  SetBit5(path, true);
  CheckReport r = CheckFile(path);
  INFO(check::FormatText(r));
  const check::Finding* f = Find(r, "zoned.wp_table_freed");
  REQUIRE(f != nullptr);
  CHECK(f->message.find("qemu-img check -r leaks") != std::string::npos);
  CHECK(f->message.find("12 zones") != std::string::npos);
  CHECK(r.exit_code() == 2);
  // Whether qemu-img punched a hole or not, --repair brings the image back to
  // a clean state that the zone layer opens with zone 2's data readable.
  CheckOptions o;
  o.repair = true;
  CheckReport fixed = CheckFile(path, o);
  INFO(check::FormatText(fixed));
  CHECK(fixed.exit_code() == 0);
  CHECK(CheckFile(path).findings.empty());
  std::unique_ptr<ZonedImage> zi;
  REQUIRE(ZonedImage::Open(Env::Default(), path, profile_params(Profile::kLinux), &zi).ok());
  Bytes got(64 * 1024);
  REQUIRE(zi->Read(2 << 20, got.size(), got.data()) == ZoneStatus::kOk);
  CHECK(got == Bytes(64 * 1024, 0x5c));
}

TEST_CASE("a freed table that a later qemu-io write reused is reported as lost") {
  qcow2test::RequireQemu();
  testing::TestDir dir;
  const std::string path = dir.File("z.qcow2");
  qcow2test::WriteAll(path, ZonedImageBytes(ZonedLayout::kLatest, 65536));
  SetBit5(path, false);
  std::string out;
  REQUIRE(qcow2test::Run("qemu-img check -r leaks " + qcow2test::Quote(path), &out) == 0);
  // A write to a new cluster takes the lowest free cluster: the table's.
  REQUIRE(qcow2test::Run("qemu-io -f qcow2 -c 'write -P 0x77 8M 64k' " + qcow2test::Quote(path), &out) == 0);
  SetBit5(path, true);
  CheckReport r = CheckFile(path);
  INFO(check::FormatText(r));
  const check::Finding* f = Find(r, "zoned.wp_table_reused");
  REQUIRE(f != nullptr);
  CHECK(f->message.find("guest offset 0x800000") != std::string::npos);
  CHECK(Value(*f, "zones_lost") == 12);
  CHECK(r.exit_code() == 2);
  CheckOptions o;
  o.repair = true;
  const Bytes before = qcow2test::ReadAll(path);
  CheckReport again = CheckFile(path, o);
  CHECK(again.exit_code() == 2);
  CHECK(qcow2test::ReadAll(path) == before);  // nothing repairable: untouched
}

}  // namespace
}  // namespace zonesim::checktest
