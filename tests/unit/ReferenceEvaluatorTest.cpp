//===- ReferenceEvaluatorTest.cpp - The oracle, checked by hand -----------===//
//
// Part of bnc. The reference evaluator is what every pass and back end is
// compared with, so it is checked here against numbers worked out by hand
// (PyTorch's conventions) and its gradient against finite differences.
//
//===----------------------------------------------------------------------===//

#include "tests/unit/EvaluatorTestSupport.h"

using namespace mlir;
using namespace bnc;
using namespace bnc::testing;

namespace {

class ReferenceEvaluatorTest : public ::testing::Test {
protected:
  func::FuncOp parse(const std::string &source) {
    module = parseSourceString<ModuleOp>(source, context.get());
    EXPECT_TRUE(module);
    return module ? *module->getOps<func::FuncOp>().begin() : nullptr;
  }

  std::unique_ptr<MLIRContext> context = makeContext();
  OwningOpRef<ModuleOp> module;
};

// Two channels over four samples: channel 0 is [1, 3, 5, 7] (mean 4, biased
// variance 5, unbiased 20/3), channel 1 is constant 2 (variance 0).
const Tensor kX({4, 2}, {1, 2, 3, 2, 5, 2, 7, 2});
const Tensor kScale({2}, {2.0, 1.0});
const Tensor kOffset({2}, {0.5, -1.0});
const Tensor kOnes({2}, {1.0, 1.0});

std::string trainFunction(const std::string &attributes) {
  return R"mlir(
    func.func @f(%x: tensor<4x2xf32>, %s: tensor<2xf32>, %o: tensor<2xf32>,
                 %rm: tensor<2xf32>, %rv: tensor<2xf32>)
        -> (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
      %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %rm, %rv )mlir" +
         attributes + R"mlir( : tensor<4x2xf32>, tensor<2xf32>
      return %y, %m, %v, %bm, %bi
          : tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    })mlir";
}

TEST_F(ReferenceEvaluatorTest, TrainingStepPyTorchConvention) {
  func::FuncOp f = parse(trainFunction("{momentum = 0.1 : f32}"));
  auto results = run(f, {kX, kScale, kOffset, kOnes, kOnes});
  ASSERT_EQ(results.size(), 5u);
  double eps = static_cast<float>(1e-5);
  double inv0 = 1.0 / std::sqrt(5.0 + eps), inv1 = 1.0 / std::sqrt(eps);
  const Tensor &y = results[0];
  EXPECT_NEAR(y.data[0], (1 - 4) * inv0 * 2.0 + 0.5, 1e-12);
  EXPECT_NEAR(y.data[6], (7 - 4) * inv0 * 2.0 + 0.5, 1e-12);
  EXPECT_NEAR(y.data[1], -1.0, 1e-12); // x - mean = 0 in channel 1.
  double momentum = static_cast<float>(0.1);
  EXPECT_NEAR(results[1].data[0], (1 - momentum) + momentum * 4.0, 1e-12);
  EXPECT_NEAR(results[1].data[1], (1 - momentum) + momentum * 2.0, 1e-12);
  // PyTorch updates the running variance with the unbiased batch variance.
  EXPECT_NEAR(results[2].data[0], (1 - momentum) + momentum * 20.0 / 3.0, 1e-12);
  EXPECT_NEAR(results[2].data[1], 1 - momentum, 1e-12);
  EXPECT_NEAR(results[3].data[0], 4.0, 1e-12);
  EXPECT_NEAR(results[4].data[0], inv0, 1e-12);
  EXPECT_NEAR(results[4].data[1], inv1, 1e-9);
}

TEST_F(ReferenceEvaluatorTest, TrainingStepKerasConvention) {
  // Keras: momentum k = 0.99 is bnc's 0.01, and the biased variance.
  func::FuncOp f = parse(trainFunction(
      "{momentum = 0.01 : f32, running_var_update = #bn.variance<biased>}"));
  auto results = run(f, {kX, kScale, kOffset, kOnes, kOnes});
  ASSERT_EQ(results.size(), 5u);
  double momentum = static_cast<float>(0.01);
  EXPECT_NEAR(results[2].data[0], (1 - momentum) + momentum * 5.0, 1e-12);
}

