//===- ThreadPool.h - Threads for the kernels' parallel loops ---*- C++ -*-===//
//
// Part of bnrt, the bnc runtime. bnc's kernels run their parallel loops on
// this pool rather than on Halide's own: the generated wrappers install it
// (halide_set_custom_do_par_for) when a model is made, and bnc's JIT in
// its runtime. Two things differ from Halide's pool, both measured in
// bench/RESULTS.md:
//
// - Each thread starts on its own contiguous block of a loop's tasks (the
//   first thread the first block) and steals single tasks from the far end
//   of the others' blocks when its own is done. A kernel's passes over the
//   same tensor (the statistics, then the normalisation) split it alike,
//   so each thread finds the part it summed in its own core's cache.
// - An idle worker spins for a while before it sleeps, as OpenMP's do:
//   waking a sleeping thread costs tens of microseconds on a VM, more than
//   a small kernel takes.
//
// Environment, read once when the pool starts (at its first use):
// HL_NUM_THREADS (threads, the caller's among them; default: the
// hardware's), BNRT_SPIN_US (how long an idle worker spins before it
// sleeps; default 200). setThreadCount changes the number of threads
// later, and so does Halide's halide_set_num_threads in an app that links
// bnrt: bnrt defines it in place of the kernel libraries' Halide runtime,
// whose definition is weak. An app that wants Halide's pool back calls
// halide_set_custom_do_par_for(halide_default_do_par_for) after making its
// model; halide_set_num_threads still sets this pool's threads then.
//
//===----------------------------------------------------------------------===//

#ifndef BNRT_THREADPOOL_H
#define BNRT_THREADPOOL_H

#include <HalideRuntime.h>

#include <cstdint>

namespace bnrt {

/// A halide_do_par_for_t: runs `task(userContext, i, closure)` for i in
/// [min, min + size) on the pool and the calling thread, and returns the
/// first non-zero result (the tasks after a failure are skipped), or 0.
/// A loop inside a task, or one called while another thread's loop holds
/// the pool, runs on the calling thread alone.
int parallelFor(void *userContext, halide_task_t task, int min, int size,
                uint8_t *closure);

/// The number of threads parallelFor runs on, the caller's among them.
int threadCount();

/// Runs the loops that start from now on on `count` threads (at least 1, at
/// most 256; the caller's among them; 0 for the default, HL_NUM_THREADS
/// else the hardware's), and returns the number it will use:
/// fewer where no more threads could be started. Waits for a loop that is
/// running; called from inside a task, it changes nothing. Threads beyond
/// the count sleep until a later call counts them in again.
int setThreadCount(int count);

} // namespace bnrt

#endif // BNRT_THREADPOOL_H
