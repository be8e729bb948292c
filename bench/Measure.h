//===- Measure.h - Interleaved timing of bn-bench's contenders ---*- C++ -*-===//
//
// Part of bnc. Contenders run in turn, each round in a new order (A B C,
// C A B, B C A, ...: a seeded shuffle), so that the machine's slow and fast
// phases (frequency, other load) hit all of them alike, and so that no
// contender always follows the same one (whose dirty cache lines or waking
// threads it would pay for); each contender's time is the median of its
// runs. The same seed draws the same orders in every run, and with them
// the same leftovers for each contender: a difference that holds across
// seeds is the kernels', not the order's.
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

/// Runs every contender twice untimed, then `rounds` timed rounds of one run
/// each (followed by its consumer's, where it has one), each round in a new
/// order drawn from `seed`. With `flushCache`, the last-level cache is
/// evicted before every timed run. False with `error` set if a run fails.
bool measureInterleaved(std::vector<Contender> &contenders, int rounds,
                        bool flushCache, unsigned seed, std::string &error);

double median(std::vector<double> values);

} // namespace bnc::bench

#endif // BNC_BENCH_MEASURE_H
