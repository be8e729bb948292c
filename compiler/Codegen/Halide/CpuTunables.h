//===- CpuTunables.h - The sizes bnc's CPU code is chosen by ----*- C++ -*-===//
//
// Part of bnc. The thresholds and sizes by which the CPU schedule
// (CpuSchedule.h) and the code generator (NativeCode.h) decide, named, with
// the defaults that bn-bench measured best (bench/RESULTS.md). Each one
// changes how a kernel runs, never what it computes: they exist so that a
// machine other than the one they were measured on can be measured again,
// a choice at a time (bn-bench --variant), and so that the tools can try
// them (--cpu-tunables), in the manner of Halide's autoscheduler
// parameters.
//
// This header names no LLVM or Halide type.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_CPUTUNABLES_H
#define BNC_COMPILER_CODEGEN_HALIDE_CPUTUNABLES_H

#include <cstdint>
#include <optional>
#include <string>

namespace bnc::halide {

struct CpuTunables {
  /// NCHW goes channel by channel (x read from memory once) where a
  /// channel's rows are at least this many bytes, and in groups of
  /// channels whose rows in an image make this many where they are
  /// shorter: below it the prefetchers start over at every row
  /// (CpuSchedule.cpp: scheduleChannelByChannel has the measurements).
  int64_t channelRunBytes = 8 << 10;
  /// Activations of at most this many bytes count as cache-resident:
  /// channel by channel whatever their rows.
  int64_t cacheResidentBytes = 1 << 20;
  /// About this many parallel tasks per streaming loop nest (each of 64
  /// KiB to 4 MiB of f32): few long runs, which the prefetchers follow
  /// best, yet enough to share among threads.
  int64_t streamingTasks = 8;
  /// Vectors of partial sums a channel's run is summed into (f32): four
  /// independent chains of adds, where one waits on its own latency at
  /// every vector (measured, NCHW, AVX2, four vectors against one, in one
  /// process, two runs: training forward 0.82-0.94x on 32x64x56x56 from
  /// DRAM, 0.88-0.96x on 64x128x56x56, 0.85-0.86x on 8x32x112x112,
  /// 0.71-0.78x on 4x64x28x28, 1.01-1.10x on 32x256x14x14; with a residual
  /// add 0.71-1.01x; backward 0.87-1.03x; Zen 5, one vector against four,
  /// three seeds, beside a control of 0.95-1.05x: forward 1.16-1.35x). Sums
  /// in double keep one vector: wider ones measured slower, split into more
  /// registers than there are. Runs too short to give each vector four of
  /// theirs get fewer (CpuSchedule.cpp: partialSumLanes).
  int64_t partialSumVectors = 4;
  /// Runs of fewer vectors than this (of partial sums where the sums read
  /// one activation) are summed with channels in the vector lanes: adding
  /// up a vector's lanes costs about as much as a few vectors of the run,
  /// a strided load as a few dense ones (measured with one vector of
  /// partial sums, AVX-512: 1x512x7x7, runs of 49, forward 8.2-11 us across
  /// channels against 17.5-20 us in lanes of the run, backward 13-16 us
  /// against 13-14 us; 32x256x14x14, runs of 196, forward 0.55-0.61 ms
  /// across channels against 0.50 ms, backward 1.6-1.9 ms against 1.0-1.2
  /// ms; Zen 5, everything in lanes against four, beside a control of
  /// 0.98-1.01x: 2x256x7x7 forward 1.81-1.94x, 1x512x7x7 backward
  /// 1.38-1.42x). It also bars channel by channel for rows of fewer
  /// vectors. Two since session 13, whose runs find their threads busy
  /// (bench/RESULTS.md): NCHW 7 x 7 then goes channel by channel, its runs
  /// in lanes where they are long enough (Zen 5, two against four, in one
  /// process, seeds 1-7, beside a control of 0.75-1.08x: backward
  /// 2x256x7x7 0.49-0.58x, 4x512x7x7 0.44-0.50x, 8x256x7x7 0.58-0.71x,
  /// 1x512x7x7 0.81-1.04x, 32x512x7x7 the same; training forward
  /// 8x256x7x7 0.66-0.76x, 32x512x7x7 0.73-0.90x, 4x512x7x7 0.86-1.07x;
  /// NHWC and NCHW 14 x 14, 28 x 28 within the control). Since session 16 a
  /// forward's runs this short in a tensor in cache go in groups of
  /// channels instead, where the channels allow (CpuSchedule.cpp:
  /// scheduleChannelByChannel).
  int64_t minVectorsPerRun = 2;
  /// Vectors of a row of contiguous channels (NHWC) unrolled at most in
  /// their sums: constant offsets, which LLVM keeps in registers (16
  /// vectors of two sums fill AVX-512's 32 and spill some; chunks of 8 or
  /// 4 measured no faster, bench/RESULTS.md).
  int64_t unrolledVectors = 16;
  /// Whether channel by channel prefetches the next channel while it
  /// writes the last one's outputs (Zen 5, without against with, three
  /// seeds: forward 1.02-1.37x beside a control of 0.81-1.19x, backward
  /// the same either way; CpuSchedule.cpp has the AVX2 figures).
  bool prefetchNextChannel = true;
  /// Outputs of at least this many bytes, stored in rows of whole cache
  /// lines, are written with non-temporal stores; unset: a quarter of the
  /// host's last-level cache.
  std::optional<int64_t> nonTemporalBytes;

  bool operator==(const CpuTunables &other) const;
};

/// Sets the tunables that `text` names, "name=value,name=value" (names as
/// in cpuTunablesHelp; sizes may end in K, M or G, powers of 1024), in
/// `tunables`, leaving the others as they are. Fails with `error` set on
/// an unknown name or a value out of range.
bool parseCpuTunables(const std::string &text, CpuTunables &tunables,
                      std::string &error);

/// `tunables` as parseCpuTunables reads them: the ones that differ from the
/// defaults, or "defaults".
std::string formatCpuTunables(const CpuTunables &tunables);

/// One line per tunable: its name, its default and what it decides.
std::string cpuTunablesHelp();

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_CPUTUNABLES_H
