// ZoneBitmap: a set of zone indices as one bit per zone. The zone table keeps
// one per condition it must find without scanning records (not EMPTY, FULL,
// READ ONLY, OFFLINE): inserting and removing never allocate (a linux-profile
// Select All moves every zone), and the members come out in zone order at
// 64 zones per step.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace zonesim {

class ZoneBitmap {
 public:
  // Room for zones [0, n), none a member.
  void Resize(uint32_t n) {
    n_ = n;
    count_ = 0;
    words_.assign((uint64_t{n} + 63) / 64, 0);
  }
  bool contains(uint32_t z) const { return z < n_ && ((words_[z / 64] >> (z % 64)) & 1) != 0; }
  uint32_t size() const { return count_; }
  void insert(uint32_t z) {
    if (contains(z)) return;
    words_[z / 64] |= uint64_t{1} << (z % 64);
    ++count_;
  }
  void erase(uint32_t z) {
    if (!contains(z)) return;
    words_[z / 64] &= ~(uint64_t{1} << (z % 64));
    --count_;
  }
  // The lowest member >= z, or n when there is none (a scan of the words).
  uint32_t next(uint32_t z) const {
    if (z >= n_ || count_ == 0) return n_;
    std::size_t w = z / 64;
    uint64_t bits = words_[w] & (~uint64_t{0} << (z % 64));
    while (bits == 0) {
      if (++w == words_.size()) return n_;
      bits = words_[w];
    }
    return static_cast<uint32_t>(w * 64 + std::countr_zero(bits));
  }
  // The lowest zone >= z that is not a member, or n when there is none.
  uint32_t next_absent(uint32_t z) const {
    if (z >= n_) return n_;
    std::size_t w = z / 64;
    uint64_t bits = ~words_[w] & (~uint64_t{0} << (z % 64));
    while (bits == 0) {
      if (++w == words_.size()) return n_;
      bits = ~words_[w];
    }
    const uint64_t found = w * 64 + std::countr_zero(bits);
    return found < n_ ? static_cast<uint32_t>(found) : n_;
  }
  // Every member, ascending.
  std::vector<uint32_t> members() const {
    std::vector<uint32_t> out;
    out.reserve(count_);
    for (std::size_t w = 0; w < words_.size() && out.size() < count_; ++w)
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1)
        out.push_back(static_cast<uint32_t>(w * 64 + std::countr_zero(bits)));
    return out;
  }

 private:
  uint32_t n_ = 0;
  uint32_t count_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace zonesim
