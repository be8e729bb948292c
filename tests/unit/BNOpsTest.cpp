//===- BNOpsTest.cpp - bn ops built through the C++ API -------------------===//
//
// Part of bnc. Builds each bn op with the ODS builders, checks the inferred
// result types and helpers, and checks what the verifier says.
//
//===----------------------------------------------------------------------===//

#include "dialects/bn/IR/BNOps.h"
#include "tests/unit/OpTestSupport.h"

using namespace mlir;
using namespace bnc;
using namespace bnc::bn;

namespace {

class BNOpsTest : public bnc::testing::OpTest {
protected:
  BatchNormTrainOp train(ArrayRef<int64_t> xShape, int64_t channels,
                         int64_t featureAxis = 1, float epsilon = 1e-5f,
                         float momentum = 0.1f) {
    auto args = arguments({tensor(xShape), tensor({channels})});
    return BatchNormTrainOp::create(builder, loc, args[0], args[1], args[1],
                                    args[1], args[1], APFloat(epsilon),
                                    APFloat(momentum), featureAxis);
  }
};

TEST_F(BNOpsTest, TrainInfersResultTypes) {
  BatchNormTrainOp op = train({8, 16, 4, 4}, 16);
  EXPECT_EQ(verifyError(op), "");
  EXPECT_EQ(op.getY().getType(), tensor({8, 16, 4, 4}));
  for (Value stat : {op.getNewRunningMean(), op.getNewRunningVar(),
                     op.getBatchMean(), op.getBatchInvStd()})
    EXPECT_EQ(stat.getType(), tensor({16}));
  EXPECT_EQ(op.getRunningVarUpdate(), VarianceEstimator::unbiased);
}

TEST_F(BNOpsTest, ChannelDimAndSamplesFollowFeatureAxis) {
  BatchNormTrainOp nchw = train({8, 16, 4, 2}, 16, 1);
  EXPECT_EQ(nchw.getChannelDim(), 1);
  EXPECT_EQ(nchw.getStaticSamplesPerChannel(), 8 * 4 * 2);

  BatchNormTrainOp nhwc = train({8, 4, 2, 16}, 16, -1);
  EXPECT_EQ(verifyError(nhwc), "");
  EXPECT_EQ(nhwc.getChannelDim(), 3);
  EXPECT_EQ(nhwc.getStaticSamplesPerChannel(), 8 * 4 * 2);

  BatchNormTrainOp dynamic = train({ShapedType::kDynamic, 16, 4, 4}, 16);
  EXPECT_EQ(verifyError(dynamic), "");
  EXPECT_EQ(dynamic.getStaticSamplesPerChannel(), std::nullopt);
}

TEST_F(BNOpsTest, TrainRejectsOneSamplePerChannel) {
  EXPECT_NE(verifyError(train({1, 16, 1, 1}, 16)).find("m == 1"),
            std::string::npos);
  // The same shape is fine when the batch is not known statically: PyTorch
  // checks it at run time, and so will bnc.
  EXPECT_EQ(verifyError(train({ShapedType::kDynamic, 16, 1, 1}, 16)), "");
}

TEST_F(BNOpsTest, TrainRejectsBadHyperparameters) {
  EXPECT_NE(verifyError(train({8, 16}, 16, 1, 0.0f)).find("epsilon"),
            std::string::npos);
  EXPECT_NE(verifyError(train({8, 16}, 16, 1, 1e-5f, 1.5f)).find("momentum"),
            std::string::npos);
  EXPECT_EQ(verifyError(train({8, 16}, 16, 1, 1e-5f, 0.0f)), "");
  EXPECT_EQ(verifyError(train({8, 16}, 16, 1, 1e-5f, 1.0f)), "");
}

TEST_F(BNOpsTest, ChannelMismatchNamesTheFix) {
  std::string error = verifyError(train({8, 16, 4, 4}, 8));
  EXPECT_NE(error.find("have 8 elements but x has 16 channels"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("make them 'tensor<16xf32>'"), std::string::npos)
      << error;
}

TEST_F(BNOpsTest, FeatureAxisOutOfRange) {
  EXPECT_NE(verifyError(train({8, 16}, 16, 2)).find("out of range"),
            std::string::npos);
  EXPECT_NE(verifyError(train({8, 16}, 16, -3)).find("out of range"),
            std::string::npos);
  EXPECT_EQ(verifyError(train({8, 16}, 16, -1)), "");
}

TEST_F(BNOpsTest, InferGradStatsAffine) {
  auto args = arguments({tensor({4, 3, 5}), tensor({3}), tensor({5})});
  Value x = args[0], c = args[1];

  auto infer = BatchNormInferOp::create(builder, loc, x, c, c, c, c,
                                        APFloat(1e-3f), /*feature_axis=*/1);
  EXPECT_EQ(verifyError(infer), "");
  EXPECT_FALSE(infer.getFrozen());

  auto grad = BatchNormGradOp::create(builder, loc, x, c, c, c, x, 1);
  EXPECT_EQ(verifyError(grad), "");
  EXPECT_EQ(grad.getDx().getType(), x.getType());
  EXPECT_EQ(grad.getDscale().getType(), c.getType());

  auto stats = StatsOp::create(builder, loc, c.getType(), c.getType(), x, 1);
  EXPECT_EQ(verifyError(stats), "");

  // The last axis has 5 channels, not 3.
  auto affine = AffineOp::create(builder, loc, x, c, c, /*feature_axis=*/-1);
  EXPECT_NE(verifyError(affine).find("have 3 elements but x has 5 channels"),
            std::string::npos);
  auto affineLast = AffineOp::create(builder, loc, x, args[2], args[2], -1);
  EXPECT_EQ(verifyError(affineLast), "");
}

TEST_F(BNOpsTest, SamplesPerChannelHelper) {
  EXPECT_EQ(getStaticSamplesPerChannel(tensor({2, 3, 4}), 1), 8);
  EXPECT_EQ(getStaticSamplesPerChannel(tensor({7}), 0), 1);
  EXPECT_EQ(getStaticSamplesPerChannel(tensor({0, 3}), 1), 0);
  EXPECT_EQ(getStaticSamplesPerChannel(tensor({ShapedType::kDynamic, 3}), 0),
            3);
  EXPECT_EQ(getStaticSamplesPerChannel(tensor({ShapedType::kDynamic, 3}), 1),
            std::nullopt);
}

} // namespace
