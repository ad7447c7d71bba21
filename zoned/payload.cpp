#include "zoned/payload.h"

#include <bit>
#include <cstring>

namespace zonesim {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t word(uint64_t seed, uint64_t index) { return splitmix64(seed ^ (index * 0xd1342543de82ef95ull)); }

}  // namespace

uint8_t Payload::ByteAt(uint64_t offset) const {
  if (kind == Kind::kFill) return static_cast<uint8_t>(value);
  return static_cast<uint8_t>(word(value, offset / 8) >> (8 * (offset % 8)));
}

void Payload::Generate(uint64_t offset, size_t n, uint8_t* out) const {
  if (kind == Kind::kFill) {
    std::memset(out, static_cast<int>(value & 0xff), n);
    return;
  }
  // A local copy: stores through `out` (a uint8_t*, which may alias anything)
  // would otherwise make the compiler reload the seed for every word.
  const uint64_t seed = value;
  size_t i = 0;
  // Leading bytes up to a word boundary, then whole words, then the tail.
  while (i < n && (offset + i) % 8 != 0) {
    out[i] = ByteAt(offset + i);
    ++i;
  }
  // Byte b of a word is bits 8b..8b+7 (as ByteAt): the word's little-endian
  // representation, stored with one 8-byte copy instead of eight byte stores
  // (the lockstep checker spends much of its time here).
  for (uint64_t index = (offset + i) / 8; n - i >= 8; i += 8, ++index) {
    uint64_t w = word(seed, index);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    std::memcpy(out + i, &w, sizeof w);
  }
  while (i < n) {
    out[i] = ByteAt(offset + i);
    ++i;
  }
}

}  // namespace zonesim
