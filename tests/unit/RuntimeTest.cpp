//===- RuntimeTest.cpp - bnrt on its own --------------------------------===//
//
// Part of bnc. The runtime without a compiler: tensors and their Halide
// views, state initialisation and checks, and bnrt::call's contract with
// stand-in kernels, above all that a failing step leaves the state exactly as
// it was.
//
//===----------------------------------------------------------------------===//

#include "bnrt/EntryPoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

using namespace bnrt;
using ::testing::HasSubstr;

namespace {

std::vector<StateEntrySpec> bnSpec() {
  return {{"conv.weight", {4, 2, 3, 3}, DType::F32, Init::Uniform, 0.25},
          {"bn.weight", {4}, DType::F32, Init::Ones},
          {"bn.bias", {4}, DType::F32, Init::Zeros},
          {"bn.running_mean", {4}, DType::F32, Init::Zeros},
          {"bn.running_var", {4}, DType::F32, Init::Ones},
          {"bn.num_batches_tracked", {}, DType::I64, Init::Zeros}};
}

std::vector<float> values(const Tensor &tensor) {
  return std::vector<float>(tensor.f32(), tensor.f32() + tensor.numElements());
}

TEST(TensorTest, OwnsZeroedAlignedMemory) {
  Tensor tensor({2, 3}, DType::F32, Layout::Plain);
  EXPECT_EQ(tensor.numElements(), 6);
  EXPECT_EQ(tensor.sizeInBytes(), 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data()) % 64, 0u);
  EXPECT_THAT(values(tensor), ::testing::Each(0.0f));
  Tensor copy = tensor;
  copy.f32()[0] = 1.0f;
  EXPECT_EQ(tensor.f32()[0], 0.0f) << "copies are deep";
}

TEST(TensorTest, RefusesWhatCannotBe) {
  EXPECT_THROW(Tensor({2, -1}), Error);
  EXPECT_THROW(Tensor({1 << 30, 1 << 30, 1 << 30}), Error);
  EXPECT_THROW(Tensor::fromValues({2, 2}, {1, 2, 3}), Error);
  Tensor counter({}, DType::I64);
  EXPECT_THROW(counter.f32(), Error);
  EXPECT_EQ(counter.describe(), "i64 []");
  EXPECT_EQ(Tensor({8, 3, 4, 4}, DType::F32, Layout::NHWC).describe(),
            "f32 [8, 3, 4, 4] (NHWC)");
}

/// (extent, stride) of each dimension of `buffer`, innermost first.
std::vector<std::pair<int32_t, int32_t>>
extentsAndStrides(const halide_buffer_t *buffer) {
  std::vector<std::pair<int32_t, int32_t>> dims;
  for (int32_t d = 0; d < buffer->dimensions; ++d)
    dims.emplace_back(buffer->dim[d].extent, buffer->dim[d].stride);
  return dims;
}

TEST(TensorTest, ViewListsDimensionsInnermostFirst) {
  Tensor tensor({2, 3, 5});
  BufferView view(tensor);
  halide_buffer_t *buffer = view.get();
  EXPECT_EQ(
      extentsAndStrides(buffer),
      (std::vector<std::pair<int32_t, int32_t>>{{5, 1}, {3, 5}, {2, 15}}));
  EXPECT_EQ(buffer->host, tensor.data());
  EXPECT_EQ(buffer->type.code, halide_type_float);
  EXPECT_EQ(buffer->type.bits, 32);
}

TEST(TensorTest, ViewOfFewerDimensionsCoversTheSameElements) {
  Tensor tensor({2, 3, 5, 4}, DType::F32, Layout::NHWC);
  BufferView view(tensor, {30, 4});
  halide_buffer_t *buffer = view.get();
  EXPECT_EQ(extentsAndStrides(buffer),
            (std::vector<std::pair<int32_t, int32_t>>{{4, 1}, {30, 4}}));
  EXPECT_EQ(buffer->host, tensor.data());
  EXPECT_THROW(BufferView(tensor, {30, 5}), Error);
}

TEST(StateTest, StartsAtPyTorchDefaults) {
  State state(bnSpec(), /*seed=*/5);
  EXPECT_EQ(state.names(),
            (std::vector<std::string>{"conv.weight", "bn.weight", "bn.bias",
                                      "bn.running_mean", "bn.running_var",
                                      "bn.num_batches_tracked"}));
  EXPECT_THAT(values(state.get("bn.weight")), ::testing::Each(1.0f));
  EXPECT_THAT(values(state.get("bn.bias")), ::testing::Each(0.0f));
  EXPECT_THAT(values(state.get("bn.running_var")), ::testing::Each(1.0f));
  EXPECT_EQ(state.get("bn.num_batches_tracked").i64()[0], 0);
  std::vector<float> weights = values(state.get("conv.weight"));
  for (float w : weights)
    EXPECT_LE(std::fabs(w), 0.25f);
  EXPECT_GT(*std::max_element(weights.begin(), weights.end()), 0.1f);
  EXPECT_EQ(values(State(bnSpec(), 5).get("conv.weight")), weights)
      << "one seed, one initial state";
  EXPECT_NE(values(State(bnSpec(), 6).get("conv.weight")), weights);
}

