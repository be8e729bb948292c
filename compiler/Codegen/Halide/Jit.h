//===- Jit.h - Run a lowered pipeline in this process -----------*- C++ -*-===//
//
// Part of bnc. What bn-run's Halide back end, bn-bench and the end-to-end
// tests use. Halide lowers the pipeline; bnc's LLVM generates its machine
// code (NativeCode.h) into one JIT per process, beside one copy of Halide's
// runtime: the same code the ahead-of-time libraries get.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_JIT_H
#define BNC_COMPILER_CODEGEN_HALIDE_JIT_H

#include "compiler/Codegen/Halide/Lowering.h"
#include "compiler/Codegen/Halide/Schedule.h"
#include "compiler/Support/Npy.h"

#include <functional>
#include <string>
#include <vector>

namespace bnc::halide {

/// A Halide pipeline compiled into this process by bnc's LLVM.
class JitKernel {
public:
  /// The target kernels are compiled for: the host (or HL_JIT_TARGET),
  /// Halide's runtime linked separately.
  static const Halide::Target &target();

  JitKernel() = default;
  /// Compiles `pipeline`, already scheduled for target(), with `arguments`
  /// (its inputs, in order); its outputs named in `nonTemporalOutputs` are
  /// written with non-temporal stores. On failure, `error` says why and
  /// `valid()` is false.
  JitKernel(Halide::Pipeline pipeline,
            const std::vector<Halide::Argument> &arguments,
            const std::string &name,
            const std::vector<std::string> &nonTemporalOutputs,
            std::string &error);

  bool valid() const { return entry != nullptr; }

  /// Runs `work(0)` .. `work(threads - 1)` at once on the threads the
  /// kernels' parallel loops run on (bnrt's pool, the caller's among them),
  /// one each, thread i the one that takes the first tasks of a loop's i-th
  /// block: every call starts once all have started (or after 10 ms), so
  /// that each thread does its share, and the workers are awake for the
  /// next kernel (bench/RESULTS.md: waking one costs tens of microseconds).
  static void runOnEveryThread(int threads,
                               const std::function<void(int)> &work);

  /// Runs on caller-owned buffers, one per argument and one per output, in
  /// order. Returns false with `error` set on a Halide run-time error.
  bool run(const std::vector<Halide::Buffer<float>> &inputs,
           const std::vector<Halide::Buffer<float>> &outputs,
           std::string &error);
  /// The same, on Halide's argv: the inputs' buffers, then the outputs'.
  bool run(std::vector<void *> &arguments, std::string &error);

private:
  std::string name;
  int (*entry)(void **) = nullptr; // Halide's argv-style entry point
};

/// A lowered pipeline, scheduled and compiled, ready to run many times.
class JitPipeline {
public:
  /// Schedules `lowered` for the host CPU (or HL_JIT_TARGET) as `config`
  /// says and compiles it. On failure, `error` says why and `valid()` is
  /// false.
  JitPipeline(LoweredPipeline lowered, std::string &error,
              const ScheduleConfig &config = {});

  bool valid() const { return kernel.valid(); }

  /// Runs on `inputs` (in argument order, shapes as declared) and fills
  /// `outputs`. Returns false with `error` set on wrong inputs or a Halide
  /// run-time error.
  bool run(const std::vector<HostTensor> &inputs,
           std::vector<HostTensor> &outputs, std::string &error);

  /// Runs on caller-owned buffers, one per input and output in order, each
  /// dense with its tensor's shape (the kernel sees them through its views,
  /// Lowering.h): no copies, what benchmarks time. Returns false with
  /// `error` set on a buffer of another shape or a Halide run-time error.
  bool run(const std::vector<Halide::Buffer<float>> &inputs,
           const std::vector<Halide::Buffer<float>> &outputs,
           std::string &error);

private:
  LoweredPipeline lowered;
  JitKernel kernel;
  /// Per input and output, where the kernel's buffer views its tensor, the
  /// dimensions of both (none elsewhere: the caller's buffer is passed as
  /// it is).
  std::vector<std::vector<halide_dimension_t>> tensorDims, bufferDims;
};

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_JIT_H
