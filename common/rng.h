// Rng: the only source of randomness in zonesim. Seeded, portable and
// byte-for-byte reproducible (std:: distributions are not: their algorithms
// differ between standard libraries), so the same seed gives the same run.
#pragma once

#include <cstdint>

namespace zonesim {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    // Expand the seed into xoshiro256** state with splitmix64.
    uint64_t x = seed;
    for (uint64_t& s : s_) s = SplitMix(&x);
  }

  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0. Rejection sampling keeps it unbiased.
  uint64_t Below(uint64_t n) {
    uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % n);
    uint64_t v;
    do v = Next();
    while (v >= limit);
    return v % n;
  }
  // Uniform in [lo, hi], lo <= hi.
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  // True with probability p (0..1), resolved to 1/2^32 steps.
  bool Chance(double p) {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return static_cast<double>(Next() >> 32) < p * 4294967296.0;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t* x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace zonesim