TEST(StateTest, EveryEntrySetByNameReadsBack) {
  State state(bnSpec());
  for (size_t i = 0; i < state.size(); ++i) {
    const StateEntrySpec &spec = state.specAt(i);
    Tensor value(spec.shape, spec.dtype);
    if (spec.dtype == DType::F32)
      for (int64_t j = 0; j < value.numElements(); ++j)
        value.f32()[j] = static_cast<float>(i * 100 + j);
    else
      value.i64()[0] = 42;
    ASSERT_TRUE(state.set(spec.name, value).ok()) << spec.name;
    EXPECT_EQ(std::memcmp(state.get(spec.name).data(), value.data(),
                          value.sizeInBytes()),
              0)
        << spec.name;
  }
}

TEST(StateTest, RefusesWrongEntries) {
  State state(bnSpec());
  Status wrongShape = state.set("bn.running_var", Tensor({5}));
  EXPECT_FALSE(wrongShape.ok());
  EXPECT_EQ(wrongShape.message(),
            "state entry 'bn.running_var' must be f32 [4], but got f32 [5]");
  Status wrongType = state.set("bn.num_batches_tracked", Tensor(std::vector<int64_t>{}));
  EXPECT_THAT(wrongType.message(), HasSubstr("must be i64 []"));
  Status missing = state.set("bn.runing_var", Tensor({4}));
  EXPECT_THAT(missing.message(),
              HasSubstr("no state entry 'bn.runing_var'; the model has "
                        "conv.weight, bn.weight"));
  EXPECT_THAT(values(state.get("bn.running_var")), ::testing::Each(1.0f));
  EXPECT_THROW(state.get("bn.gamma"), Error);
}

//===----------------------------------------------------------------------===//
// bnrt::call with stand-in kernels
//===----------------------------------------------------------------------===//

// Buffers: x (input), bn.running_mean (state), y (output), the new
// bn.running_mean (state update).
EntryPointSpec stepSpec(KernelFunction kernel) {
  return {"train_step",
          kernel,
          {{ValueSpec::Kind::Input, "x", {2, 4, 1, 1}, Layout::NCHW},
           {ValueSpec::Kind::State, "bn.running_mean", {4}},
           {ValueSpec::Kind::Output, "y", {2, 4, 1, 1}, Layout::NCHW},
           {ValueSpec::Kind::StateUpdate, "bn.running_mean", {4}}},
          {"bn.num_batches_tracked"}};
}

float *host(void *argument) {
  return reinterpret_cast<float *>(
      static_cast<halide_buffer_t *>(argument)->host);
}

/// y = 2x; new mean = mean + 1.
int doublingKernel(void **arguments) {
  for (int i = 0; i < 8; ++i)
    host(arguments[2])[i] = 2 * host(arguments[0])[i];
  for (int c = 0; c < 4; ++c)
    host(arguments[3])[c] = host(arguments[1])[c] + 1;
  return 0;
}

/// Writes all its outputs, new statistics included, then fails, as a
/// Halide pipeline does when an allocation fails half-way.
int failingKernel(void **arguments) {
  for (int c = 0; c < 4; ++c)
    host(arguments[3])[c] = 1e6f;
  captureHalideError(nullptr, "Out of memory (halide_malloc returned NULL)\n");
  return -1;
}

TEST(CallTest, CommitsTheStepThatSucceeds) {
  State state(bnSpec());
  Tensor x = Tensor::fromValues({2, 4, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 8});
  std::vector<Tensor> outputs;
  ASSERT_TRUE(call(stepSpec(doublingKernel), state, {&x}, outputs).ok());
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(values(outputs[0]),
            (std::vector<float>{2, 4, 6, 8, 10, 12, 14, 16}));
  EXPECT_EQ(outputs[0].layout(), Layout::NCHW);
  EXPECT_THAT(values(state.get("bn.running_mean")), ::testing::Each(1.0f));
  EXPECT_EQ(state.get("bn.num_batches_tracked").i64()[0], 1);
  ASSERT_TRUE(call(stepSpec(doublingKernel), state, {&x}, outputs).ok());
  EXPECT_THAT(values(state.get("bn.running_mean")), ::testing::Each(2.0f));
  EXPECT_EQ(state.get("bn.num_batches_tracked").i64()[0], 2);
}

