//===- Measure.cpp - Interleaved timing of bn-bench's contenders ----------===//
//
// Part of bnc. See Measure.h.
//
//===----------------------------------------------------------------------===//

#include "Measure.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <random>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

using namespace bnc::bench;

namespace {

/// Reads twice the last-level cache (32 MiB on the machine bn-bench was
/// written for), so whatever a kernel reads next comes from DRAM. Reads,
/// not writes: lines written here would be written back to memory during
/// the kernel that evicts them.
void evictCaches() {
  static const std::vector<int64_t> buffer((64 << 20) / sizeof(int64_t), 1);
  int64_t sum = 0;
  for (int64_t value : buffer)
    sum += value;
  volatile int64_t sink = sum;
  (void)sink;
}

constexpr size_t kCacheLine = 64;

/// Reads a byte of every cache line of `spans`.
void readSpans(const std::vector<Span> &spans) {
  unsigned sum = 0;
  for (const Span &span : spans) {
    const auto *bytes = static_cast<const volatile unsigned char *>(span.data);
    for (size_t offset = 0; offset < span.bytes; offset += kCacheLine)
      sum += bytes[offset];
  }
  volatile unsigned sink = sum;
  (void)sink;
}

/// Writes back and drops every cache line of `spans` from every cache
/// level (about 1 ms per 100 MB not in cache); elsewhere than on x86, the
/// whole cache is evicted instead.
void flushSpans(const std::vector<Span> &spans) {
#if defined(__x86_64__) || defined(__i386__)
  for (const Span &span : spans) {
    const char *bytes = static_cast<const char *>(span.data);
    for (size_t offset = 0; offset < span.bytes; offset += kCacheLine)
      _mm_clflush(bytes + offset);
  }
  _mm_mfence();
#else
  (void)spans;
  evictCaches();
#endif
}

/// One run of `contender`, followed by its consumer's where it has one.
bool runOnce(Contender &contender, std::string &error) {
  return contender.compiled->run(error) &&
         (!contender.consumer || contender.consumer->run(error));
}

} // namespace

bool bnc::bench::measureInterleaved(std::vector<Contender> &contenders,
                                    int rounds, CacheState state, unsigned seed,
                                    std::string &error) {
  std::vector<size_t> order(contenders.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 shuffler(seed);
  for (int round = 0; round < rounds; ++round) {
    std::shuffle(order.begin(), order.end(), shuffler);
    for (size_t index : order) {
      Contender &contender = contenders[index];
      // Its code, page-table entries and threads as its own run leaves
      // them, then the caches' data as `state` says.
      if (!runOnce(contender, error))
        return false;
      if (state == CacheState::Cold) {
        evictCaches();
      } else {
        std::vector<Span> outputs = contender.compiled->outputSpans();
        flushSpans(outputs);
        readSpans(outputs);
        readSpans(contender.compiled->inputSpans());
      }
      auto start = std::chrono::steady_clock::now();
      bool ok = runOnce(contender, error);
      auto stop = std::chrono::steady_clock::now();
      if (!ok)
        return false;
      contender.seconds.push_back(
          std::chrono::duration<double>(stop - start).count());
    }
  }
  return true;
}

double bnc::bench::median(std::vector<double> values) {
  if (values.empty())
    return 0.0;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}
