//===- CpuSchedule.cpp - Where and how a lowered pipeline runs on CPU -----===//
//
// Part of bnc. See CpuSchedule.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/CpuSchedule.h"

using namespace bnc::halide;
using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;

namespace {

/// Vectorises the innermost pure dimension (of `stage`, a Func or one of its
/// update stages) and runs the outermost one in parallel.
template <typename Stage>
void parallelizeAndVectorize(Stage stage, const std::vector<Var> &vars,
                             int vectorWidth) {
  if (vars.empty())
    return;
  if (vars.size() > 1)
    stage.parallel(vars.back());
  stage.vectorize(vars.front(), vectorWidth, TailStrategy::GuardWithIf);
}

} // namespace

void bnc::halide::scheduleForCpu(LoweredPipeline &pipeline,
                                 const Halide::Target &target) {
  int vectorWidth = target.natural_vector_size<float>();
  for (auto &[func, role] : pipeline.funcs) {
    std::vector<Var> vars = func.args();
    switch (role) {
    case FuncRole::Elementwise:
      break; // Inlined: Halide's default.
    case FuncRole::PerChannel:
      func.compute_root();
      break;
    case FuncRole::Reduction: {
      func.compute_root();
      if (!func.has_update_definition())
        break;
      // One channel per task. The contiguous dimension becomes vector
      // lanes: rfactor sums each of its positions separately (partial), then
      // adds the lanes up.
      Var lane("lane");
      Func partial = func.update().rfactor(func.rvars().front(), lane);
      partial.compute_at(func, vars.front())
          .vectorize(lane, vectorWidth, TailStrategy::GuardWithIf);
      partial.update().vectorize(lane, vectorWidth, TailStrategy::GuardWithIf);
      func.update().parallel(vars.front());
      break;
    }
    case FuncRole::ReductionChannelsInner:
      // Channels are contiguous: they are the vector lanes.
      func.compute_root().vectorize(vars.front(), vectorWidth,
                                    TailStrategy::GuardWithIf);
      if (func.has_update_definition())
        func.update().vectorize(vars.front(), vectorWidth,
                                TailStrategy::GuardWithIf);
      break;
    case FuncRole::Materialized:
      func.compute_root();
      parallelizeAndVectorize(Func(func), vars, vectorWidth);
      break;
    case FuncRole::Layer:
      func.compute_root();
      parallelizeAndVectorize(Func(func), vars, vectorWidth);
      parallelizeAndVectorize(func.update(), vars, vectorWidth);
      break;
    }
  }
  for (LoweredTensor &output : pipeline.outputs)
    parallelizeAndVectorize(output.func, output.func.args(), vectorWidth);
}
