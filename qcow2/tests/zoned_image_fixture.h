// Shared helpers for the ZonedImage tests: a fresh temporary directory, small
// zoned images made through Qcow2Image::Create, and deterministic data.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "zoned/device_config.h"
#include "zoned/payload.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/zoned/zone_config.h"
#include "common/testing/test_files.h"
#include "qcow2/zoned/zoned_image.h"

namespace zonesim::test {

// A fresh directory under $TMPDIR (default /tmp), removed with everything in it.

// Small geometries keep every test fast: 16 zones of 64 KiB by default.
struct Geometry {
  uint64_t size = 1 << 20;
  uint64_t zone_size = 64 << 10;
  uint64_t zone_capacity = 64 << 10;
  uint32_t conventional_zones = 0;
  uint32_t max_open_zones = 0;
  uint32_t max_active_zones = 0;
  uint32_t max_append_bytes = 16 << 10;
  uint32_t cluster_size = 4096;
  ZonedLayout layout = ZonedLayout::kLatest;

  DeviceConfig config() const {
    DeviceConfig c;
    c.size = size;
    c.zone_size = zone_size;
    c.zone_capacity = zone_capacity;
    c.conventional_zones = conventional_zones;
    c.max_open_zones = max_open_zones;
    c.max_active_zones = max_active_zones;
    c.max_append_bytes = max_append_bytes;
    return c;
  }
};

inline void MakeImage(Env* env, const std::string& path, const Geometry& g) {
  Qcow2CreateOptions o;
  o.virtual_size = g.size;
  o.cluster_size = g.cluster_size;
  o.zoned = ExtensionFromConfig(g.config(), g.layout);
  Status s = Qcow2Image::Create(env, path, o, /*overwrite=*/false);
  INFO(s.ToString());
  REQUIRE(s.ok());
}

inline std::unique_ptr<ZonedImage> OpenImage(Env* env, const std::string& path,
                                             const ZoneParams& params) {
  std::unique_ptr<ZonedImage> zi;
  Status s = ZonedImage::Open(env, path, params, &zi);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return zi;
}

// Data for device offset `offset` in "generation" gen: never zero, so a
// read that returns zeros never passes for written data.
inline uint8_t PatternByte(uint64_t offset, uint32_t gen) {
  uint64_t x = (offset / 512) * 0x9e3779b97f4a7c15ull + gen * 0xbf58476d1ce4e5b9ull + offset % 512;
  x ^= x >> 29;
  return static_cast<uint8_t>(x % 255 + 1);
}

inline std::vector<uint8_t> Pattern(uint64_t offset, uint64_t length, uint32_t gen = 0) {
  std::vector<uint8_t> v(length);
  for (uint64_t i = 0; i < length; ++i) v[i] = PatternByte(offset + i, gen);
  return v;
}

// Bytes [offset, offset + length) of what `payload` generates.
inline std::vector<uint8_t> Generated(const Payload& payload, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> v(length);
  payload.Generate(offset, length, v.data());
  return v;
}

inline ZoneStatus WritePattern(ZonedImage* zi, uint64_t offset, uint64_t length, uint32_t gen = 0) {
  std::vector<uint8_t> d = Pattern(offset, length, gen);
  return zi->Write(offset, length, d.data());
}

inline std::vector<uint8_t> ReadBack(ZonedImage* zi, uint64_t offset, uint64_t length) {
  std::vector<uint8_t> out(length, 0x5a);
  ZoneStatus s = zi->Read(offset, length, out.data());
  REQUIRE(s == ZoneStatus::kOk);
  return out;
}

inline ZoneReportEntry ReportOne(ZonedImage* zi, uint64_t zone_start) {
  std::vector<ZoneReportEntry> r;
  bool partial = false;
  REQUIRE(zi->Report(zone_start, 1, ReportFilter::kAll, &r, &partial) == ZoneStatus::kOk);
  REQUIRE(r.size() == 1);
  return r[0];
}

inline ZoneCondition Cond(ZonedImage* zi, uint64_t zone_start) { return ReportOne(zi, zone_start).cond; }

inline uint64_t FileSize(const std::string& path) {
  return static_cast<uint64_t>(std::filesystem::file_size(path));
}

inline std::vector<uint8_t> FileBytes(Env* env, const std::string& path) {
  std::unique_ptr<File> f;
  REQUIRE(env->OpenFile(path, OpenMode::kReadOnly, &f).ok());
  uint64_t n = 0;
  REQUIRE(f->Size(&n).ok());
  std::vector<uint8_t> out(n);
  if (n) REQUIRE(f->Read(0, n, out.data()).ok());
  return out;
}

inline const ZoneParams kProfiles[] = {profile_params(Profile::kZns), profile_params(Profile::kZbc),
                                       profile_params(Profile::kLinux)};

}  // namespace zonesim::test
