#include "bench/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace bench {

namespace {

constexpr size_t bucket_count = 64 * 60; // covers every uint64_t value

} // namespace

histogram::histogram() : counts_(bucket_count, 0) {
}

// Values below 2*sub_count map to themselves; above, a value with its top
// bit at position e lands in sub-bucket (v >> s) of shift s = e - sub_bits.
size_t histogram::index_of(uint64_t v) {
  if (v < 2 * sub_count)
    return size_t(v);
  int e = 63 - __builtin_clzll(v);
  int s = e - sub_bits;
  return size_t(s) * sub_count + size_t(v >> s);
}

uint64_t histogram::upper_of(size_t index) {
  if (index < 2 * sub_count)
    return index;
  uint64_t s = index / sub_count - 1;
  uint64_t m = index - s * sub_count;
  return ((m + 1) << s) - 1;
}

void histogram::record(uint64_t value_ns) {
  ++counts_[index_of(value_ns)];
  ++count_;
  max_ = std::max(max_, value_ns);
  min_ = std::min(min_, value_ns);
}

void histogram::merge(const histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

uint64_t histogram::quantile(double q) const {
  if (count_ == 0)
    return 0;
  auto target = uint64_t(std::ceil(q * double(count_)));
  target = std::clamp<uint64_t>(target, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= target)
      return std::min(upper_of(i), max_);
  }
  return max_;
}

} // namespace bench
