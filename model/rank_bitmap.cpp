#include "model/rank_bitmap.h"

#include <bit>
#include <cstddef>

namespace zonesim {

void RankBitmap::Init(uint32_t n) {
  n_ = n;
  size_ = 0;
  const std::size_t words = (uint64_t{n} + 63) / 64;
  words_.assign(words, 0);
  tree_.assign(words + 1, 0);
  top_ = words == 0 ? 0 : std::bit_floor(static_cast<uint32_t>(words));
}

void RankBitmap::add(uint32_t word, int delta) {
  for (std::size_t i = std::size_t{word} + 1; i < tree_.size(); i += i & (~i + 1))
    tree_[i] = static_cast<uint32_t>(static_cast<int64_t>(tree_[i]) + delta);
}

void RankBitmap::insert(uint32_t i) {
  if (contains(i)) return;
  words_[i >> 6] |= uint64_t{1} << (i & 63);
  ++size_;
  add(i >> 6, +1);
}

void RankBitmap::erase(uint32_t i) {
  if (!contains(i)) return;
  words_[i >> 6] &= ~(uint64_t{1} << (i & 63));
  --size_;
  add(i >> 6, -1);
}

uint32_t RankBitmap::rank(uint32_t i) const {
  if (i >= n_) return size_;
  uint32_t r = 0;
  for (std::size_t w = i >> 6; w > 0; w &= w - 1) r += tree_[w];  // the words before i's
  const uint64_t below = (uint64_t{1} << (i & 63)) - 1;
  return r + static_cast<uint32_t>(std::popcount(words_[i >> 6] & below));
}

uint32_t RankBitmap::select(uint32_t k) const {
  // Descend the Fenwick tree to the word holding the k-th member...
  std::size_t pos = 0;
  for (std::size_t step = top_; step != 0; step >>= 1) {
    if (pos + step < tree_.size() && tree_[pos + step] <= k) {
      pos += step;
      k -= tree_[pos];
    }
  }
  // ...then drop its k lower members.
  uint64_t w = words_[pos];
  for (; k > 0; --k) w &= w - 1;
  return static_cast<uint32_t>(pos * 64 + std::countr_zero(w));
}

uint32_t RankBitmap::next(uint32_t i) const {
  if (i >= n_) return kNone;
  // The common cases first: a member in i's own word or the next one.
  const std::size_t w = i >> 6;
  const uint64_t here = words_[w] & (~uint64_t{0} << (i & 63));
  if (here != 0) return static_cast<uint32_t>(w * 64 + std::countr_zero(here));
  if (w + 1 < words_.size() && words_[w + 1] != 0)
    return static_cast<uint32_t>((w + 1) * 64 + std::countr_zero(words_[w + 1]));
  const uint32_t r = rank(i);
  return r < size_ ? select(r) : kNone;
}

std::vector<uint32_t> RankBitmap::members() const {
  std::vector<uint32_t> out;
  out.reserve(size_);
  if (uint64_t{size_} * 16 < words_.size()) {  // few members: find each, O(log n)
    for (uint32_t k = 0; k < size_; ++k) out.push_back(select(k));
    return out;
  }
  for (std::size_t w = 0; w < words_.size() && out.size() < size_; ++w)
    for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1)
      out.push_back(static_cast<uint32_t>(w * 64 + std::countr_zero(bits)));
  return out;
}

}  // namespace zonesim
