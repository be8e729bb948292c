//===- Jit.h - Run a lowered pipeline through Halide's JIT ------*- C++ -*-===//
//
// Part of bnc. What bn-run's Halide back end and the end-to-end tests use.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_JIT_H
#define BNC_COMPILER_CODEGEN_HALIDE_JIT_H

#include "compiler/Codegen/Halide/Lowering.h"
#include "compiler/Codegen/Halide/Schedule.h"
#include "compiler/Support/Npy.h"

#include <string>
#include <vector>

namespace bnc::halide {

/// A compiled pipeline, ready to run many times.
class JitPipeline {
public:
  /// Schedules `lowered` for the host CPU and compiles it. On failure,
  /// `error` says why and `valid()` is false. `autoscheduler` names the
  /// Halide autoscheduler plugin used for Scheduler::Auto or for kernels
  /// scheduled #bn.schedule<auto>: Mullapudi2016, Adams2019 or Li2018.
  JitPipeline(LoweredPipeline lowered, std::string &error,
              Scheduler scheduler = Scheduler::Hand,
              const std::string &autoscheduler = "Mullapudi2016");

  bool valid() const { return compiled; }

  /// Runs on `inputs` (in argument order, shapes as declared) and fills
  /// `outputs`. Returns false with `error` set on wrong inputs or a Halide
  /// run-time error.
  bool run(const std::vector<HostTensor> &inputs,
           std::vector<HostTensor> &outputs, std::string &error);

  /// Runs on caller-owned buffers, one per input and output in order, each of
  /// the declared shape: no copies, what benchmarks time. Returns false with
  /// `error` set on a Halide run-time error.
  bool run(const std::vector<Halide::Buffer<float>> &inputs,
           const std::vector<Halide::Buffer<float>> &outputs,
           std::string &error);

private:
  LoweredPipeline lowered;
  Halide::Pipeline pipeline;
  Halide::Target target;
  bool compiled = false;
};

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_JIT_H
