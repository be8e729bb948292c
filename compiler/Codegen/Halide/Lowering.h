//===- Lowering.h - bn/nn functions to Halide pipelines ---------*- C++ -*-===//
//
// Part of bnc. Lowers one entry point of bn, nn, arith and math ops on static
// shapes to a Halide pipeline: the algorithm only. Where and how it runs is
// the schedule's business (CpuSchedule.h).
//
// A tensor<d0 x ... x dn> becomes a Halide Func over (xn, ..., x0): Halide
// lists dimensions innermost first, MLIR outermost first. Where a pipeline
// computes element by element per channel, its activations become Funcs
// over a view of fewer dimensions instead (LoweredPipeline).
//
// This header includes Halide.h: include it only where Halide is used.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_LOWERING_H
#define BNC_COMPILER_CODEGEN_HALIDE_LOWERING_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <Halide.h>

#include <optional>
#include <string>
#include <vector>

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace bnc::halide {

/// A Func with the shape (MLIR order) of the tensor it computes.
struct LoweredTensor {
  Halide::Func func;
  llvm::SmallVector<int64_t> shape;

  int64_t elements() const {
    int64_t count = 1;
    for (int64_t size : shape)
      count *= size;
    return count;
  }
};

/// What a lowering knows about a Func it made, for the schedule.
enum class FuncRole {
  Elementwise, // pure, cheap: inline into its consumers
  PerChannel,  // one value per channel (statistics): compute once, tiny
  Reduction,   // per-channel sums in double over a channel's elements,
               // channel not innermost, no dimension outside it
  RunSum,      // per channel and position outside its run (NCHW, NHWC:
               // image), the f32 sum over the run there (H x W)
  RunReduction, // per-channel sums in double of RunSums over the positions
                // outside the runs
  ReductionChannelsInner, // per-channel sums in double, channel innermost,
                          // without runs (positions too long for f32)
  Layer,       // convolution or dense layer: compute once, on its own
  LayerWeights, // a layer's weights, output channel innermost: compute once
  Materialized, // computed once into a buffer: what leaves a bn.kernel, a
                // zero-padded layer input
};

/// One entry point as a Halide pipeline: inputs in argument order, outputs
/// in result order, and every Func made on the way with its role.
///
/// A buffer of the pipeline may be a view of its tensor: the same elements,
/// dense in the same order, in fewer dimensions. A pipeline that computes
/// element by element per channel (no sums, no layers) merges the
/// dimensions on either side of the channel (NHWC N x H x W x C as
/// (N*H*W) x C) so that its rows loop without division (Lowering.cpp).
/// `inputShapes` and the outputs' `shape` are the buffers' shapes, which
/// the kernel's callers pass; `tensorShapes` are what its users see.
struct LoweredPipeline {
  std::string name;
  std::vector<Halide::ImageParam> inputs;
  std::vector<llvm::SmallVector<int64_t>> inputShapes;
  std::vector<LoweredTensor> outputs;
  /// Each input's tensor shape, then each output's: Halide's argument order.
  std::vector<llvm::SmallVector<int64_t>> tensorShapes;
  std::vector<std::pair<Halide::Func, FuncRole>> funcs;
  /// Set when a kernel asks for Halide's autoscheduler (#bn.schedule<auto>).
  bool autoSchedule = false;
  /// Set when every per-channel op of the pipeline (BN, affine, statistics,
  /// gradients) works on tensors of rank `channelRank` whose channel is
  /// dimension `*channelDim` (MLIR order); the schedule uses it to keep
  /// channels apart from the dimensions it fuses.
  std::optional<int64_t> channelDim;
  int64_t channelRank = 0;
  /// A Func of role RunReduction and the RunSum it adds up. A run is the
  /// dense part of a channel inside one image (its `denseDims` innermost
  /// reduced dimensions: H x W in NCHW), or, for short ones, that part in
  /// a few consecutive images (one more reduced dimension, outermost).
  /// Where channels are contiguous (NHWC), `denseDims` is 0 and a run is
  /// strided: a channel's values at an image's positions (H x W, or W).
  struct RunSums {
    Halide::Func reduction;
    Halide::Func runs;
    int denseDims;
    int64_t channels;
  };
  std::vector<RunSums> runSums;
  /// The layers (convolutions, dense) with their shapes: the Funcs of role
  /// Layer, for the schedule to block their loops.
  std::vector<LoweredTensor> layers;

  Halide::Pipeline pipeline() const;
  /// Each input's buffer shape, then each output's: Halide's argument order.
  std::vector<llvm::SmallVector<int64_t>> bufferShapes() const;
  /// Whether some Func has `role`. A pipeline with per-channel sums
  /// (statistics, gradients) and without layers is separable per channel:
  /// each channel can be computed start to finish on its own, while its
  /// slice of the activations is in cache.
  bool has(FuncRole role) const;
};

/// Lowers `func` (calls are inlined). Emits an error at the op or function it
/// cannot lower: dynamic shapes, unknown ops.
mlir::FailureOr<LoweredPipeline> lowerToHalide(mlir::func::FuncOp func);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_LOWERING_H
