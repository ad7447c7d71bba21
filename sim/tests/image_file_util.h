// Reading and patching qcow2 header fields and refcounts of an image file in
// place, to craft damaged images for the safety tests (big-endian, as qcow2
// stores them).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace zonesim::testing {

inline uint64_t ReadBE(const std::string& path, uint64_t offset, int bytes) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    char c = 0;
    REQUIRE(f.get(c));
    v = (v << 8) | static_cast<uint8_t>(c);
  }
  return v;
}

inline void WriteBE(const std::string& path, uint64_t offset, int bytes, uint64_t v) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(offset));
  for (int i = bytes - 1; i >= 0; --i) f.put(static_cast<char>((v >> (8 * i)) & 0xff));
  REQUIRE(f.good());
}

// The parts of a qcow2 image the crafted cases need (refcount_order 4 only).
struct ImageLayout {
  uint64_t cluster_size = 0;
  uint64_t l1 = 0;         // L1 table offset
  uint64_t refcount_block = 0;  // the first refcount block
  uint64_t l2 = 0;         // the L2 table of L1 entry 0 (0 if none)

  explicit ImageLayout(const std::string& path) {
    cluster_size = uint64_t{1} << ReadBE(path, 20, 4);
    l1 = ReadBE(path, 40, 8);
    REQUIRE(ReadBE(path, 96, 4) == 4);  // 16-bit refcounts
    refcount_block = ReadBE(path, ReadBE(path, 48, 8), 8);
    l2 = ReadBE(path, l1, 8) & 0x00fffffffffffe00ull;
  }
  void SetRefcount(const std::string& path, uint64_t host_offset, uint64_t value) const {
    WriteBE(path, refcount_block + 2 * (host_offset / cluster_size), 2, value);
  }
};

}  // namespace zonesim::testing
