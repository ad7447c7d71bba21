// Helpers for the `zonesim check` tests: good images to start from (made by
// Qcow2Image and ZonedImage in a MemEnv), byte patching at named places, and
// running the checker on bytes.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/mem_env.h"
#include "common/testing/test_files.h"
#include "zoned/device_config.h"
#include "qcow2/check/image_check.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/tests/qcow2_test_util.h"
#include "qcow2/zoned/zoned_image.h"

namespace zonesim::checktest {

using Bytes = std::vector<uint8_t>;
using check::CheckOptions;
using check::CheckReport;
using qcow2::LoadBE16;
using qcow2::LoadBE32;
using qcow2::LoadBE64;
using qcow2::StoreBE16;
using qcow2::StoreBE32;
using qcow2::StoreBE64;
using qcow2::StoreLE64;

// Offset of the data of the first header extension of `type` (0 if absent).
inline size_t ExtensionData(const Bytes& file, uint32_t type) {
  size_t off = LoadBE32(file.data() + 100);
  while (off + 8 <= file.size() && off < 65536) {
    const uint32_t t = LoadBE32(file.data() + off), l = LoadBE32(file.data() + off + 4);
    if (t == 0) break;
    if (t == type) return off + 8;
    off += 8 + ((l + 7) & ~7u);
  }
  return 0;
}

// Field offsets inside the latest zoned extension's data.
constexpr size_t kZoned = 0, kZoneSize = 4, kCapacity = 12, kConventional = 20, kNrZones = 24, kActive = 28,
                 kOpen = 32, kAppend = 36, kMetaSize = 40, kMetaOffset = 48;

// Where things are in an image (read from its bytes).
struct Layout {
  uint64_t cluster_size = 0, l1 = 0, rt = 0, block0 = 0;
  size_t zext = 0;          // zoned extension data offset (0: none)
  uint64_t meta = 0;        // zonedmeta_offset
  uint64_t l2_0 = 0;        // L2 table of L1 entry 0 (0: none)
  explicit Layout(const Bytes& b) {
    cluster_size = uint64_t{1} << LoadBE32(b.data() + 20);
    l1 = LoadBE64(b.data() + 40);
    rt = LoadBE64(b.data() + 48);
    block0 = LoadBE64(b.data() + rt);
    zext = ExtensionData(b, qcow2::kExtZoned);
    if (zext) meta = LoadBE64(b.data() + zext + kMetaOffset);
    if (LoadBE32(b.data() + 36) > 0) l2_0 = LoadBE64(b.data() + l1) & qcow2::kOffsetMask;
  }
  // Byte offset of cluster c's 16-bit refcount (refcount_order 4, block 0).
  uint64_t RefcountAt(uint64_t cluster) const { return block0 + cluster * 2; }
};

inline void SetRefcount(Bytes& b, uint64_t offset, uint16_t v) {
  const Layout l(b);
  StoreBE16(b.data() + l.RefcountAt(offset / l.cluster_size), v);
}
inline uint16_t GetRefcount(const Bytes& b, uint64_t offset) {
  const Layout l(b);
  return LoadBE16(b.data() + l.RefcountAt(offset / l.cluster_size));
}

// A zoned image: 12 MiB, 1 MiB zones (capacity 768 KiB), 2 conventional, open
// limit 3, active 4, 4 KiB clusters. Zone 0 holds 8 KiB at 0, zone 2 64 KiB
// (CLOSED), zone 3 is FULL (written to capacity), zone 4 finished, the rest EMPTY.
inline Bytes ZonedImageBytes(ZonedLayout layout = ZonedLayout::kLatest, uint32_t cluster = 4096) {
  MemEnv env;
  Qcow2CreateOptions o;
  o.virtual_size = 12 << 20;
  o.cluster_size = cluster;
  ZonedExtension z;
  z.zone_size = 1 << 20;
  z.zone_capacity = 768 << 10;
  z.conventional_zones = 2;
  z.max_open_zones = 3;
  z.max_active_zones = 4;
  z.max_append_bytes = 64 << 10;
  z.layout = layout;
  o.zoned = z;
  REQUIRE(Qcow2Image::Create(&env, "z", o, false).ok());
  std::unique_ptr<ZonedImage> zi;
  REQUIRE(ZonedImage::Open(&env, "z", profile_params(Profile::kLinux), &zi).ok());
  Bytes d(768 << 10, 0x5c);
  REQUIRE(zi->Write(0, 8192, d.data()) == ZoneStatus::kOk);
  REQUIRE(zi->Write(2 << 20, 64 << 10, d.data()) == ZoneStatus::kOk);
  REQUIRE(zi->Write(3 << 20, 768 << 10, d.data()) == ZoneStatus::kOk);
  REQUIRE(zi->Manage(ZoneAction::kFinish, 4 << 20) == ZoneStatus::kOk);
  REQUIRE(zi->Close().ok());
  return env.Contents("z");
}

// A plain image: 8 MiB, 4 KiB clusters, 64 KiB of data at 1 MiB.
inline Bytes PlainImageBytes() {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "p", qcow2test::PlainOptions(8 << 20, 4096), false).ok());
  auto img = qcow2test::OpenOrFail(&env, "p");
  Bytes d(64 << 10, 0x3c);
  REQUIRE(img->Write(1 << 20, d.size(), d.data()).ok());
  return env.Contents("p");
}

inline CheckReport Check(const Bytes& b, CheckOptions o = {}) {
  MemEnv env;
  env.SetContents("img", b);
  CheckReport r;
  REQUIRE(check::CheckImage(&env, "img", o, &r).ok());
  if (!o.repair) REQUIRE_MESSAGE(env.Contents("img") == b, "the checker modified the image");
  return r;
}

inline CheckReport Strict(const Bytes& b) {
  CheckOptions o;
  o.strict = true;
  return Check(b, o);
}

// The ids of the listed findings, for messages.
inline std::string Ids(const CheckReport& r) {
  std::string s;
  for (const auto& f : r.findings) s += f.id + " ";
  return s;
}

inline const check::Finding* Find(const CheckReport& r, const std::string& id) {
  for (const auto& f : r.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

inline uint64_t Value(const check::Finding& f, const std::string& name) {
  for (const auto& v : f.values) {
    if (v.name == name) return v.number;
  }
  FAIL("no value ", name, " in ", f.id);
  return 0;
}

}  // namespace zonesim::checktest
