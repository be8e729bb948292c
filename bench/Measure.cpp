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

constexpr size_t kCacheLine = 64;

/// Share `share` of `shares` of `spans`: the share-th of as many
/// consecutive parts of each span (whole cache lines), as a layer whose
/// threads split its output so leaves it in their caches.
std::vector<Span> shareOf(const std::vector<Span> &spans, int share,
                          int shares) {
  std::vector<Span> parts;
  for (const Span &span : spans) {
    size_t lines = (span.bytes + kCacheLine - 1) / kCacheLine;
    size_t begin = std::min(span.bytes, lines * share / shares * kCacheLine),
           end = std::min(span.bytes,
                          lines * (share + 1) / shares * kCacheLine);
    parts.push_back(
        {static_cast<const char *>(span.data) + begin, end - begin});
  }
  return parts;
}

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

/// Share `share` of `shares` of reading twice the last-level cache (32 MiB
/// on the machine bn-bench was written for), so that whatever a kernel
/// reads next comes from DRAM. Reads, not writes: lines written here would
/// be written back to memory during the kernel that evicts them.
void evictCaches(int share, int shares) {
  static const std::vector<char> buffer(64 << 20, 1);
  readSpans(shareOf({Span{buffer.data(), buffer.size()}}, share, shares));
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
  evictCaches(0, 1);
#endif
}

/// Share `share` of `shares` of preparing the caches for a run of
/// `contender` as `state` says.
void prepareCaches(const Contender &contender, CacheState state, int share,
                   int shares) {
  if (state == CacheState::Cold) {
    evictCaches(share, shares);
    return;
  }
  std::vector<Span> outputs =
      shareOf(contender.compiled->outputSpans(), share, shares);
  flushSpans(outputs);
  readSpans(outputs);
  readSpans(shareOf(contender.compiled->inputSpans(), share, shares));
}

/// How long a thread pool left idle takes at most to go to sleep: bnrt's
/// threads spin for BNRT_SPIN_US (200 us by default), OpenMP's for the
/// GOMP_SPINCOUNT bn-bench sets (measured here: 200-500 us;
/// bench/RESULTS.md).
constexpr std::chrono::microseconds kPoolsFallAsleep{1000};

/// Waits, busy, until every thread pool has gone to sleep.
void waitForPoolsToSleep() {
  auto until = std::chrono::steady_clock::now() + kPoolsFallAsleep;
  while (std::chrono::steady_clock::now() < until) {
  }
}

/// One run of `contender`, followed by its consumer's where it has one.
bool runOnce(Contender &contender, std::string &error) {
  return contender.compiled->run(error) &&
         (!contender.consumer || contender.consumer->run(error));
}

} // namespace

bool bnc::bench::measureInterleaved(std::vector<Contender> &contenders,
                                    int rounds, const RunState &state,
                                    unsigned seed, std::string &error) {
  std::vector<size_t> order(contenders.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 shuffler(seed);
  for (int round = 0; round < rounds; ++round) {
    std::shuffle(order.begin(), order.end(), shuffler);
    for (size_t index : order) {
      Contender &contender = contenders[index];
      // No thread that other contenders' runs woke still spinning; its
      // code and page-table entries as its own run leaves them; then the
      // caches and threads as `state` says: prepared by its own threads
      // (Halide's, OpenMP's), which the run then finds busy, as it finds
      // them after the layer before it; or by this thread alone, then
      // every pool left to sleep.
      waitForPoolsToSleep();
      if (!runOnce(contender, error))
        return false;
      if (state.threads == ThreadState::Awake) {
        int shares = state.threadCount;
        if (!contender.compiled->runOnItsThreads(
                shares,
                [&](int share) {
                  prepareCaches(contender, state.caches, share, shares);
                },
                error))
          return false;
      } else {
        prepareCaches(contender, state.caches, 0, 1);
        waitForPoolsToSleep();
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
