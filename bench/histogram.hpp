#pragma once
// A fixed-bucket latency histogram in the manner of HdrHistogram: exact below
// 128 ns, then 64 linear sub-buckets per power of two (relative error under
// 1.6%). record() is a couple of shifts and an increment: no allocation,
// 30 KiB of counters allocated once.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bench {

class histogram {
public:
  histogram();
  void record(uint64_t value_ns);
  void merge(const histogram& other);
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  /// The highest value equivalent to the q-quantile (0 <= q <= 1), in ns.
  uint64_t quantile(double q) const;

private:
  static constexpr int sub_bits = 6;
  static constexpr uint64_t sub_count = uint64_t{1} << sub_bits;
  static size_t index_of(uint64_t v);
  static uint64_t upper_of(size_t index);
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

} // namespace bench
