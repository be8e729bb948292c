//===- CpuSchedule.cpp - Where and how a lowered pipeline runs on CPU -----===//
//
// Part of bnc. See CpuSchedule.h.
//
// BN is memory-bound: what counts is how often an activation crosses DRAM.
// A pipeline separable per channel (statistics, normalisation, gradients;
// no layers) with its channel outside contiguous rows (NCHW) runs channel
// by channel, so that the passes over a channel after the first find it in
// cache. Everything else streams: every output in one parallel, vectorised
// loop nest.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/CpuSchedule.h"

#include "llvm/ADT/ArrayRef.h"

#include <algorithm>

using namespace bnc::halide;
using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

/// Elements per parallel task: about 64 KiB of f32, enough to hide the cost
/// of handing a task to a thread.
constexpr int64_t kTaskElements = 16384;

/// Fuses `vars[first]` .. `vars[last]` (innermost first) of `func` into one
/// loop, which it returns; `vars[first]` alone if first == last.
Var fuseLoops(Func func, const std::vector<Var> &vars, int first, int last) {
  Var fused = vars[first];
  for (int d = first + 1; d <= last; ++d) {
    Var next(fused.name() + "_" + vars[d].name());
    func.fuse(fused, vars[d], next);
    fused = next;
  }
  return fused;
}

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

/// Vectorises the per-channel sum `func` (channel outside the contiguous
/// dimension): rfactor sums each position of the contiguous dimension
/// separately (partial, the vector lanes), then adds the lanes up.
void sumContiguousAsLanes(Func func, int vectorWidth) {
  Var lane("lane");
  Func partial = func.update().rfactor(func.rvars().front(), lane);
  partial.compute_at(func, func.args().front())
      .vectorize(lane, vectorWidth, TailStrategy::GuardWithIf);
  partial.update().vectorize(lane, vectorWidth, TailStrategy::GuardWithIf);
}

/// Schedules an output (MLIR shape `shape`) as one streaming loop nest: the
/// dense dimensions inside the channel (or, without a known channel, the
/// innermost ones up to a few vectors) fused into vectorised rows; the rest
/// fused and split into parallel tasks of about kTaskElements.
void scheduleStreaming(Func func, llvm::ArrayRef<int64_t> shape,
                       std::optional<int64_t> channelDim, int vectorWidth) {
  std::vector<Var> vars = func.args(); // innermost first
  int rank = static_cast<int>(vars.size());
  if (rank == 0)
    return;
  auto extent = [&](int d) { return shape[rank - 1 - d]; };
  // The row: dimensions fused from the innermost outwards, up to the
  // channel (NCHW: H x W; NHWC: the channels alone), or without a known
  // channel until it is a few vectors long.
  int channel = channelDim ? rank - 1 - static_cast<int>(*channelDim) : -1;
  int64_t rowLength = extent(0);
  int next = 1;
  auto rowIsComplete = [&] {
    if (channel >= 0)
      return next >= channel;
    return rowLength >= 4 * vectorWidth;
  };
  while (next < rank && !rowIsComplete())
    rowLength *= extent(next++);
  Var row = fuseLoops(func, vars, 0, next - 1);
  if (next < rank) {
    int64_t rowCount = 1;
    for (int d = next; d < rank; ++d)
      rowCount *= extent(d);
    Var rows = fuseLoops(func, vars, next, rank - 1);
    int64_t rowsPerTask = std::max<int64_t>(1, kTaskElements / rowLength);
    if (rowsPerTask < rowCount) {
      Var task(rows.name() + "_task"), inTask(rows.name() + "_in_task");
      func.split(rows, task, inTask, static_cast<int>(rowsPerTask),
                 TailStrategy::GuardWithIf)
          .parallel(task);
    }
  }
  if (rowLength >= vectorWidth)
    func.vectorize(row, vectorWidth, TailStrategy::GuardWithIf);
}

