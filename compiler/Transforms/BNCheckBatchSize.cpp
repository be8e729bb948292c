//===- BNCheckBatchSize.cpp - Warn about noisy batch statistics -----------===//
//
// Part of bnc. The bn-check-batch-size pass.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "dialects/bn/IR/BNOps.h"

namespace bnc {
#define GEN_PASS_DEF_BNCHECKBATCHSIZEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

struct BNCheckBatchSizePass
    : public bnc::impl::BNCheckBatchSizePassBase<BNCheckBatchSizePass> {
  using BNCheckBatchSizePassBase::BNCheckBatchSizePassBase;

  LogicalResult initialize(MLIRContext *context) override {
    if (minSamples < 0)
      return emitError(UnknownLoc::get(context))
             << "bn-check-batch-size: min-samples must be >= 0, but got "
             << minSamples.getValue();
    return success();
  }

  void runOnOperation() override {
    getOperation()->walk([&](bn::BatchNormTrainOp op) {
      std::optional<int64_t> samples = op.getStaticSamplesPerChannel();
      if (!samples) {
        op.emitRemark()
            << "the number of values per channel (m) of "
            << op.getX().getType()
            << " is only known at run time; the runtime checks it (m == 1 is "
               "an error there)";
        return;
      }
      if (*samples < minSamples)
        op.emitWarning() << "batch statistics over m = " << *samples
                         << " values per channel (below min-samples = "
                         << minSamples.getValue()
                         << ") are noisy, and a model trained on them "
                            "behaves differently at inference; use a larger "
                            "batch, GroupNorm or LayerNorm, or freeze this BN "
                            "(bn.batch_norm_infer {frozen})";
    });
    markAllAnalysesPreserved();
  }
};

} // namespace
