// Payload::Generate is the hot path of lockstep checking, so it writes whole
// words at once; these tests pin it to the byte-at-a-time definition (ByteAt)
// for every alignment, and pin the bytes themselves, which reproducers,
// images and traces written by earlier versions depend on.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "zoned/payload.h"

namespace zonesim {
namespace {

TEST_CASE("Generate equals ByteAt for every offset alignment and length") {
  for (uint64_t seed : {uint64_t{0}, uint64_t{1}, uint64_t{0x1234}, ~uint64_t{0}}) {
    const Payload p = Payload::Seeded(seed);
    for (uint64_t offset = 0; offset < 24; ++offset) {
      for (size_t n = 0; n <= 40; ++n) {
        std::vector<uint8_t> out(n + 2, 0xEE);
        p.Generate(offset, n, out.data() + 1);
        CHECK(out.front() == 0xEE);  // nothing written outside [out, out + n)
        CHECK(out.back() == 0xEE);
        for (size_t i = 0; i < n; ++i) REQUIRE(out[i + 1] == p.ByteAt(offset + i));
      }
    }
  }
}

TEST_CASE("seeded payload bytes do not change between versions") {
  // splitmix64(seed ^ (word index * 0xd1342543de82ef95)), little-endian bytes.
  const std::vector<uint8_t> want = {0xd5, 0x87, 0x2f, 0x64, 0x5f, 0xb2, 0x74,
                                     0x70, 0x23, 0xf8, 0x20, 0xa7, 0x58};
  std::vector<uint8_t> got(want.size());
  Payload::Seeded(0x1234).Generate(3, got.size(), got.data());
  CHECK(got == want);
}

TEST_CASE("fill payloads repeat their byte") {
  std::vector<uint8_t> out(17, 0);
  Payload::Fill(0xab).Generate(5, out.size(), out.data());
  for (uint8_t b : out) CHECK(b == 0xab);
}

}  // namespace
}  // namespace zonesim
