//===- BNFoldIntoProducer.cpp - Fold a scale and shift into conv / dense --===//
//
// Part of bnc. The bn-fold-into-producer pass: an inference BN, once folded to
// a constant bn.affine, disappears into the convolution or dense layer that
// produces its input.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "compiler/Transforms/ChannelMath.h"
#include "dialects/bn/IR/BNOps.h"
#include "dialects/nn/IR/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bnc {
#define GEN_PASS_DEF_BNFOLDINTOPRODUCERPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

/// `weights` (row-major, of `shape`) with every slice along `dim` multiplied by
/// its entry of `mul`.
SmallVector<double> scaleAlongDim(ArrayRef<double> weights,
                                  ArrayRef<int64_t> shape, int64_t dim,
                                  ArrayRef<double> mul) {
  int64_t inner = 1;
  for (int64_t size : shape.drop_front(dim + 1))
    inner *= size;
  SmallVector<double> scaled(weights.begin(), weights.end());
  for (size_t i = 0; i < scaled.size(); ++i)
    scaled[i] *= mul[(i / inner) % shape[dim]];
  return scaled;
}

/// Replaces `affine` by a copy of `layer`, whose `weight` has its output
/// channels along `weightOutputDim` and whose optional `bias` has one per
/// output channel, with the affine folded into both. `rebuild` creates the
/// copy from the new weight and bias.
LogicalResult
foldAffineIntoLayer(bn::AffineOp affine, Operation *layer, int64_t layerChannelDim,
                    Value weight, Value bias, int64_t weightOutputDim,
                    PatternRewriter &rewriter,
                    function_ref<Value(Location, Value, Value)> rebuild) {
  if (!layer->hasOneUse())
    return rewriter.notifyMatchFailure(
        affine, "the layer's result has other uses, which must not see the "
                "scaled values");
  if (affine.getChannelDim() != layerChannelDim)
    return rewriter.notifyMatchFailure(
        affine, "the affine does not scale the layer's output channels");
  auto mul = getConstantF32Values(affine.getMul());
  auto add = getConstantF32Values(affine.getAdd());
  auto weights = getConstantF32Values(weight);
  if (!mul || !add || !weights)
    return rewriter.notifyMatchFailure(affine, "non-constant weights or affine");
  std::optional<SmallVector<double>> biasValues;
  if (bias) {
    biasValues = getConstantF32Values(bias);
    if (!biasValues)
      return rewriter.notifyMatchFailure(affine, "non-constant bias");
  }

  auto weightType = cast<RankedTensorType>(weight.getType());
  SmallVector<double> newBias(*add);
  for (size_t c = 0; c < newBias.size(); ++c)
    if (biasValues)
      newBias[c] += (*biasValues)[c] * (*mul)[c];

  Location loc = rewriter.getFusedLoc({layer->getLoc(), affine.getLoc()});
  Value newWeight = createF32Constant(
      rewriter, loc, weightType,
      scaleAlongDim(*weights, weightType.getShape(), weightOutputDim, *mul));
  Value newBiasValue = createF32Constant(
      rewriter, loc, cast<RankedTensorType>(affine.getAdd().getType()),
      newBias);
  rewriter.replaceOp(affine, rebuild(loc, newWeight, newBiasValue));
  rewriter.eraseOp(layer);
  return success();
}

struct FoldAffineIntoConv : OpRewritePattern<bn::AffineOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(bn::AffineOp affine,
                                PatternRewriter &rewriter) const override {
    auto conv = affine.getX().getDefiningOp<nn::Conv2DOp>();
    if (!conv)
      return failure();
    return foldAffineIntoLayer(
        affine, conv, conv.getChannelDim(), conv.getFilter(), conv.getBias(),
        conv.getFilterOutputChannelDim(), rewriter,
        [&](Location loc, Value filter, Value bias) {
          return nn::Conv2DOp::create(
              rewriter, loc, conv.getType(), conv.getInput(), filter, bias,
              conv.getStrides(), conv.getPadding(), conv.getDilations(),
              conv.getGroups(), conv.getLayout());
        });
  }
};

struct FoldAffineIntoDense : OpRewritePattern<bn::AffineOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(bn::AffineOp affine,
                                PatternRewriter &rewriter) const override {
    auto dense = affine.getX().getDefiningOp<nn::DenseOp>();
    if (!dense)
      return failure();
    return foldAffineIntoLayer(
        affine, dense, /*layerChannelDim=*/1, dense.getWeight(),
        dense.getBias(), /*weightOutputDim=*/0, rewriter,
        [&](Location loc, Value weight, Value bias) {
          return nn::DenseOp::create(rewriter, loc, dense.getType(),
                                     dense.getX(), weight, bias);
        });
  }
};

struct BNFoldIntoProducerPass
    : public bnc::impl::BNFoldIntoProducerPassBase<BNFoldIntoProducerPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldIntoProducerPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void bnc::populateFoldIntoProducerPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldAffineIntoConv, FoldAffineIntoDense>(patterns.getContext());
}
