//===- AotVsJitTest.cpp - Ahead-of-time kernels against the JIT ---------===//
//
// Part of bnc. The example models compiled ahead of time by
// bn_add_kernel_library (see CMakeLists.txt), called through their
// generated C++ classes, must give what bn-run's JIT path gives on the same
// inputs and state, after the same bn-opt pipeline: to 1e-6 of each output's
// scale (in practice bit for bit: same lowering, same schedule, same target).
// Also: a step whose kernel fails leaves the state exactly as it was, and
// the state names are PyTorch's.
//
//===----------------------------------------------------------------------===//

#include "basic_block.h"
#include "bn_relu_nhwc.h"
#include "bnrt/Checkpoint.h"
#include "bnrt/ThreadPool.h"
#include "conv_bn_relu.h"
#include "conv_bn_relu_nhwc.h"

#include "compiler/Codegen/Halide/Jit.h"
#include "compiler/InitAll.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

using namespace mlir;

namespace {

constexpr double kTolerance = 1e-6;
constexpr unsigned kSeed = 2026;

/// An example model by file name, or any by its path from the source root.
std::string modelPath(const std::string &name) {
  std::string root = std::string(BNC_SOURCE_DIR) + "/";
  return name.find('/') == std::string::npos
             ? root + "examples/models/" + name
             : root + name;
}

bnrt::Tensor randomTensor(std::vector<int64_t> shape, std::mt19937 &generator,
                          float mean, float stddev) {
  bnrt::Tensor tensor(std::move(shape));
  std::normal_distribution<float> normal(mean, stddev);
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    tensor.f32()[i] = normal(generator);
  return tensor;
}

/// Gives every f32 entry of `state` random values (variances positive), so
/// the comparison is not on the defaults' ones and zeros.
void randomizeState(bnrt::State &state, std::mt19937 &generator) {
  for (const bnrt::StateEntrySpec &spec : state.spec()) {
    if (spec.dtype != bnrt::DType::F32)
      continue;
    bnrt::Tensor value = randomTensor(spec.shape, generator, 0.0f, 0.5f);
    if (spec.name.find("running_var") != std::string::npos)
      for (int64_t i = 0; i < value.numElements(); ++i)
        value.f32()[i] = 0.5f + std::fabs(value.f32()[i]);
    ASSERT_TRUE(state.set(spec.name, value).ok()) << spec.name;
  }
}

double relativeDifference(const bnrt::Tensor &expected,
                          const bnrt::Tensor &actual) {
  EXPECT_EQ(expected.shape(), actual.shape());
  double scale = 1e-30, worst = 0.0;
  for (int64_t i = 0; i < expected.numElements(); ++i) {
    scale = std::max(scale, std::fabs(double(expected.f32()[i])));
    worst = std::max(worst, std::fabs(double(expected.f32()[i]) -
                                      double(actual.f32()[i])));
  }
  return worst / scale;
}

/// Runs `entry` of `model` after `pipeline` through the JIT on the inputs
/// and state that the AOT spec lists, in the kernel's buffer order.
std::vector<bnc::HostTensor> runJit(const std::string &model,
                               const std::string &pipeline,
                               const bnrt::EntryPointSpec &entry,
                               const std::vector<const bnrt::Tensor *> &inputs,
                               const bnrt::State &state) {
  DialectRegistry registry;
  bnc::registerAllDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(modelPath(model), &context);
  EXPECT_TRUE(module) << model;
  if (!module)
    return {};
  static bool registered = (bnc::registerAllPasses(), true);
  (void)registered;
  std::string errors;
  EXPECT_TRUE(succeeded(bnc::runPassPipeline(*module, pipeline, errors)))
      << errors;

  auto func = module->lookupSymbol<func::FuncOp>(entry.name);
  EXPECT_TRUE(func) << entry.name;
  if (!func)
    return {};
  FailureOr<bnc::halide::LoweredPipeline> lowered =
      bnc::halide::lowerToHalide(func);
  EXPECT_TRUE(succeeded(lowered));
  if (failed(lowered))
    return {};
  std::string error;
  bnc::halide::JitPipeline jit(std::move(*lowered), error);
  EXPECT_TRUE(jit.valid()) << error;
  if (!jit.valid())
    return {};

  auto toHost = [](const bnrt::Tensor &tensor) {
    bnc::HostTensor host;
    host.shape = tensor.shape();
    host.data.assign(tensor.f32(), tensor.f32() + tensor.numElements());
    return host;
  };
  std::vector<bnc::HostTensor> arguments, results;
  size_t nextInput = 0;
  for (const bnrt::ValueSpec &value : entry.values) {
    if (value.kind == bnrt::ValueSpec::Kind::Input)
      arguments.push_back(toHost(*inputs[nextInput++]));
    else if (value.kind == bnrt::ValueSpec::Kind::State)
      arguments.push_back(toHost(state.get(value.name)));
  }
  EXPECT_TRUE(jit.run(arguments, results, error)) << error;
  return results;
}

/// Calls `entry` ahead of time through bnrt and through the JIT, and
/// compares every output and every state update.
void expectAotMatchesJit(const std::string &model, const std::string &pipeline,
                         const bnrt::EntryPointSpec &entry, bnrt::State state) {
  std::mt19937 generator(kSeed);
  randomizeState(state, generator);
  std::vector<bnrt::Tensor> inputs;
  std::vector<const bnrt::Tensor *> inputPointers;
  for (const bnrt::ValueSpec &value : entry.values)
    if (value.kind == bnrt::ValueSpec::Kind::Input)
      inputs.push_back(randomTensor(value.shape, generator, 0.5f, 2.0f));
  for (const bnrt::Tensor &input : inputs)
    inputPointers.push_back(&input);

  std::vector<bnc::HostTensor> expected =
      runJit(model, pipeline, entry, inputPointers, state);
  std::vector<bnrt::Tensor> outputs;
  bnrt::Status status = bnrt::call(entry, state, inputPointers, outputs);
  ASSERT_TRUE(status.ok()) << status.message();

  size_t result = 0, nextOutput = 0;
  for (const bnrt::ValueSpec &value : entry.values) {
    if (value.kind == bnrt::ValueSpec::Kind::Input ||
        value.kind == bnrt::ValueSpec::Kind::State)
      continue;
    ASSERT_LT(result, expected.size());
    const bnrt::Tensor &actual = value.kind == bnrt::ValueSpec::Kind::Output
                                     ? outputs[nextOutput++]
                                     : state.get(value.name);
    bnrt::Tensor jit = bnrt::Tensor::fromValues(expected[result].shape,
                                                expected[result].data);
    EXPECT_LE(relativeDifference(jit, actual), kTolerance)
        << model << " @" << entry.name << ": " << value.name;
    ++result;
  }
  EXPECT_EQ(result, expected.size());
}

const char *kTrainingPipeline = "bn-derive-inference,bn-training-pipeline";
const char *kFusedPipeline = "bn-derive-inference,bn-fuse,bn-schedule";
const char *kFoldedPipeline =
    "bn-derive-inference,bn-fold-inference,canonicalize,cse";

TEST(AotVsJitTest, ConvBnReluTrainingStep) {
  expectAotMatchesJit("conv_bn_relu_nchw.mlir", kTrainingPipeline,
                      ConvBnRelu::train_step_spec(),
                      ConvBnRelu(1).state());
}

TEST(AotVsJitTest, ConvBnReluDerivedInference) {
  expectAotMatchesJit("conv_bn_relu_nchw.mlir", kTrainingPipeline,
                      ConvBnRelu::train_step_infer_spec(),
                      ConvBnRelu(1).state());
}

TEST(AotVsJitTest, FusedBasicBlockTrainingStep) {
  expectAotMatchesJit("residual_block_nchw.mlir", kFusedPipeline,
                      BasicBlock::train_step_spec(), BasicBlock(2).state());
}

TEST(AotVsJitTest, FusedBasicBlockDerivedInference) {
  expectAotMatchesJit("residual_block_nchw.mlir", kFusedPipeline,
                      BasicBlock::train_step_infer_spec(),
                      BasicBlock(2).state());
}

TEST(AotVsJitTest, NhwcTrainingStepAndFoldedInference) {
  expectAotMatchesJit("conv_bn_relu_nhwc.mlir", kFoldedPipeline,
                      ConvBnReluNhwc::train_step_spec(),
                      ConvBnReluNhwc(3).state());
  expectAotMatchesJit("conv_bn_relu_nhwc.mlir", kFoldedPipeline,
                      ConvBnReluNhwc::train_step_infer_spec(),
                      ConvBnReluNhwc(3).state());
}

/// Not an example: a path from the source tree's root.
const char *kBnReluNhwc = "tests/e2e/Inputs/bn_relu_nhwc.mlir";

TEST(AotVsJitTest, InferenceOnViewsOfTheActivations) {
  // The derived inference computes element by element: its kernel takes
  // x and y as rows of channels, which bnrt makes of the tensors.
  const bnrt::EntryPointSpec &infer = BnReluNhwc::train_step_infer_spec();
  ASSERT_EQ(infer.values.front().name, "x");
  EXPECT_EQ(infer.values.front().bufferShape, (std::vector<int64_t>{120, 20}));
  EXPECT_EQ(infer.values.back().bufferShape, (std::vector<int64_t>{120, 20}));
  EXPECT_TRUE(BnReluNhwc::train_step_spec().values.front().bufferShape.empty());
  expectAotMatchesJit(kBnReluNhwc, kFusedPipeline, infer, BnReluNhwc(5).state());
  expectAotMatchesJit(kBnReluNhwc, kFusedPipeline,
                      BnReluNhwc::train_step_spec(), BnReluNhwc(5).state());
}

//===----------------------------------------------------------------------===//
// The generated class
//===----------------------------------------------------------------------===//

void *failingMalloc(void *, size_t) { return nullptr; }

TEST(GeneratedClassTest, FailingStepLeavesStateUntouched) {
  BasicBlock block(4);
  std::mt19937 generator(kSeed);
  bnrt::Tensor x = randomTensor({8, 16, 16, 16}, generator, 0.0f, 1.0f);
  block.train_step(x);
  const bnrt::State before = block.state();

  // Every heap allocation of the kernel fails: Halide gives up half-way.
  halide_malloc_t previous = halide_set_custom_malloc(failingMalloc);
  BasicBlock::TrainStepOutputs outputs;
  bnrt::Status status = block.try_train_step(x, outputs);
  halide_set_custom_malloc(previous);

  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("train_step failed in its kernel"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("the state is unchanged"), std::string::npos);
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(std::memcmp(block.state().at(i).data(), before.at(i).data(),
                          before.at(i).sizeInBytes()),
              0)
        << before.specAt(i).name;
  EXPECT_EQ(block.state().get("bn1.num_batches_tracked").i64()[0], 1);

  // And the next step works and counts.
  block.train_step(x);
  EXPECT_EQ(block.state().get("bn2.num_batches_tracked").i64()[0], 2);
}

TEST(GeneratedClassTest, WrongInputIsAnErrorThatNamesIt) {
  ConvBnRelu model;
  bnrt::Tensor x({8, 16, 16, 3}, bnrt::DType::F32, bnrt::Layout::NHWC);
  try {
    model.train_step(x);
    FAIL() << "a wrong input must throw";
  } catch (const bnrt::Error &e) {
    EXPECT_STREQ(e.what(), "train_step: input 'x' must be f32 [8, 3, 16, 16] "
                           "(NCHW), but got f32 [8, 16, 16, 3] (NHWC)");
  }
  EXPECT_EQ(model.state().get("bn.num_batches_tracked").i64()[0], 0);
}

TEST(GeneratedClassTest, TrainSaveLoadInferReproducesOutputsExactly) {
  BasicBlock trained(5);
  std::mt19937 generator(kSeed);
  for (int step = 0; step < 3; ++step)
    trained.train_step(randomTensor({8, 16, 16, 16}, generator, 1.0f, 2.0f));
  std::string path = ::testing::TempDir() + "/basic_block.safetensors";
  bnrt::Status saved = bnrt::save(trained.state(), path);
  ASSERT_TRUE(saved.ok()) << saved.message();

  BasicBlock restored(/*seed=*/99); // other initial weights, all replaced
  bnrt::Status loaded = bnrt::load(path, restored.state());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(restored.state().get("bn2.num_batches_tracked").i64()[0], 3);

  bnrt::Tensor x = randomTensor({8, 16, 16, 16}, generator, 1.0f, 2.0f);
  bnrt::Tensor expected = trained.train_step_infer(x).y;
  bnrt::Tensor actual = restored.train_step_infer(x).y;
  EXPECT_EQ(std::memcmp(expected.data(), actual.data(), expected.sizeInBytes()),
            0);
}

// The kernel libraries' Halide runtime defines halide_set_num_threads
// weakly, bnrt strongly: in an app's link, Halide's knob sets the threads of
// bnrt's pool, which the kernels run on.
TEST(GeneratedClassTest, HalideSetNumThreadsSetsTheKernelsThreads) {
  BasicBlock block(6);
  std::mt19937 generator(kSeed);
  bnrt::Tensor x = randomTensor({8, 16, 16, 16}, generator, 1.0f, 2.0f);
  int before = halide_set_num_threads(1);
  EXPECT_EQ(bnrt::threadCount(), 1);
  bnrt::Tensor alone = block.train_step_infer(x).y;
  EXPECT_EQ(halide_set_num_threads(3), 1);
  EXPECT_EQ(bnrt::threadCount(), 3);
  bnrt::Tensor shared = block.train_step_infer(x).y;
  halide_set_num_threads(before);
  EXPECT_EQ(bnrt::threadCount(), before);
  // Each output is computed whole by one task: the same bits on any count.
  EXPECT_EQ(std::memcmp(alone.data(), shared.data(), alone.sizeInBytes()), 0);
}

/// `model key [shape] dtype` lines of the PyTorch fixture for `model`.
std::vector<std::string> pytorchStateDict(const std::string &model) {
  std::ifstream file(std::string(BNC_SOURCE_DIR) +
                     "/tests/e2e/Inputs/pytorch_state_dicts.txt");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(file, line))
    if (line.rfind(model + " ", 0) == 0)
      lines.push_back(line.substr(model.size() + 1));
  return lines;
}

std::vector<std::string> bncStateDict(const bnrt::State &state) {
  std::vector<std::string> lines;
  for (const bnrt::StateEntrySpec &spec : state.spec()) {
    std::string shape;
    for (int64_t size : spec.shape)
      shape += (shape.empty() ? "" : "x") + std::to_string(size);
    lines.push_back(spec.name + " [" + shape + "] " + toString(spec.dtype));
  }
  return lines;
}

TEST(GeneratedClassTest, StateDictIsPyTorchs) {
  std::vector<std::string> expected = pytorchStateDict("conv_bn_relu");
  ASSERT_EQ(expected.size(), 6u);
  EXPECT_EQ(bncStateDict(ConvBnRelu().state()), expected);
  expected = pytorchStateDict("basic_block");
  ASSERT_EQ(expected.size(), 12u);
  EXPECT_EQ(bncStateDict(BasicBlock().state()), expected);
}

} // namespace
