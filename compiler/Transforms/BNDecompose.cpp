//===- BNDecompose.cpp - Training BN and its gradient, decomposed ---------===//
//
// Part of bnc. The bn-decompose pass: bn.batch_norm_train and
// bn.batch_norm_grad as bn.stats, bn.affine and element-wise arith, for back
// ends without a fused rule.
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

namespace bnc {
#define GEN_PASS_DEF_BNDECOMPOSEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

/// y = (x - mean) * inv_std * scale + offset as bn.stats and bn.affine, and
/// the running statistics updated with arith on tensor<Cxf32>.
struct DecomposeTrain : OpRewritePattern<bn::BatchNormTrainOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(bn::BatchNormTrainOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> samples = op.getStaticSamplesPerChannel();
    bool unbiased =
        op.getRunningVarUpdate() == bn::VarianceEstimator::unbiased;
    if (unbiased && !samples)
      return rewriter.notifyMatchFailure(
          op, "the unbiased running variance needs a static m");

    Location loc = op.getLoc();
    auto stats = bn::StatsOp::create(rewriter, loc, op.getScale().getType(),
                                     op.getScale().getType(), op.getX(),
                                     op.getFeatureAxis());
    Value mean = stats.getMean(), var = stats.getVar();

    ChannelMath math(rewriter, loc, op.getScale());
    double epsilon = op.getEpsilon().convertToFloat();
    double momentum = op.getMomentum().convertToFloat();
    Value invStd = math.rsqrt(math.add(var, math.constant(epsilon)));
    Value mul = math.mul(op.getScale(), invStd);
    Value add = math.sub(op.getOffset(), math.mul(mean, mul));
    Value y = bn::AffineOp::create(rewriter, loc, op.getX(), mul, add,
                                   op.getFeatureAxis());

    Value batchVar = var;
    if (unbiased) {
      double m = static_cast<double>(*samples);
      batchVar = math.mul(var, math.constant(m / (m - 1.0)));
    }
    auto blend = [&](Value running, Value batch) {
      return math.add(math.mul(math.constant(1.0 - momentum), running),
                      math.mul(math.constant(momentum), batch));
    };
    Value newMean = blend(op.getRunningMean(), mean);
    Value newVar = blend(op.getRunningVar(), batchVar);
    rewriter.replaceOp(op, {y, newMean, newVar, mean, invStd});
    return success();
  }
};

/// dx = scale * inv_std / m * (m * dy - doffset - xhat * dscale), with the
/// per-channel sums taken as m times a bn.stats mean.
struct DecomposeGrad : OpRewritePattern<bn::BatchNormGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(bn::BatchNormGradOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> samples = op.getStaticSamplesPerChannel();
    if (!samples)
      return rewriter.notifyMatchFailure(op, "the gradient needs a static m");

    Location loc = op.getLoc();
    Type channelType = op.getScale().getType();
    int64_t axis = op.getFeatureAxis();
    ChannelMath math(rewriter, loc, op.getScale());
    Value m = math.constant(static_cast<double>(*samples));
    auto channelSum = [&](Value tensor) {
      auto stats = bn::StatsOp::create(rewriter, loc, channelType, channelType,
                                       tensor, axis);
      return math.mul(m, stats.getMean());
    };

    Value invStd = op.getBatchInvStd();
    Value xhat = bn::AffineOp::create(
        rewriter, loc, op.getX(), invStd,
        math.neg(math.mul(op.getBatchMean(), invStd)), axis);
    Value doffset = channelSum(op.getDy());
    Value dscale =
        channelSum(arith::MulFOp::create(rewriter, loc, op.getDy(), xhat));

    // k = scale * inv_std / m; dx = (k m) dy - k doffset - (k dscale) xhat.
    Value k = math.mul(math.mul(op.getScale(), invStd),
                       math.constant(1.0 / static_cast<double>(*samples)));
    Value fromDy = bn::AffineOp::create(rewriter, loc, op.getDy(),
                                        math.mul(k, m),
                                        math.neg(math.mul(k, doffset)), axis);
    Value fromXhat =
        bn::AffineOp::create(rewriter, loc, xhat, math.mul(k, dscale),
                             math.constant(0.0), axis);
    Value dx = arith::SubFOp::create(rewriter, loc, fromDy, fromXhat);
    rewriter.replaceOp(op, {dx, dscale, doffset});
    return success();
  }
};

struct BNDecomposePass
    : public bnc::impl::BNDecomposePassBase<BNDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
    getOperation()->walk([](Operation *op) {
      if (!isa<bn::BatchNormTrainOp, bn::BatchNormGradOp>(op))
        return;
      op->emitRemark() << "not decomposed: m is dynamic, and "
                       << (isa<bn::BatchNormGradOp>(op)
                               ? "the gradient"
                               : "the unbiased running variance")
                       << " needs it as a constant";
    });
  }
};

} // namespace

void bnc::populateDecomposePatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeTrain, DecomposeGrad>(patterns.getContext());
}
