#include "sim/replay/timestamp_span.h"

#include <algorithm>
#include <bit>
#include <cstdio>

namespace zonesim {

void TimestampSpan::Add(uint64_t ns) {
  if (records_ > 0 && ns < previous_) ++backward_;
  previous_ = ns;
  ++records_;
  // Everything below ~1 s shares one bin: a trace starting at 0.000000 is
  // not an outlier of its own first second.
  Bin& b = bins_[static_cast<size_t>(std::max<int>(static_cast<int>(std::bit_width(ns)), kFirstBin))];
  if (b.count == 0 || ns < b.min) b.min = ns;
  if (b.count == 0 || ns > b.max) b.max = ns;
  ++b.count;
}

void TimestampSpan::MainCluster(int* first, int* last) const {
  *first = *last = -1;
  uint64_t best = 0;
  const int n = static_cast<int>(bins_.size());
  for (int i = 0; i < n;) {
    if (bins_[i].count == 0) {
      ++i;
      continue;
    }
    // A cluster: non-empty bins with gaps shorter than kGapBins.
    int start = i, end = i, gap = 0;
    uint64_t count = 0;
    for (int j = i; j < n && gap < kGapBins; ++j) {
      if (bins_[j].count == 0) {
        ++gap;
        continue;
      }
      gap = 0;
      end = j;
      count += bins_[j].count;
    }
    if (count > best) best = count, *first = start, *last = end;
    i = end + 1;
  }
}

uint64_t TimestampSpan::duration_ns() const {
  int first, last;
  MainCluster(&first, &last);
  if (first < 0) return 0;
  return bins_[last].max - bins_[first].min;
}

uint64_t TimestampSpan::outliers() const {
  int first, last;
  MainCluster(&first, &last);
  uint64_t inside = 0;
  for (int i = first; first >= 0 && i <= last; ++i) inside += bins_[i].count;
  return records_ - inside;
}

std::string TimestampSpan::Warning() const {
  std::string w;
  char buf[200];
  if (uint64_t o = outliers(); o > 0) {
    std::snprintf(buf, sizeof buf,
                  "%llu of %llu I/O events have timestamps far from the rest (a clock off by a factor of "
                  "1024 or more): the duration leaves them out",
                  static_cast<unsigned long long>(o), static_cast<unsigned long long>(records_));
    w = buf;
  }
  if (backward_ > 0) {
    std::snprintf(buf, sizeof buf, "%stimestamps go backwards %llu times (records are not in time order)",
                  w.empty() ? "" : "; ", static_cast<unsigned long long>(backward_));
    w += buf;
  }
  return w;
}

}  // namespace zonesim
