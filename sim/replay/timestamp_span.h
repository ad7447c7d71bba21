// The duration of a trace, robust to a few records whose clock is far off
// (one real blkparse capture has CPU 13 at ~1.27e9 s and the rest at 0-30 s:
// first-to-last would be 40 years). Timestamps are binned by their power of
// two (all below about a second in one); the duration is taken over the cluster of bins holding most records,
// clusters being separated by a gap of at least kGapBins empty bins (a factor
// of 1024). Memory is fixed: 65 bins.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace zonesim {

class TimestampSpan {
 public:
  void Add(uint64_t ns);
  bool empty() const { return records_ == 0; }
  // Last minus first timestamp of the main cluster.
  uint64_t duration_ns() const;
  uint64_t outliers() const;          // records outside the main cluster
  uint64_t backward_steps() const { return backward_; }  // a record older than the one before it
  // "" or one warning naming what was seen.
  std::string Warning() const;

  static constexpr int kGapBins = 10;
  static constexpr int kFirstBin = 30;  // 2^30 ns, about a second

 private:
  struct Bin {
    uint64_t count = 0, min = 0, max = 0;
  };
  // [first, last] bins of the main cluster.
  void MainCluster(int* first, int* last) const;

  std::array<Bin, 65> bins_{};
  uint64_t records_ = 0;
  uint64_t previous_ = 0;
  uint64_t backward_ = 0;
};

}  // namespace zonesim