/// Schedules a pipeline separable per channel whose channel lies outside
/// contiguous rows (NCHW) one channel per parallel task: the largest output
/// (the anchor) loops over channels outermost; for each channel its sums are
/// computed, then the anchor's slice and every per-channel output's value,
/// all fused into the channel's loop. The slice is read from memory once
/// and stays in cache for the passes that follow. Returns false, scheduling
/// nothing, where it does not apply.
bool scheduleChannelByChannel(LoweredPipeline &pipeline, int vectorWidth) {
  bool reduces = pipeline.has(FuncRole::Reduction) ||
                 pipeline.has(FuncRole::ReductionChannelsInner);
  if (!pipeline.channelDim || !reduces || pipeline.has(FuncRole::Layer))
    return false;
  int64_t rank = pipeline.channelRank, channelDim = *pipeline.channelDim;
  LoweredTensor *anchor = nullptr;
  for (LoweredTensor &output : pipeline.outputs)
    if (static_cast<int64_t>(output.shape.size()) == rank &&
        (!anchor || output.elements() > anchor->elements()))
      anchor = &output;
  if (!anchor)
    return false;
  std::vector<Var> vars = anchor->func.args(); // innermost first
  int channel = static_cast<int>(rank - 1 - channelDim);
  // Channels are (effectively) contiguous when every dimension inside
  // them has extent 1: NHWC, or NCHW with H = W = 1.
  bool channelsInner = true;
  for (int64_t d = channelDim + 1; d < rank; ++d)
    channelsInner &= anchor->shape[d] == 1;
  // With channels contiguous, a block of channels is a strided slice: a few
  // bytes of every row, which costs more than streaming the whole tensor
  // twice (see bench/RESULTS.md). The streaming schedule does better there.
  if (channelsInner)
    return false;
  int64_t channels = anchor->shape[channelDim];

  // One channel per block; the dense dimensions inside it form the rows
  // that are the vector lanes. Loops fused by compute_with must have the
  // same names: the lowering calls the channel of every output "c".
  Var block = vars[channel];
  Func anchorFunc = anchor->func;
  std::vector<VarOrRVar> loopOrder; // innermost first
  for (int d = 0; d < static_cast<int>(rank); ++d)
    if (d != channel)
      loopOrder.push_back(vars[d]);
  loopOrder.push_back(block);
  anchorFunc.reorder(loopOrder);
  anchorFunc.vectorize(fuseLoops(anchorFunc, vars, 0, channel - 1),
                       vectorWidth, TailStrategy::GuardWithIf);
  anchorFunc.parallel(block);

  for (LoweredTensor &output : pipeline.outputs) {
    if (&output == anchor)
      continue;
    std::vector<Var> outVars = output.func.args();
    bool perChannel = output.shape.size() == 1 && output.shape[0] == channels;
    if (perChannel)
      output.func.parallel(outVars[0]).compute_with(anchorFunc, block);
    else
      scheduleStreaming(output.func, output.shape, pipeline.channelDim,
                        vectorWidth);
  }

  // Sums and per-channel values at the block; everything else inlined.
  for (auto &[func, role] : pipeline.funcs) {
    std::vector<Var> funcVars = func.args();
    switch (role) {
    case FuncRole::Elementwise:
    case FuncRole::Layer:
      break;
    case FuncRole::Materialized:
      func.compute_root();
      parallelizeAndVectorize(Func(func), funcVars, vectorWidth);
      break;
    case FuncRole::PerChannel:
      func.compute_at(anchorFunc, block);
      break;
    case FuncRole::Reduction:
    case FuncRole::ReductionChannelsInner:
      func.compute_at(anchorFunc, block);
      if (func.has_update_definition())
        sumContiguousAsLanes(func, vectorWidth);
      break;
    }
  }
  return true;
}

} // namespace

void bnc::halide::scheduleForCpu(LoweredPipeline &pipeline,
                                 const Halide::Target &target) {
  int vectorWidth = target.natural_vector_size<float>();
  if (scheduleChannelByChannel(pipeline, vectorWidth))
    return;
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
      // One channel per task.
      sumContiguousAsLanes(func, vectorWidth);
      func.update().parallel(vars.front());
      break;
    }
    case FuncRole::ReductionChannelsInner: {
      // Channels are contiguous: they are the vector lanes. rfactor sums
      // each value of the outermost reduced dimension (the batch) on its own
      // (partial), in parallel, then adds them up.
      func.compute_root().vectorize(vars.front(), vectorWidth,
                                    TailStrategy::GuardWithIf);
      if (!func.has_update_definition())
        break;
      func.update().vectorize(vars.front(), vectorWidth,
                              TailStrategy::GuardWithIf);
      Var part("part");
      Func partial = func.update().rfactor(func.rvars().back(), part);
      partial.compute_root().vectorize(vars.front(), vectorWidth,
                                       TailStrategy::GuardWithIf);
      partial.update()
          .parallel(part)
          .vectorize(vars.front(), vectorWidth, TailStrategy::GuardWithIf);
      break;
    }
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
    scheduleStreaming(output.func, output.shape, pipeline.channelDim,
                      vectorWidth);
}
