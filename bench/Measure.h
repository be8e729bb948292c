//===- Measure.h - Interleaved timing of bn-bench's contenders ---*- C++ -*-===//
//
// Part of bnc. Contenders run in turn, each round in a new order (A B C,
// C A B, B C A, ...: a seeded shuffle), so that the machine's slow and fast
// phases (frequency, other load) hit all of them alike, and so that no
// contender always follows the same one (whose waking threads it would pay
// for); each contender's time is the median of its runs. Every run starts
// from the same state, not from what the contender before it left: its own
// untimed run just before (its code and page-table entries warm), then the
// caches' data as CacheState says and its threads as ThreadState says. With
// the leftovers, two identical kernels timed up to 1.9x apart, the same way
// in every run of one seed, and a 100 KB kernel after a convolution (a
// megabyte of weights through L2) 1.5-2x slower than after another small
// one (bench/RESULTS.md).
//
//===----------------------------------------------------------------------===//

#ifndef BNC_BENCH_MEASURE_H
#define BNC_BENCH_MEASURE_H

#include "BncKernels.h"

#include <memory>
#include <string>
#include <vector>

namespace bnc::bench {

/// One implementation of one kernel in one layout.
struct Contender {
  Kernel kernel;
  Layout layout;
  std::string impl; // bnc, bnc_auto, onednn, roofline
  std::unique_ptr<CompiledKernel> compiled;
  std::vector<double> seconds; // one per timed run
  /// Its output after the check run: contenders share output memory.
  Floats checked;
  /// What reads its output after each run, timed with it (--then-read);
  /// owned by the caller.
  CompiledKernel *consumer = nullptr;
};

/// What the caches hold when a timed run starts: the same for every
/// contender, not whatever the one before it left (the shared output,
/// dirty in cache or streamed to memory; the other layout's tensors).
enum class CacheState {
  /// Nothing: the last-level cache is evicted, the inputs come from memory.
  Cold,
  /// As a layer finds them between two buffers that take turns (the one it
  /// writes was the previous layer's input, the one it reads that layer's
  /// output): the contender's outputs flushed from every cache level (no
  /// dirty lines left by another) and read back, then its inputs read; all
  /// in cache as far as they fit, the inputs the last. Its code and page
  /// tables are as its own run before left them: evicting everything made
  /// kernels of 100 KB 3-13x slower (page walks, code, waking threads),
  /// which a layer run in a loop does not pay.
  Warm,
};

/// What the threads of the thread pools (bnrt's, OpenMP's) do when a
/// timed run starts. Either way every pool has first been left idle long
/// enough to go to sleep (bnrt's threads sleep after BNRT_SPIN_US without
/// work, OpenMP's after GOMP_SPINCOUNT spins), so that no thread
/// woken by another contender's runs spins on the cores this one needs.
enum class ThreadState {
  /// Busy: the caches are prepared (CacheState) by the contender's own
  /// pool, each thread its share, and the run starts as they finish, as a
  /// layer runs right after the one before it on the same threads.
  Awake,
  /// Asleep, as a kernel called on its own finds them: the caches are
  /// prepared by the calling thread alone, then every pool is left to
  /// sleep, and the run pays for waking its threads (tens of microseconds
  /// on this VM, bench/RESULTS.md).
  Asleep,
};

/// How every timed run starts, and with how many threads.
struct RunState {
  CacheState caches = CacheState::Warm;
  ThreadState threads = ThreadState::Awake;
  int threadCount = 1;
};

/// Runs `rounds` timed rounds of one run of every contender (followed by its
/// consumer's, where it has one), each round in a new order drawn from
/// `seed`, each timed run after an untimed one of the same contender and
/// then the caches and threads prepared as `state` says. False with `error`
/// set if a run fails.
bool measureInterleaved(std::vector<Contender> &contenders, int rounds,
                        const RunState &state, unsigned seed,
                        std::string &error);

double median(std::vector<double> values);

} // namespace bnc::bench

#endif // BNC_BENCH_MEASURE_H