TEST(CallTest, FailingStepLeavesStateUntouched) {
  State state(bnSpec(), 3);
  Tensor x({2, 4, 1, 1});
  std::vector<Tensor> outputs;
  ASSERT_TRUE(call(stepSpec(doublingKernel), state, {&x}, outputs).ok());
  State before = state;

  Status status = call(stepSpec(failingKernel), state, {&x}, outputs);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "train_step failed in its kernel (Halide error -1): Out of memory "
            "(halide_malloc returned NULL); the state is unchanged");
  for (size_t i = 0; i < state.size(); ++i)
    EXPECT_EQ(std::memcmp(state.at(i).data(), before.at(i).data(),
                          state.at(i).sizeInBytes()),
              0)
        << state.specAt(i).name;
  EXPECT_EQ(state.get("bn.num_batches_tracked").i64()[0], 1);
}

TEST(CallTest, NamesTheWrongInput) {
  State state(bnSpec());
  std::vector<Tensor> outputs;
  Tensor wrongShape({2, 4, 1, 2});
  EXPECT_EQ(call(stepSpec(doublingKernel), state, {&wrongShape}, outputs)
                .message(),
            "train_step: input 'x' must be f32 [2, 4, 1, 1] (NCHW), but got "
            "f32 [2, 4, 1, 2]");
  Tensor wrongLayout({2, 4, 1, 1}, DType::F32, Layout::NHWC);
  EXPECT_THAT(call(stepSpec(doublingKernel), state, {&wrongLayout}, outputs)
                  .message(),
              HasSubstr("but got f32 [2, 4, 1, 1] (NHWC)"));
  EXPECT_THAT(call(stepSpec(doublingKernel), state, {}, outputs).message(),
              HasSubstr("train_step takes 1 inputs, but 0 were given"));
  EXPECT_THAT(call(stepSpec(doublingKernel), state, {nullptr}, outputs)
                  .message(),
              HasSubstr("input 'x' is missing"));
  EXPECT_EQ(state.get("bn.num_batches_tracked").i64()[0], 0);
}

/// y = x; the new mean is NaN, as after a division by a zero variance.
int nanKernel(void **arguments) {
  for (int i = 0; i < 8; ++i)
    host(arguments[2])[i] = host(arguments[0])[i];
  for (int c = 0; c < 4; ++c)
    host(arguments[3])[c] = c == 2 ? NAN : 0.0f;
  return 0;
}

TEST(CallTest, CheckFiniteKeepsNanOutOfTheState) {
  State state(bnSpec());
  Tensor x({2, 4, 1, 1});
  std::vector<Tensor> outputs;
  ASSERT_TRUE(call(stepSpec(nanKernel), state, {&x}, outputs).ok())
      << "unchecked, the NaN is committed";
  EXPECT_TRUE(std::isnan(state.get("bn.running_mean").f32()[2]));

  State checked(bnSpec());
  CallOptions options;
  options.checkFinite = true;
  EXPECT_EQ(call(stepSpec(nanKernel), checked, {&x}, outputs, options).message(),
            "train_step: new state entry 'bn.running_mean' holds nan at [2]; "
            "the state is unchanged");
  EXPECT_THAT(values(checked.get("bn.running_mean")), ::testing::Each(0.0f));
  EXPECT_EQ(checked.get("bn.num_batches_tracked").i64()[0], 0);

  x.f32()[5] = -INFINITY;
  EXPECT_EQ(call(stepSpec(doublingKernel), checked, {&x}, outputs, options)
                .message(),
            "train_step: input 'x' holds -inf at [1, 1, 0, 0]; the state is "
            "unchanged");
}

TEST(TensorTest, FindsTheFirstNonFiniteValue) {
  Tensor tensor({2, 3});
  EXPECT_EQ(findNonFinite(tensor), "");
  tensor.f32()[4] = INFINITY;
  tensor.f32()[5] = NAN;
  EXPECT_EQ(findNonFinite(tensor), "inf at [1, 1]");
}

TEST(CallTest, NamesTheMissingStateEntry) {
  std::vector<StateEntrySpec> spec = bnSpec();
  spec.erase(spec.begin() + 3); // no running_mean
  State state(spec);
  Tensor x({2, 4, 1, 1});
  std::vector<Tensor> outputs;
  EXPECT_THAT(call(stepSpec(doublingKernel), state, {&x}, outputs).message(),
              HasSubstr("train_step: no state entry 'bn.running_mean'"));
}

} // namespace
