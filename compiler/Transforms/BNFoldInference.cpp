//===- BNFoldInference.cpp - Inference BN to a scale and shift ------------===//
//
// Part of bnc. The bn-fold-inference pass.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "compiler/Transforms/ChannelMath.h"
#include "dialects/bn/IR/BNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace bnc {
#define GEN_PASS_DEF_BNFOLDINFERENCEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

/// mul = scale / sqrt(var + epsilon); add = offset - mean * mul.
struct FoldInferenceToAffine : OpRewritePattern<bn::BatchNormInferOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(bn::BatchNormInferOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double epsilon = op.getEpsilon().convertToFloat();
    auto scale = getConstantF32Values(op.getScale());
    auto offset = getConstantF32Values(op.getOffset());
    auto mean = getConstantF32Values(op.getMean());
    auto var = getConstantF32Values(op.getVar());

    Value mul, add;
    if (scale && offset && mean && var) {
      size_t channels = scale->size();
      SmallVector<double> mulValues(channels), addValues(channels);
      for (size_t c = 0; c < channels; ++c) {
        mulValues[c] = (*scale)[c] / std::sqrt((*var)[c] + epsilon);
        addValues[c] = (*offset)[c] - (*mean)[c] * mulValues[c];
      }
      auto type = cast<RankedTensorType>(op.getScale().getType());
      mul = createF32Constant(rewriter, loc, type, mulValues);
      add = createF32Constant(rewriter, loc, type, addValues);
    } else {
      ChannelMath math(rewriter, loc, op.getScale());
      Value invStd = math.rsqrt(math.add(op.getVar(), math.constant(epsilon)));
      mul = math.mul(op.getScale(), invStd);
      add = math.sub(op.getOffset(), math.mul(op.getMean(), mul));
    }
    rewriter.replaceOpWithNewOp<bn::AffineOp>(op, op.getX(), mul, add,
                                              op.getFeatureAxis());
    return success();
  }
};

struct BNFoldInferencePass
    : public bnc::impl::BNFoldInferencePassBase<BNFoldInferencePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldInferencePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void bnc::populateFoldInferencePatterns(RewritePatternSet &patterns) {
  patterns.add<FoldInferenceToAffine>(patterns.getContext());
}
