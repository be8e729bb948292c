//===- FoldingNumericsTest.cpp - Folding and decomposition keep the numbers ===//
//
// Part of bnc. Evaluates every example model before and after each folding
// and decomposition pass with the reference evaluator, on seeded random data,
// and requires the results to agree to 1e-5 of the output's scale.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "tests/unit/EvaluatorTestSupport.h"

#include "dialects/bn/IR/BNOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace bnc;
using namespace bnc::testing;

namespace {

constexpr double kTolerance = 1e-5;
constexpr unsigned kSeed = 2026;

class FoldingNumericsTest : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    module = parseSourceFile<ModuleOp>(exampleModelPath(GetParam()),
                                       context.get());
    ASSERT_TRUE(module) << "cannot parse " << GetParam();
  }

  func::FuncOp lookup(StringRef name) {
    return module->lookupSymbol<func::FuncOp>(name);
  }

  void runPass(std::unique_ptr<Pass> pass) {
    PassManager pm(context.get());
    pm.addPass(std::move(pass));
    ASSERT_TRUE(succeeded(pm.run(*module)));
  }

  /// Evaluates @name, runs `pass`, evaluates it again and compares.
  void expectPassKeepsNumbers(StringRef name, std::unique_ptr<Pass> pass) {
    func::FuncOp func = lookup(name);
    ASSERT_TRUE(func);
    SmallVector<Tensor> arguments = randomArguments(func, kSeed);
    SmallVector<Tensor> before = run(func, arguments);
    std::string passName = pass->getArgument().str();
    runPass(std::move(pass));
    SmallVector<Tensor> after = run(lookup(name), arguments);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i)
      EXPECT_LT(relativeError(before[i], after[i]), kTolerance)
          << "result #" << i << " of @" << name.str() << " after " << passName;
  }

  std::unique_ptr<MLIRContext> context = makeContext();
  OwningOpRef<ModuleOp> module;
};

//===----------------------------------------------------------------------===//
// Frozen models: fold the statistics, then fold into the convolution.
//===----------------------------------------------------------------------===//

class FrozenModelTest : public FoldingNumericsTest {};

TEST_P(FrozenModelTest, FoldingIsExact) {
  func::FuncOp predict = lookup("predict");
  ASSERT_TRUE(predict);
  SmallVector<Tensor> arguments = randomArguments(predict, kSeed);
  Tensor original = run(predict, arguments)[0];

  expectPassKeepsNumbers("predict", createBNFoldInferencePass());
  expectPassKeepsNumbers("predict", createBNFoldIntoProducerPass());
  EXPECT_EQ(bn::findFirstBNOp(lookup("predict")), nullptr) << "the BN was not folded away";

  Tensor folded = run(lookup("predict"), arguments)[0];
  EXPECT_LT(relativeError(original, folded), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Examples, FrozenModelTest,
                         ::testing::Values("frozen_conv_bn_relu_nchw.mlir",
                                           "frozen_conv_bn_relu_nhwc.mlir"));

//===----------------------------------------------------------------------===//
// Training models: decompose, and fold the derived inference program.
//===----------------------------------------------------------------------===//

class TrainingModelTest : public FoldingNumericsTest {};

TEST_P(TrainingModelTest, DecompositionIsExact) {
  expectPassKeepsNumbers("train_step", createBNDecomposePass());
  EXPECT_FALSE(lookup("train_step")
                   .walk([](Operation *op) {
                     return isa<bn::BatchNormTrainOp>(op)
                                ? WalkResult::interrupt()
                                : WalkResult::advance();
                   })
                   .wasInterrupted());
}

TEST_P(TrainingModelTest, DerivedInferenceFoldsExactly) {
  runPass(createBNDeriveInferencePass());
  // The parameters are arguments here, so this is the arithmetic path of
  // bn-fold-inference; fold-into-producer must leave it alone.
  expectPassKeepsNumbers("train_step_infer", createBNFoldInferencePass());
  expectPassKeepsNumbers("train_step_infer", createBNFoldIntoProducerPass());
}

INSTANTIATE_TEST_SUITE_P(Examples, TrainingModelTest,
                         ::testing::Values("conv_bn_relu_nchw.mlir",
                                           "conv_bn_relu_nhwc.mlir",
                                           "residual_block_nchw.mlir",
                                           "residual_block_nhwc.mlir"));

//===----------------------------------------------------------------------===//
// One-BN training models: the derived program normalises with the running
// statistics.
//===----------------------------------------------------------------------===//

class OneBNTrainingModelTest : public FoldingNumericsTest {};

TEST_P(OneBNTrainingModelTest, DerivedInferenceUsesRunningStatistics) {
  // Inference BN over running statistics equal to the batch statistics
  // normalises exactly as training BN does: feed @train_step's batch mean and
  // biased variance (from its inverse standard deviation) to
  // @train_step_infer as running statistics, and compare the outputs.
  runPass(createBNDeriveInferencePass());
  func::FuncOp train = lookup("train_step"), derived = lookup("train_step_infer");
  ASSERT_TRUE(derived);
  SmallVector<Tensor> arguments = randomArguments(train, kSeed);
  SmallVector<Tensor> trained = run(train, arguments);
  ASSERT_EQ(trained.size(), 5u);

  double epsilon = 0.0;
  train.walk([&](bn::BatchNormTrainOp op) {
    epsilon = op.getEpsilon().convertToFloat();
  });
  Tensor batchVar = trained[4];
  for (double &value : batchVar.data)
    value = 1.0 / (value * value) - epsilon;
  arguments[4] = trained[3];
  arguments[5] = batchVar;
  EXPECT_LT(relativeError(trained[0], run(derived, arguments)[0]), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Examples, OneBNTrainingModelTest,
                         ::testing::Values("conv_bn_relu_nchw.mlir",
                                           "conv_bn_relu_nhwc.mlir"));

} // namespace
