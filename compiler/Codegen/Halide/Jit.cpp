//===- Jit.cpp - Run a lowered pipeline through Halide's JIT --------------===//
//
// Part of bnc. See Jit.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Jit.h"

#include "llvm/ADT/ArrayRef.h"

using namespace bnc;
using namespace bnc::halide;

namespace {

std::vector<int> halideExtents(const std::vector<int64_t> &shape) {
  return std::vector<int>(shape.rbegin(), shape.rend());
}

} // namespace

JitPipeline::JitPipeline(LoweredPipeline loweredPipeline, std::string &error,
                         Scheduler scheduler, const std::string &autoscheduler)
    : lowered(std::move(loweredPipeline)) {
  try {
    target = Halide::get_jit_target_from_environment();
    pipeline = lowered.pipeline();
    if (!schedulePipeline(lowered, pipeline, target, scheduler, autoscheduler,
                          error))
      return;
    pipeline.compile_jit(target);
    compiled = true;
  } catch (const Halide::Error &e) {
    error = "Halide could not compile @" + lowered.name + ": " + e.what();
  }
}

bool JitPipeline::run(const std::vector<HostTensor> &inputs,
                      std::vector<HostTensor> &outputs, std::string &error) {
  if (inputs.size() != lowered.inputs.size()) {
    error = "@" + lowered.name + " takes " +
            std::to_string(lowered.inputs.size()) + " inputs, but " +
            std::to_string(inputs.size()) + " were given";
    return false;
  }
  std::vector<Halide::Buffer<float>> inputBuffers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    llvm::ArrayRef<int64_t> expected = lowered.inputShapes[i];
    if (llvm::ArrayRef<int64_t>(inputs[i].shape) != expected) {
      error = "input #" + std::to_string(i) + " of @" + lowered.name +
              " must have shape " + formatShape(expected) + ", but has " +
              formatShape(inputs[i].shape);
      return false;
    }
    // Halide only reads its inputs; the buffer wraps the caller's memory.
    inputBuffers.emplace_back(const_cast<float *>(inputs[i].data.data()),
                              halideExtents(inputs[i].shape));
  }

  outputs.clear();
  std::vector<Halide::Buffer<float>> outputBuffers;
  for (const LoweredTensor &output : lowered.outputs) {
    HostTensor tensor;
    tensor.shape.assign(output.shape.begin(), output.shape.end());
    int64_t count = 1;
    for (int64_t size : tensor.shape)
      count *= size;
    tensor.data.resize(count);
    outputs.push_back(std::move(tensor));
  }
  for (HostTensor &tensor : outputs)
    outputBuffers.emplace_back(tensor.data.data(), halideExtents(tensor.shape));
  return run(inputBuffers, outputBuffers, error);
}

bool JitPipeline::run(const std::vector<Halide::Buffer<float>> &inputs,
                      const std::vector<Halide::Buffer<float>> &outputs,
                      std::string &error) {
  if (inputs.size() != lowered.inputs.size() ||
      outputs.size() != lowered.outputs.size()) {
    error = "@" + lowered.name + " takes " +
            std::to_string(lowered.inputs.size()) + " inputs and " +
            std::to_string(lowered.outputs.size()) + " outputs, but got " +
            std::to_string(inputs.size()) + " and " +
            std::to_string(outputs.size());
    return false;
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    lowered.inputs[i].set(inputs[i]);
  try {
    std::vector<Halide::Buffer<void>> outputBuffers(outputs.begin(),
                                                    outputs.end());
    Halide::Realization realization(outputBuffers);
    pipeline.realize(realization, target);
  } catch (const Halide::Error &e) {
    error = "running @" + lowered.name + " failed: " + e.what();
    return false;
  }
  return true;
}