TEST_F(ReferenceEvaluatorTest, InferenceUsesGivenStatistics) {
  func::FuncOp f = parse(R"mlir(
    func.func @f(%x: tensor<4x2xf32>, %s: tensor<2xf32>, %o: tensor<2xf32>,
                 %m: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<4x2xf32> {
      %y = bn.batch_norm_infer %x, %s, %o, %m, %v {epsilon = 0.25 : f32}
          : tensor<4x2xf32>, tensor<2xf32>
      return %y : tensor<4x2xf32>
    })mlir");
  Tensor mean({2}, {1.0, 2.0}), var({2}, {4.0, 0.75});
  auto results = run(f, {kX, kScale, kOffset, mean, var});
  ASSERT_EQ(results.size(), 1u);
  // (x - mean) / sqrt(var + 0.25) * scale + offset.
  EXPECT_NEAR(results[0].data[2], (3 - 1) / std::sqrt(4.25) * 2.0 + 0.5, 1e-12);
  EXPECT_NEAR(results[0].data[3], (2 - 2) / 1.0 * 1.0 - 1.0, 1e-12);
}

TEST_F(ReferenceEvaluatorTest, GradientMatchesFiniteDifferences) {
  // L(x, scale, offset) = sum(y * g); its gradients are batch_norm_grad's
  // results for dy = g.
  func::FuncOp f = parse(R"mlir(
    func.func @f(%x: tensor<3x2x2xf32>, %s: tensor<2xf32>, %o: tensor<2xf32>,
                 %g: tensor<3x2x2xf32>)
        -> (tensor<3x2x2xf32>, tensor<3x2x2xf32>, tensor<2xf32>, tensor<2xf32>) {
      %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %s, %s
          : tensor<3x2x2xf32>, tensor<2xf32>
      %dx, %ds, %do = bn.batch_norm_grad %x, %s, %bm, %bi, %g
          : tensor<3x2x2xf32>, tensor<2xf32>
      return %y, %dx, %ds, %do
          : tensor<3x2x2xf32>, tensor<3x2x2xf32>, tensor<2xf32>, tensor<2xf32>
    })mlir");
  SmallVector<Tensor> args = randomArguments(f, /*seed=*/3);
  auto loss = [&](const SmallVector<Tensor> &arguments) {
    Tensor y = run(f, arguments)[0];
    double sum = 0.0;
    for (size_t i = 0; i < y.data.size(); ++i)
      sum += y.data[i] * arguments[3].data[i];
    return sum;
  };
  auto results = run(f, args);
  ASSERT_EQ(results.size(), 4u);
  const double h = 1e-6;
  // d/dx, d/dscale and d/doffset against central differences.
  for (auto [argument, result] : {std::pair<int, int>{0, 1}, {1, 2}, {2, 3}}) {
    for (size_t i = 0; i < args[argument].data.size(); ++i) {
      SmallVector<Tensor> plus = args, minus = args;
      plus[argument].data[i] += h;
      minus[argument].data[i] -= h;
      double numeric = (loss(plus) - loss(minus)) / (2 * h);
      EXPECT_NEAR(results[result].data[i], numeric, 1e-6)
          << "argument " << argument << " element " << i;
    }
  }
}

TEST_F(ReferenceEvaluatorTest, ConvolutionBothLayoutsAgree) {
  func::FuncOp nchw = parse(R"mlir(
    func.func @f(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>)
        -> tensor<1x6x3x3xf32> {
      %y = nn.conv2d %x, %w, %b {groups = 2 : i64, strides = array<i64: 2, 2>,
                                 padding = array<i64: 1, 1, 1, 1>}
          : tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32> -> tensor<1x6x3x3xf32>
      return %y : tensor<1x6x3x3xf32>
    })mlir");
  SmallVector<Tensor> args = randomArguments(nchw, /*seed=*/5);
  Tensor expected = run(nchw, args)[0];
  OwningOpRef<ModuleOp> nchwModule = std::move(module);

  func::FuncOp nhwc = parse(R"mlir(
    func.func @f(%x: tensor<1x5x5x4xf32>, %w: tensor<3x3x2x6xf32>, %b: tensor<6xf32>)
        -> tensor<1x3x3x6xf32> {
      %y = nn.conv2d %x, %w, %b {groups = 2 : i64, strides = array<i64: 2, 2>,
                                 padding = array<i64: 1, 1, 1, 1>,
                                 layout = #nn.layout<nhwc>}
          : tensor<1x5x5x4xf32>, tensor<3x3x2x6xf32>, tensor<6xf32> -> tensor<1x3x3x6xf32>
      return %y : tensor<1x3x3x6xf32>
    })mlir");
  // The same numbers, transposed: NCHW -> NHWC and OIHW -> HWIO.
  Tensor x = Tensor::filled({1, 5, 5, 4}, 0.0), w = Tensor::filled({3, 3, 2, 6}, 0.0);
  for (int c = 0; c < 4; ++c)
    for (int h = 0; h < 5; ++h)
      for (int v = 0; v < 5; ++v)
        x.data[(h * 5 + v) * 4 + c] = args[0].data[(c * 5 + h) * 5 + v];
  for (int o = 0; o < 6; ++o)
    for (int i = 0; i < 2; ++i)
      for (int kh = 0; kh < 3; ++kh)
        for (int kw = 0; kw < 3; ++kw)
          w.data[((kh * 3 + kw) * 2 + i) * 6 + o] =
              args[1].data[((o * 2 + i) * 3 + kh) * 3 + kw];
  Tensor actual = run(nhwc, {x, w, args[2]})[0];
  for (int o = 0; o < 6; ++o)
    for (int h = 0; h < 3; ++h)
      for (int v = 0; v < 3; ++v)
        EXPECT_NEAR(actual.data[(h * 3 + v) * 6 + o],
                    expected.data[(o * 3 + h) * 3 + v], 1e-12);
  // One output by hand: channel 0 (group 0), position (0, 0) sees input rows
  // and columns -1..1 of channels 0 and 1.
  double sum = args[2].data[0];
  for (int i = 0; i < 2; ++i)
    for (int kh = 0; kh < 3; ++kh)
      for (int kw = 0; kw < 3; ++kw) {
        int h = kh - 1, v = kw - 1;
        if (h >= 0 && v >= 0)
          sum += args[0].data[(i * 5 + h) * 5 + v] *
                 args[1].data[((0 * 2 + i) * 3 + kh) * 3 + kw];
      }
  EXPECT_NEAR(expected.data[0], sum, 1e-12);
}

TEST_F(ReferenceEvaluatorTest, WrongArgumentsAreAnErrorNotACrash) {
  func::FuncOp f = parse(trainFunction(""));
  std::string message;
  ScopedDiagnosticHandler handler(context.get(), [&](Diagnostic &diagnostic) {
    message = diagnostic.str();
    return success();
  });
  EXPECT_TRUE(failed(reference::evaluate(f, {kX})));
  EXPECT_NE(message.find("takes 5 arguments, but 1 were given"), std::string::npos)
      << message;
  EXPECT_TRUE(failed(reference::evaluate(
      f, {Tensor::filled({4, 3}, 0.0), kScale, kOffset, kOnes, kOnes})));
  EXPECT_NE(message.find("argument #0 of @f must be 'tensor<4x2xf32>'"),
            std::string::npos)
      << message;
}

TEST_F(ReferenceEvaluatorTest, DynamicOneSamplePerChannelIsARuntimeError) {
  func::FuncOp f = parse(R"mlir(
    func.func @f(%x: tensor<?x2xf32>, %c: tensor<2xf32>) -> tensor<?x2xf32> {
      %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
          : tensor<?x2xf32>, tensor<2xf32>
      return %y : tensor<?x2xf32>
    })mlir");
  std::string message;
  ScopedDiagnosticHandler handler(context.get(), [&](Diagnostic &diagnostic) {
    message = diagnostic.str();
    return success();
  });
  EXPECT_TRUE(failed(reference::evaluate(f, {Tensor::filled({1, 2}, 1.0), kOnes})));
  EXPECT_NE(message.find("more than one value per channel"), std::string::npos);
  EXPECT_TRUE(succeeded(reference::evaluate(f, {Tensor::filled({2, 2}, 1.0), kOnes})));
}

} // namespace
