// RankBitmap: a set of zone indices as one bit per zone, plus a Fenwick tree
// of the bits per 64-bit word, so membership, insertion and removal are
// O(1)/O(log n) without allocating, and "how many members are below x" (rank)
// and "the k-th member" (select) are O(log n). ZoneIndex keeps one per
// condition: at 1e7 zones that is about 1.1 bits per zone each, against
// 40-odd bytes per member for a node-based tree, and no pointer chasing when
// a Select All visits every member (issue 14).
#pragma once

#include <cstdint>
#include <vector>

namespace zonesim {

class RankBitmap {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Room for indices [0, n), all absent.
  void Init(uint32_t n);

  bool contains(uint32_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  uint32_t size() const { return size_; }
  void insert(uint32_t i);
  void erase(uint32_t i);

  // Members below i.
  uint32_t rank(uint32_t i) const;
  // The k-th smallest member (0-based), k < size().
  uint32_t select(uint32_t k) const;
  // The smallest member >= i, or kNone.
  uint32_t next(uint32_t i) const;
  // Every member, ascending: O(n / 64 + size()).
  std::vector<uint32_t> members() const;

 private:
  void add(uint32_t word, int delta);  // Fenwick point update

  uint32_t n_ = 0;
  uint32_t size_ = 0;
  std::vector<uint64_t> words_;
  std::vector<uint32_t> tree_;  // 1-based Fenwick tree over the words' popcounts
  uint32_t top_ = 0;            // the largest power of two <= words_.size()
};

}  // namespace zonesim
