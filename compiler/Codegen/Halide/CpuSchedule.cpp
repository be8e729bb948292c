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
    case FuncRole::Reduction:
      // One channel per task; each task sums its channel in order.
      func.compute_root().parallel(vars.front());
      func.update().parallel(vars.front());
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
