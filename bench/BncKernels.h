//===- BncKernels.h - bnc's contenders in bn-bench ---------------*- C++ -*-===//
//
// Part of bnc. Each kernel of bn-bench as a user gets it: a bn/nn model,
// the same bn-opt pipelines as the tools, lowered to Halide with bnc's hand
// schedule or Halide's autoscheduler and JIT-compiled as bn-run does. Also
// the roofline: a copy and a scale-shift of the same bytes in plain Halide,
// compiled the same way.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_BENCH_BNCKERNELS_H
#define BNC_BENCH_BNCKERNELS_H

#include "Workload.h"

#include "compiler/Codegen/Halide/CpuTunables.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bnc::bench {

/// A range of memory a kernel reads or writes.
struct Span {
  const void *data;
  size_t bytes;
};

/// A compiled kernel bound to a workload's data, ready to run many times.
class CompiledKernel {
public:
  virtual ~CompiledKernel() = default;
  /// Runs once; false with `error` set if Halide reports an error.
  virtual bool run(std::string &error) = 0;
  /// The activation it writes (y, or dx for bwd), in the workload's layout.
  virtual const Floats &output() const = 0;
  /// The memory it reads: its activations and per-channel inputs.
  virtual std::vector<Span> inputSpans() const = 0;
  /// The memory it writes.
  virtual std::vector<Span> outputSpans() const = 0;
  /// Runs `work(0)` .. `work(threads - 1)` at once on `threads` threads of
  /// the pool it runs on (bnrt's, or OpenMP's for oneDNN), the caller's
  /// among them, one each; they stay awake for a run right after. False
  /// with `error` set if it cannot.
  virtual bool runOnItsThreads(int threads,
                               const std::function<void(int)> &work,
                               std::string &error) = 0;
};

/// Compiles bnc's kernels. Owns the MLIR context they are parsed in.
class BncCompiler {
public:
  BncCompiler();
  ~BncCompiler();

  /// `kernel` (not Copy or ScaleShift) for `workload`, scheduled by bnc's
  /// hand schedule with `tunables` or, if `autoSchedule`, Halide's
  /// Mullapudi2016 autoscheduler. Null with `error` set if it cannot.
  std::unique_ptr<CompiledKernel> compile(Kernel kernel, Workload &workload,
                                          bool autoSchedule,
                                          const halide::CpuTunables &tunables,
                                          std::string &error);

  /// The bn-opt pipeline `kernel` goes through.
  static const char *passPipeline(Kernel kernel);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// The roofline of `workload`: Kernel::Copy or Kernel::ScaleShift, written
/// directly in Halide, parallel and vectorised.
std::unique_ptr<CompiledKernel> compileRoofline(Kernel kernel,
                                                Workload &workload,
                                                std::string &error);

/// The consumer of `workload`'s activation output (its `y`): a kernel that
/// reads every value once, in parallel, as the layer after a BN would.
std::unique_ptr<CompiledKernel> compileReader(Workload &workload,
                                              std::string &error);

} // namespace bnc::bench

#endif // BNC_BENCH_BNCKERNELS_H
