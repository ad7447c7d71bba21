// Payload: the data of a write or append, described compactly so the model can
// remember what every block holds without storing the bytes. A byte's value is
// a pure function of the payload and its position inside the request, so the
// model regenerates expected read data and an image adapter materialises real
// bytes from the same description.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zonesim {

struct Payload {
  enum class Kind : uint8_t {
    kFill,    // every byte = value & 0xff (qemu-io -P PATTERN; 0xcd by default)
    kSeeded,  // pseudo-random bytes from a 64-bit seed (splitmix64 per 8-byte word)
  };
  Kind kind = Kind::kFill;
  uint64_t value = 0xcd;

  static Payload Fill(uint8_t byte) { return {Kind::kFill, byte}; }
  static Payload Seeded(uint64_t seed) { return {Kind::kSeeded, seed}; }

  // Writes bytes [offset, offset + n) of the request's data into out.
  void Generate(uint64_t offset, size_t n, uint8_t* out) const;
  uint8_t ByteAt(uint64_t offset) const;

  bool operator==(const Payload&) const = default;
};

// The qemu-io default write pattern.
inline constexpr uint8_t kDefaultPattern = 0xcd;

}  // namespace zonesim
