//===- HalideVsReferenceTest.cpp - Compiled kernels against the oracle ----===//
//
// Part of bnc. Every op and every example model, lowered to Halide and run
// through its JIT on seeded random data, must agree with the reference
// evaluator to 1e-4 of each output's scale.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Jit.h"
#include "compiler/Transforms/Passes.h"
#include "tests/unit/EvaluatorTestSupport.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <optional>
#include <string>
#include <string_view>

using namespace mlir;
using namespace bnc;
using namespace bnc::testing;

namespace {

constexpr double kTolerance = 1e-4;
constexpr unsigned kSeed = 11;

/// Runs `func` through Halide, scheduled as `config` says; fails the test
/// if it cannot.
SmallVector<Tensor> runHalide(func::FuncOp func, ArrayRef<Tensor> arguments,
                              const halide::ScheduleConfig &config = {}) {
  FailureOr<halide::LoweredPipeline> lowered = halide::lowerToHalide(func);
  EXPECT_TRUE(succeeded(lowered)) << "lowering @" << func.getName().str();
  if (failed(lowered))
    return {};
  std::string error;
  halide::JitPipeline jit(std::move(*lowered), error, config);
  std::vector<HostTensor> hostInputs, outputs;
  for (const Tensor &argument : arguments)
    hostInputs.push_back(reference::toHost(argument));
  EXPECT_TRUE(jit.valid() && jit.run(hostInputs, outputs, error)) << error;
  SmallVector<Tensor> results;
  for (const HostTensor &output : outputs)
    results.push_back(reference::fromHost(output));
  return results;
}

void expectAgree(func::FuncOp func, unsigned seed = kSeed,
                 const halide::ScheduleConfig &config = {}) {
  SmallVector<Tensor> arguments = randomArguments(func, seed);
  SmallVector<Tensor> expected = run(func, arguments);
  SmallVector<Tensor> actual = runHalide(func, arguments, config);
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_LT(relativeError(expected[i], actual[i]), kTolerance)
        << "result #" << i << " of @" << func.getName().str();
}

//===----------------------------------------------------------------------===//
// One op at a time
//===----------------------------------------------------------------------===//

struct OpCase {
  const char *name;
  const char *source;
};

class OpTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpTest, HalideAgreesWithReference) {
  auto context = makeContext();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(GetParam().source, context.get());
  ASSERT_TRUE(module);
  expectAgree(*module->getOps<func::FuncOp>().begin());
}

const OpCase kOpCases[] = {
    {"train_nchw", R"mlir(
      func.func @f(%x: tensor<4x6x5x3xf32>, %c: tensor<6xf32>, %d: tensor<6xf32>)
          -> (tensor<4x6x5x3xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %d, %d, %c
            : tensor<4x6x5x3xf32>, tensor<6xf32>
        return %y, %m, %v, %bm, %bi : tensor<4x6x5x3xf32>, tensor<6xf32>,
            tensor<6xf32>, tensor<6xf32>, tensor<6xf32>
      })mlir"},
    {"train_nhwc_keras", R"mlir(
      func.func @f(%x: tensor<2x5x3x7xf32>, %c: tensor<7xf32>)
          -> (tensor<2x5x3x7xf32>, tensor<7xf32>, tensor<7xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            {feature_axis = -1 : i64, momentum = 0.01 : f32, epsilon = 1.0e-3 : f32,
             running_var_update = #bn.variance<biased>}
            : tensor<2x5x3x7xf32>, tensor<7xf32>
        return %y, %m, %v : tensor<2x5x3x7xf32>, tensor<7xf32>, tensor<7xf32>
      })mlir"},
    // Channels in blocks of 32 per parallel task (the CPU schedule's
    // channel-by-channel path with more than one channel per task).
    {"train_nchw_channel_blocks", R"mlir(
      func.func @f(%x: tensor<2x64x16x16xf32>, %c: tensor<64xf32>)
          -> (tensor<2x64x16x16xf32>, tensor<64xf32>, tensor<64xf32>,
              tensor<64xf32>, tensor<64xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            : tensor<2x64x16x16xf32>, tensor<64xf32>
        return %y, %m, %v, %bm, %bi : tensor<2x64x16x16xf32>, tensor<64xf32>,
            tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
      })mlir"},
    // 2 MB with runs of 4 KB: the streaming schedule rather than channel
    // by channel (its sums read x alone, in memory order).
    {"train_nchw_streaming", R"mlir(
      func.func @f(%x: tensor<8x64x32x32xf32>, %c: tensor<64xf32>)
          -> (tensor<8x64x32x32xf32>, tensor<64xf32>, tensor<64xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            : tensor<8x64x32x32xf32>, tensor<64xf32>
        return %y, %m, %v : tensor<8x64x32x32xf32>, tensor<64xf32>, tensor<64xf32>
      })mlir"},
    // 1.2 MB, runs of the whole batch (8 images of 196 values: vectors and
    // a partial one): channel by channel in groups of 12 channels, two per
    // parallel task.
    {"train_relu_nchw_channel_groups", R"mlir(
      func.func @f(%x: tensor<8x192x14x14xf32>, %c: tensor<192xf32>)
          -> (tensor<8x192x14x14xf32>, tensor<192xf32>, tensor<192xf32>,
              tensor<192xf32>, tensor<192xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            : tensor<8x192x14x14xf32>, tensor<192xf32>
        %r = nn.relu %y : tensor<8x192x14x14xf32>
        return %r, %m, %v, %bm, %bi : tensor<8x192x14x14xf32>, tensor<192xf32>,
            tensor<192xf32>, tensor<192xf32>, tensor<192xf32>
      })mlir"},
    // The gradient in groups of four channels, runs of one image (three
    // images do not divide into runs of two).
    {"grad_nchw_channel_groups", R"mlir(
      func.func @f(%x: tensor<3x128x28x28xf32>, %s: tensor<128xf32>,
                   %mean: tensor<128xf32>, %inv_std: tensor<128xf32>,
                   %dy: tensor<3x128x28x28xf32>)
          -> (tensor<3x128x28x28xf32>, tensor<128xf32>, tensor<128xf32>) {
        %dx, %ds, %do = bn.batch_norm_grad %x, %s, %mean, %inv_std, %dy
            : tensor<3x128x28x28xf32>, tensor<128xf32>
        return %dx, %ds, %do : tensor<3x128x28x28xf32>, tensor<128xf32>, tensor<128xf32>
      })mlir"},
    // In cache, runs of 98 values (two images of 7 x 7): the gradient's
    // sums in the lanes of its runs (one vector of partial sums for 49
    // values and its tail), the forward's across channels (with 8-lane
    // vectors both in lanes, channel by channel); 40 channels: a partial
    // vector of them.
    {"train_grad_nchw_short_runs_in_cache", R"mlir(
      func.func @f(%x: tensor<2x40x7x7xf32>, %s: tensor<40xf32>, %o: tensor<40xf32>,
                   %dy: tensor<2x40x7x7xf32>)
          -> (tensor<2x40x7x7xf32>, tensor<2x40x7x7xf32>, tensor<40xf32>,
              tensor<40xf32>, tensor<40xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %o, %s
            : tensor<2x40x7x7xf32>, tensor<40xf32>
        %dx, %ds, %do = bn.batch_norm_grad %x, %s, %bm, %bi, %dy
            : tensor<2x40x7x7xf32>, tensor<40xf32>
        return %y, %dx, %ds, %do, %v : tensor<2x40x7x7xf32>, tensor<2x40x7x7xf32>,
            tensor<40xf32>, tensor<40xf32>, tensor<40xf32>
      })mlir"},
    // The same with runs of 392 values (two images of 14 x 14), long
    // enough for channel by channel, which two activation outputs rule
    // out (Halide refused the schedule before session 13).
    {"train_grad_nchw_in_cache", R"mlir(
      func.func @f(%x: tensor<2x40x14x14xf32>, %s: tensor<40xf32>, %o: tensor<40xf32>,
                   %dy: tensor<2x40x14x14xf32>)
          -> (tensor<2x40x14x14xf32>, tensor<2x40x14x14xf32>, tensor<40xf32>,
              tensor<40xf32>, tensor<40xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %o, %s
            : tensor<2x40x14x14xf32>, tensor<40xf32>
        %dx, %ds, %do = bn.batch_norm_grad %x, %s, %bm, %bi, %dy
            : tensor<2x40x14x14xf32>, tensor<40xf32>
        return %y, %dx, %ds, %do, %v : tensor<2x40x14x14xf32>, tensor<2x40x14x14xf32>,
            tensor<40xf32>, tensor<40xf32>, tensor<40xf32>
      })mlir"},
    // Runs of 75 values (three images of 25): summed across channels with
    // 16-lane vectors, a vector of them and a partial one; in the lanes of
    // the runs with 8-lane vectors (one vector of partial sums per image,
    // added up as a tree).
    {"train_nchw_short_runs", R"mlir(
      func.func @f(%x: tensor<3x20x5x5xf32>, %c: tensor<20xf32>)
          -> (tensor<3x20x5x5xf32>, tensor<20xf32>, tensor<20xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            : tensor<3x20x5x5xf32>, tensor<20xf32>
        return %y, %m, %v : tensor<3x20x5x5xf32>, tensor<20xf32>, tensor<20xf32>
      })mlir"},
    // In cache, runs of one image of 7 x 7, too short for one channel at a
    // time: channel by channel in groups of 64 channels, four per parallel
    // task, each channel's sums in the lanes of its run.
    {"train_relu_nchw_short_runs_in_groups", R"mlir(
      func.func @f(%x: tensor<1x512x7x7xf32>, %c: tensor<512xf32>)
          -> (tensor<1x512x7x7xf32>, tensor<512xf32>, tensor<512xf32>,
              tensor<512xf32>, tensor<512xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            : tensor<1x512x7x7xf32>, tensor<512xf32>
        %r = nn.relu %y : tensor<1x512x7x7xf32>
        return %r, %m, %v, %bm, %bi : tensor<1x512x7x7xf32>, tensor<512xf32>,
            tensor<512xf32>, tensor<512xf32>, tensor<512xf32>
      })mlir"},
    // Runs of 9 values: summed across channels whatever the vectors, a
    // vector of channels and a partial one.
    {"train_nchw_runs_across_channels", R"mlir(
      func.func @f(%x: tensor<1x20x3x3xf32>, %c: tensor<20xf32>)
          -> (tensor<1x20x3x3xf32>, tensor<20xf32>, tensor<20xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            : tensor<1x20x3x3xf32>, tensor<20xf32>
        return %y, %m, %v : tensor<1x20x3x3xf32>, tensor<20xf32>, tensor<20xf32>
      })mlir"},
    // NHWC in cache, one part of the batch: blocks of 256 channels, one per
    // task, each summed four vectors at a time.
    {"train_relu_nhwc_channel_blocks", R"mlir(
      func.func @f(%x: tensor<1x7x7x512xf32>, %c: tensor<512xf32>)
          -> (tensor<1x7x7x512xf32>, tensor<512xf32>, tensor<512xf32>,
              tensor<512xf32>, tensor<512xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            {feature_axis = -1 : i64} : tensor<1x7x7x512xf32>, tensor<512xf32>
        %r = nn.relu %y : tensor<1x7x7x512xf32>
        return %r, %m, %v, %bm, %bi : tensor<1x7x7x512xf32>, tensor<512xf32>,
            tensor<512xf32>, tensor<512xf32>, tensor<512xf32>
      })mlir"},
    // The same for a gradient, two images of 7 x 7, 64 channels: one block.
    {"grad_nhwc_channel_blocks", R"mlir(
      func.func @f(%x: tensor<2x7x7x64xf32>, %s: tensor<64xf32>, %mean: tensor<64xf32>,
                   %inv_std: tensor<64xf32>, %dy: tensor<2x7x7x64xf32>)
          -> (tensor<2x7x7x64xf32>, tensor<64xf32>, tensor<64xf32>) {
        %dx, %ds, %do = bn.batch_norm_grad %x, %s, %mean, %inv_std, %dy
            {feature_axis = -1 : i64} : tensor<2x7x7x64xf32>, tensor<64xf32>
        return %dx, %ds, %do : tensor<2x7x7x64xf32>, tensor<64xf32>, tensor<64xf32>
      })mlir"},
    // NHWC with H x W over 4096: runs (f32) of a row (W), rows and images
    // added in double; 20 channels: a vector and a partial one.
    {"train_nhwc_runs_of_a_row", R"mlir(
      func.func @f(%x: tensor<2x70x60x20xf32>, %c: tensor<20xf32>)
          -> (tensor<2x70x60x20xf32>, tensor<20xf32>, tensor<20xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            {feature_axis = 3 : i64} : tensor<2x70x60x20xf32>, tensor<20xf32>
        return %y, %m, %v : tensor<2x70x60x20xf32>, tensor<20xf32>, tensor<20xf32>
      })mlir"},
    // H = W = 1: channels contiguous; 130 rows in runs of 26 images,
    // summed in 2 parts.
    {"train_nchw_1x1_parts", R"mlir(
      func.func @f(%x: tensor<130x5x1x1xf32>, %c: tensor<5xf32>)
          -> (tensor<130x5x1x1xf32>, tensor<5xf32>, tensor<5xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
            : tensor<130x5x1x1xf32>, tensor<5xf32>
        return %y, %m, %v : tensor<130x5x1x1xf32>, tensor<5xf32>, tensor<5xf32>
      })mlir"},
    {"infer", R"mlir(
      func.func @f(%x: tensor<3x4x2x2xf32>, %s: tensor<4xf32>, %o: tensor<4xf32>,
                   %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<3x4x2x2xf32> {
        %y = bn.batch_norm_infer %x, %s, %o, %m, %v : tensor<3x4x2x2xf32>, tensor<4xf32>
        return %y : tensor<3x4x2x2xf32>
      })mlir"},
    {"grad", R"mlir(
      func.func @f(%x: tensor<4x3x2x2xf32>, %s: tensor<3xf32>, %o: tensor<3xf32>,
                   %dy: tensor<4x3x2x2xf32>)
          -> (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %o, %s
            : tensor<4x3x2x2xf32>, tensor<3xf32>
        %dx, %ds, %do = bn.batch_norm_grad %x, %s, %bm, %bi, %dy
            : tensor<4x3x2x2xf32>, tensor<3xf32>
        return %dx, %ds, %do : tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>
      })mlir"},
    // NHWC: 250 rows summed in 3 parts of 4, 4 and 2 images.
    {"grad_nhwc_parts", R"mlir(
      func.func @f(%x: tensor<10x5x5x3xf32>, %s: tensor<3xf32>, %o: tensor<3xf32>,
                   %dy: tensor<10x5x5x3xf32>)
          -> (tensor<10x5x5x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
        %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %o, %s
            {feature_axis = -1 : i64} : tensor<10x5x5x3xf32>, tensor<3xf32>
        %dx, %ds, %do = bn.batch_norm_grad %x, %s, %bm, %bi, %dy
            {feature_axis = -1 : i64} : tensor<10x5x5x3xf32>, tensor<3xf32>
        return %dx, %ds, %do, %v : tensor<10x5x5x3xf32>, tensor<3xf32>,
            tensor<3xf32>, tensor<3xf32>
      })mlir"},
    {"stats_affine", R"mlir(
      func.func @f(%x: tensor<5x2x3xf32>, %c: tensor<3xf32>)
          -> (tensor<3xf32>, tensor<3xf32>, tensor<5x2x3xf32>) {
        %mean, %var = bn.stats %x {feature_axis = 2 : i64} : tensor<5x2x3xf32> -> tensor<3xf32>
        %y = bn.affine %x, %c, %mean {feature_axis = 2 : i64} : tensor<5x2x3xf32>, tensor<3xf32>
        return %mean, %var, %y : tensor<3xf32>, tensor<3xf32>, tensor<5x2x3xf32>
      })mlir"},
    // Channel first: nothing outside the channel, one level of sums.
    {"stats_channel_first", R"mlir(
      func.func @f(%x: tensor<3x4x20xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
        %mean, %var = bn.stats %x {feature_axis = 0 : i64} : tensor<3x4x20xf32> -> tensor<3xf32>
        return %mean, %var : tensor<3xf32>, tensor<3xf32>
      })mlir"},
    {"conv_nchw_strided_dilated_bias", R"mlir(
      func.func @f(%x: tensor<2x3x9x8xf32>, %w: tensor<4x3x3x2xf32>, %b: tensor<4xf32>)
          -> tensor<2x4x3x4xf32> {
        %y = nn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 2, 1>,
                                   padding = array<i64: 1, 0, 1, 0>}
            : tensor<2x3x9x8xf32>, tensor<4x3x3x2xf32>, tensor<4xf32> -> tensor<2x4x3x4xf32>
        return %y : tensor<2x4x3x4xf32>
      })mlir"},
    {"conv_nhwc_grouped", R"mlir(
      func.func @f(%x: tensor<1x6x6x4xf32>, %w: tensor<3x3x2x6xf32>) -> tensor<1x6x6x6xf32> {
        %y = nn.conv2d %x, %w {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>,
                               layout = #nn.layout<nhwc>}
            : tensor<1x6x6x4xf32>, tensor<3x3x2x6xf32> -> tensor<1x6x6x6xf32>
        return %y : tensor<1x6x6x6xf32>
      })mlir"},
    // NHWC tiles in registers: 20 output channels (a vector and 4), rows
    // of 10 pixels (a block of 8 and 2), 18 rows in parallel.
    {"conv_nhwc_register_tiles", R"mlir(
      func.func @f(%x: tensor<2x9x10x5xf32>, %w: tensor<3x3x5x20xf32>, %b: tensor<20xf32>)
          -> tensor<2x9x10x20xf32> {
        %y = nn.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>,
                                   layout = #nn.layout<nhwc>}
            : tensor<2x9x10x5xf32>, tensor<3x3x5x20xf32>, tensor<20xf32> -> tensor<2x9x10x20xf32>
        return %y : tensor<2x9x10x20xf32>
      })mlir"},
    // NCHW rows long enough for tiles a vector wide (16 pixels with
    // AVX-512), with tails in the row and in the output channels; the
    // result is computed in the layer's tiles.
    {"conv_nchw_register_tiles_long_rows", R"mlir(
      func.func @f(%x: tensor<2x3x3x37xf32>, %w: tensor<20x3x1x3xf32>, %b: tensor<20xf32>)
          -> tensor<2x20x3x37xf32> {
        %y = nn.conv2d %x, %w, %b {padding = array<i64: 0, 0, 1, 1>}
            : tensor<2x3x3x37xf32>, tensor<20x3x1x3xf32>, tensor<20xf32> -> tensor<2x20x3x37xf32>
        %r = nn.relu %y : tensor<2x20x3x37xf32>
        return %r : tensor<2x20x3x37xf32>
      })mlir"},
    // A constant NCHW filter, relaid at compile time (grouped: each output
    // channel sees two of the four inputs); the layer is read by two
    // results, so it is held in a buffer between them.
    {"conv_nchw_constant_filter_two_results", R"mlir(
      func.func @f(%x: tensor<1x4x5x6xf32>)
          -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
        %w = arith.constant dense<
          [[[[-0.5, -0.13, 0.24], [-0.39, -0.02, 0.35]],
            [[-0.28, 0.09, 0.46], [-0.17, 0.2, -0.43]]],
           [[[-0.06, 0.31, -0.32], [0.05, 0.42, -0.21]],
            [[0.16, -0.47, -0.1], [0.27, -0.36, 0.01]]],
           [[[0.38, -0.25, 0.12], [0.49, -0.14, 0.23]],
            [[-0.4, -0.03, 0.34], [-0.29, 0.08, 0.45]]],
           [[[-0.18, 0.19, -0.44], [-0.07, 0.3, -0.33]],
            [[0.04, 0.41, -0.22], [0.15, -0.48, -0.11]]]]> : tensor<4x2x2x3xf32>
        %y = nn.conv2d %x, %w {groups = 2 : i64}
            : tensor<1x4x5x6xf32>, tensor<4x2x2x3xf32> -> tensor<1x4x4x4xf32>
        %r = nn.relu %y : tensor<1x4x4x4xf32>
        return %y, %r : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
      })mlir"},
    {"dense_relu_add", R"mlir(
      func.func @f(%x: tensor<3x10xf32>, %w: tensor<10x10xf32>, %b: tensor<10xf32>)
          -> tensor<3x10xf32> {
        %d = nn.dense %x, %w, %b : tensor<3x10xf32>, tensor<10x10xf32>, tensor<10xf32> -> tensor<3x10xf32>
        %r = nn.relu %d : tensor<3x10xf32>
        %s = nn.add %r, %x : tensor<3x10xf32>
        return %s : tensor<3x10xf32>
      })mlir"},
    // Element-wise per channel: lowered onto views of the activations
    // (NHWC as rows of channels; a constant and a callee of the
    // activations' shape with them), with tails in the rows and channels.
    {"infer_relu_add_nhwc_view", R"mlir(
      func.func @f(%x: tensor<2x3x5x20xf32>, %s: tensor<20xf32>, %o: tensor<20xf32>,
                   %m: tensor<20xf32>, %v: tensor<20xf32>, %r: tensor<2x3x5x20xf32>)
          -> (tensor<2x3x5x20xf32>, tensor<20xf32>) {
        %y = bn.batch_norm_infer %x, %s, %o, %m, %v {feature_axis = -1 : i64}
            : tensor<2x3x5x20xf32>, tensor<20xf32>
        %k = arith.constant dense<0.25> : tensor<2x3x5x20xf32>
        %a = arith.mulf %r, %k : tensor<2x3x5x20xf32>
        %z = func.call @add_relu(%y, %a)
            : (tensor<2x3x5x20xf32>, tensor<2x3x5x20xf32>) -> tensor<2x3x5x20xf32>
        %t = arith.mulf %s, %o : tensor<20xf32>
        return %z, %t : tensor<2x3x5x20xf32>, tensor<20xf32>
      }
      func.func private @add_relu(%a: tensor<2x3x5x20xf32>, %b: tensor<2x3x5x20xf32>)
          -> tensor<2x3x5x20xf32> {
        %s = nn.add %a, %b : tensor<2x3x5x20xf32>
        %r = nn.relu %s : tensor<2x3x5x20xf32>
        return %r : tensor<2x3x5x20xf32>
      })mlir"},
    // NCHW as N x C x (H*W); the channel first as C x (rest).
    {"affine_nchw_view", R"mlir(
      func.func @f(%x: tensor<3x5x4x7xf32>, %a: tensor<5xf32>, %b: tensor<5xf32>)
          -> tensor<3x5x4x7xf32> {
        %y = bn.affine %x, %a, %b : tensor<3x5x4x7xf32>, tensor<5xf32>
        return %y : tensor<3x5x4x7xf32>
      })mlir"},
    {"affine_channel_first_view", R"mlir(
      func.func @f(%x: tensor<6x4x3xf32>, %a: tensor<6xf32>, %b: tensor<6xf32>)
          -> tensor<6x4x3xf32> {
        %y = bn.affine %x, %a, %b {feature_axis = 0 : i64} : tensor<6x4x3xf32>, tensor<6xf32>
        return %y : tensor<6x4x3xf32>
      })mlir"},
    {"arith_math_and_constants", R"mlir(
      func.func @f(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
        %k = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
        %s = arith.addf %a, %k : tensor<4xf32>
        %r = math.rsqrt %s : tensor<4xf32>
        %m = arith.mulf %r, %b : tensor<4xf32>
        %n = arith.negf %m : tensor<4xf32>
        %d = arith.divf %n, %s : tensor<4xf32>
        %t = arith.subf %d, %b : tensor<4xf32>
        return %t, %b : tensor<4xf32>, tensor<4xf32>
      })mlir"},
};

INSTANTIATE_TEST_SUITE_P(Ops, OpTest, ::testing::ValuesIn(kOpCases),
                         [](const ::testing::TestParamInfo<OpCase> &info) {
                           return std::string(info.param.name);
                         });

//===----------------------------------------------------------------------===//
// Every op again with the CPU tunables pushed the other way
//===----------------------------------------------------------------------===//

/// CPU tunables that turn each of the schedule's choices around: the
/// tunables change how a kernel runs, never what it computes.
struct TunablesCase {
  const char *name;
  const char *tunables;
};

const TunablesCase kTunablesCases[] = {
    // Nothing channel by channel: everything streams.
    {"streaming", "channel-run-bytes=1G,cache-resident-bytes=0"},
    // Runs across channels, one vector of partial sums, nothing unrolled,
    // no prefetch.
    {"across_channels", "partial-sum-vectors=1,min-vectors-per-run=64,"
                        "unrolled-vectors=0,prefetch-next-channel=0"},
    // Channel by channel wherever it applies, in one task, eight vectors of
    // partial sums, every output of whole-line rows non-temporal.
    {"channel_by_channel", "channel-run-bytes=64,min-vectors-per-run=1,"
                           "streaming-tasks=1,partial-sum-vectors=8,"
                           "nontemporal-bytes=0"},
};

class TunablesTest
    : public ::testing::TestWithParam<std::tuple<OpCase, TunablesCase>> {};

TEST_P(TunablesTest, HalideAgreesWithReference) {
  auto [op, tunables] = GetParam();
  halide::ScheduleConfig config;
  std::string error;
  ASSERT_TRUE(halide::parseCpuTunables(tunables.tunables, config.cpu, error))
      << error;
  auto context = makeContext();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(op.source, context.get());
  ASSERT_TRUE(module);
  expectAgree(*module->getOps<func::FuncOp>().begin(), kSeed, config);
}

INSTANTIATE_TEST_SUITE_P(
    Ops, TunablesTest,
    ::testing::Combine(::testing::ValuesIn(kOpCases),
                       ::testing::ValuesIn(kTunablesCases)),
    [](const ::testing::TestParamInfo<std::tuple<OpCase, TunablesCase>> &info) {
      return std::string(std::get<0>(info.param).name) + "_" +
             std::get<1>(info.param).name;
    });

//===----------------------------------------------------------------------===//
// The example models, as written and after the bn-opt pipelines
//===----------------------------------------------------------------------===//

struct ModelCase {
  const char *file;
  const char *entry;
  const char *pipeline; // bn-opt passes, "" for none
};

class ModelTest : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ModelTest, HalideAgreesWithReference) {
  auto context = makeContext();
  registerAllPasses();
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(exampleModelPath(GetParam().file), context.get());
  ASSERT_TRUE(module);
  if (*GetParam().pipeline) {
    PassManager pm(context.get());
    ASSERT_TRUE(succeeded(parsePassPipeline(GetParam().pipeline, pm)));
    ASSERT_TRUE(succeeded(pm.run(*module)));
  }
  auto func = module->lookupSymbol<func::FuncOp>(GetParam().entry);
  ASSERT_TRUE(func) << "no @" << GetParam().entry;
  expectAgree(func);
}

const ModelCase kModelCases[] = {
    {"conv_bn_relu_nchw.mlir", "train_step", ""},
    {"conv_bn_relu_nhwc.mlir", "train_step", ""},
    {"residual_block_nchw.mlir", "train_step", ""},
    {"residual_block_nhwc.mlir", "train_step", ""},
    {"frozen_conv_bn_relu_nchw.mlir", "predict", ""},
    {"frozen_conv_bn_relu_nhwc.mlir", "predict", ""},
    {"frozen_conv_bn_relu_nchw.mlir", "predict",
     "bn-inference-pipeline"},
    {"residual_block_nhwc.mlir", "train_step_infer",
     "bn-inference-pipeline"},
    {"residual_block_nchw.mlir", "train_step", "bn-decompose"},
    {"residual_block_nchw.mlir", "train_step", "bn-fuse,bn-schedule"},
    {"residual_block_nhwc.mlir", "train_step", "bn-fuse,bn-schedule{target=auto}"},
    {"conv_bn_relu_nhwc.mlir", "train_step", "bn-fuse,bn-schedule"},
};

INSTANTIATE_TEST_SUITE_P(Examples, ModelTest, ::testing::ValuesIn(kModelCases),
                         [](const ::testing::TestParamInfo<ModelCase> &info) {
                           std::string name = std::string(info.param.file);
                           name = name.substr(0, name.find('.')) + "_" +
                                  info.param.entry + "_" +
                                  std::to_string(info.index);
                           return name;
                         });

//===----------------------------------------------------------------------===//
// The buffers' views of the activations
//===----------------------------------------------------------------------===//

/// The shapes of the buffers of @f's pipeline, inputs then outputs.
std::vector<SmallVector<int64_t>> bufferShapes(const char *source) {
  auto context = makeContext();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, context.get());
  EXPECT_TRUE(module);
  if (!module)
    return {};
  FailureOr<halide::LoweredPipeline> lowered =
      halide::lowerToHalide(module->lookupSymbol<func::FuncOp>("f"));
  EXPECT_TRUE(succeeded(lowered));
  if (failed(lowered))
    return {};
  return lowered->bufferShapes();
}

using Shapes = std::vector<SmallVector<int64_t>>;

TEST(ActivationView, ElementwisePipelinesMergeAroundTheChannel) {
  auto source = [](std::string_view name) {
    for (const OpCase &op : kOpCases)
      if (name == op.name)
        return op.source;
    ADD_FAILURE() << name;
    return "";
  };
  EXPECT_EQ(bufferShapes(source("infer_relu_add_nhwc_view")),
            (Shapes{{30, 20}, {20}, {20}, {20}, {20}, {30, 20}, {30, 20}, {20}}));
  EXPECT_EQ(bufferShapes(source("affine_nchw_view")),
            (Shapes{{3, 5, 28}, {5}, {5}, {3, 5, 28}}));
  EXPECT_EQ(bufferShapes(source("affine_channel_first_view")),
            (Shapes{{6, 12}, {6}, {6}, {6, 12}}));
  // NCHW with H = W = 1: rows of channels.
  EXPECT_EQ(bufferShapes(R"mlir(
      func.func @f(%x: tensor<4x3x1x1xf32>, %c: tensor<3xf32>) -> tensor<4x3x1x1xf32> {
        %y = bn.affine %x, %c, %c : tensor<4x3x1x1xf32>, tensor<3xf32>
        return %y : tensor<4x3x1x1xf32>
      })mlir"),
            (Shapes{{4, 3}, {3}, {4, 3}}));
}

TEST(ActivationView, SumsLayersAndMixedChannelsKeepTheirShapes) {
  // Sums: their runs are an image's positions.
  EXPECT_EQ(bufferShapes(R"mlir(
      func.func @f(%x: tensor<2x3x3x4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
        %m, %v = bn.stats %x {feature_axis = 3 : i64} : tensor<2x3x3x4xf32> -> tensor<4xf32>
        return %m, %v : tensor<4xf32>, tensor<4xf32>
      })mlir"),
            (Shapes{{2, 3, 3, 4}, {4}, {4}}));
  // A layer needs its spatial dimensions.
  EXPECT_EQ(bufferShapes(R"mlir(
      func.func @f(%x: tensor<1x4x4x2xf32>, %w: tensor<1x1x2x2xf32>, %c: tensor<2xf32>)
          -> tensor<1x4x4x2xf32> {
        %y = nn.conv2d %x, %w {layout = #nn.layout<nhwc>}
            : tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32> -> tensor<1x4x4x2xf32>
        %z = bn.affine %y, %c, %c {feature_axis = 3 : i64} : tensor<1x4x4x2xf32>, tensor<2xf32>
        return %z : tensor<1x4x4x2xf32>
      })mlir"),
            (Shapes{{1, 4, 4, 2}, {1, 1, 2, 2}, {2}, {1, 4, 4, 2}}));
  // Two channels of one tensor, or activations of two shapes: no one view.
  EXPECT_EQ(bufferShapes(R"mlir(
      func.func @f(%x: tensor<2x3x3xf32>, %c: tensor<3xf32>) -> tensor<2x3x3xf32> {
        %y = bn.affine %x, %c, %c {feature_axis = 1 : i64} : tensor<2x3x3xf32>, tensor<3xf32>
        %z = bn.affine %y, %c, %c {feature_axis = 2 : i64} : tensor<2x3x3xf32>, tensor<3xf32>
        return %z : tensor<2x3x3xf32>
      })mlir"),
            (Shapes{{2, 3, 3}, {3}, {2, 3, 3}}));
  EXPECT_EQ(bufferShapes(R"mlir(
      func.func @f(%x: tensor<2x3x3xf32>, %w: tensor<4x3x3xf32>, %c: tensor<3xf32>)
          -> (tensor<2x3x3xf32>, tensor<4x3x3xf32>) {
        %y = bn.affine %x, %c, %c {feature_axis = 2 : i64} : tensor<2x3x3xf32>, tensor<3xf32>
        %z = nn.relu %w : tensor<4x3x3xf32>
        return %y, %z : tensor<2x3x3xf32>, tensor<4x3x3xf32>
      })mlir"),
            (Shapes{{2, 3, 3}, {4, 3, 3}, {3}, {2, 3, 3}, {4, 3, 3}}));
}

TEST(ActivationView, JitTakesBuffersOfTheTensorsShapes) {
  auto context = makeContext();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(R"mlir(
      func.func @f(%x: tensor<2x2x3x4xf32>, %a: tensor<4xf32>) -> tensor<2x2x3x4xf32> {
        %y = bn.affine %x, %a, %a {feature_axis = 3 : i64} : tensor<2x2x3x4xf32>, tensor<4xf32>
        return %y : tensor<2x2x3x4xf32>
      })mlir",
                                                             context.get());
  ASSERT_TRUE(module);
  FailureOr<halide::LoweredPipeline> lowered =
      halide::lowerToHalide(module->lookupSymbol<func::FuncOp>("f"));
  ASSERT_TRUE(succeeded(lowered));
  std::string error;
  halide::JitPipeline jit(std::move(*lowered), error);
  ASSERT_TRUE(jit.valid()) << error;
  std::vector<float> x(48), a = {1.0f, 2.0f, 3.0f, 4.0f}, y(48);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(i);
  Halide::Buffer<float> xs(x.data(), {4, 3, 2, 2}), as(a.data(), {4}),
      ys(y.data(), {4, 3, 2, 2});
  ASSERT_TRUE(jit.run({xs, as}, {ys}, error)) << error;
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_EQ(y[i], x[i] * a[i % 4] + a[i % 4]) << i;
  // A buffer of the view's shape, or of another, is refused.
  Halide::Buffer<float> flat(y.data(), {4, 12});
  EXPECT_FALSE(jit.run({xs, as}, {flat}, error));
  EXPECT_NE(error.find("output #0 of @f must be a dense buffer of shape "
                       "[2, 2, 3, 4]"),
            std::string::npos)
      << error;
}

//===----------------------------------------------------------------------===//
// Numbers worked out by hand, and statistics that must not lose precision
//===----------------------------------------------------------------------===//

TEST(TrainingStep, PyTorchConventionByHand) {
  // Channel 0 is [1, 3, 5, 7]: mean 4, biased variance 5, unbiased 20/3.
  auto context = makeContext();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%x: tensor<4x1xf32>, %c: tensor<1xf32>)
        -> (tensor<4x1xf32>, tensor<1xf32>, tensor<1xf32>) {
      %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
          {momentum = 0.1 : f32} : tensor<4x1xf32>, tensor<1xf32>
      return %y, %m, %v : tensor<4x1xf32>, tensor<1xf32>, tensor<1xf32>
    })mlir",
                                                             context.get());
  ASSERT_TRUE(module);
  auto results = runHalide(*module->getOps<func::FuncOp>().begin(),
                           {Tensor({4, 1}, {1, 3, 5, 7}), Tensor({1}, {1.0})});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_NEAR(results[0].data[0], -3.0 / std::sqrt(5.0 + 1e-5) + 1.0, 1e-6);
  EXPECT_NEAR(results[1].data[0], 0.9 * 1.0 + 0.1 * 4.0, 1e-6);
  EXPECT_NEAR(results[2].data[0], 0.9 * 1.0 + 0.1 * 20.0 / 3.0, 1e-6);
}

/// Values of mean 1e4 and standard deviation 1, in a [positions, channels,
/// run] tensor (`channelsLast`: [positions, run, channels]); the bn.stats
/// of them, by Halide, must be within 1e-3 (relative, for the variance) of
/// float64's two-pass statistics of the same f32 values. `shift` sets each
/// channel's first value.
void expectStatisticsOfLargeMean(int64_t positions, int64_t channels,
                                 int64_t run,
                                 std::optional<double> shift = std::nullopt,
                                 bool channelsLast = false) {
  std::vector<int64_t> shape =
      channelsLast ? std::vector<int64_t>{positions, run, channels}
                   : std::vector<int64_t>{positions, channels, run};
  std::string type = "tensor<" + std::to_string(shape[0]) + "x" +
                     std::to_string(shape[1]) + "x" +
                     std::to_string(shape[2]) + "xf32>";
  std::string vector = "tensor<" + std::to_string(channels) + "xf32>";
  std::string source =
      "func.func @f(%x: " + type + ") -> (" + vector + ", " + vector +
      ") {\n  %mean, %var = bn.stats %x {feature_axis = " +
      (channelsLast ? "2" : "1") + " : i64} : " + type + " -> " + vector +
      "\n  return %mean, %var : " + vector + ", " + vector + "\n}\n";
  auto context = makeContext();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, context.get());
  ASSERT_TRUE(module);
  std::mt19937 generator(kSeed);
  std::normal_distribution<double> normal(1e4, 1.0);
  Tensor x = Tensor::filled(shape, 0.0);
  for (double &value : x.data)
    value = static_cast<float>(normal(generator));
  auto channelOf = [&](int64_t i) {
    return channelsLast ? i % channels : (i / run) % channels;
  };
  if (shift)
    for (int64_t c = 0; c < channels; ++c)
      x.data[channelsLast ? c : c * run] = static_cast<float>(*shift);

  double samples = static_cast<double>(positions * run);
  std::vector<double> mean(channels), var(channels);
  for (int64_t i = 0; i < x.numElements(); ++i)
    mean[channelOf(i)] += x.data[i] / samples;
  for (int64_t i = 0; i < x.numElements(); ++i) {
    double d = x.data[i] - mean[channelOf(i)];
    var[channelOf(i)] += d * d / samples;
  }
  auto results = runHalide(*module->getOps<func::FuncOp>().begin(), {x});
  ASSERT_EQ(results.size(), 2u);
  for (int64_t c = 0; c < channels; ++c) {
    EXPECT_NEAR(results[0].data[c], mean[c], 1e-3);
    EXPECT_NEAR(results[1].data[c] / var[c], 1.0, 1e-3) << "channel " << c;
  }
}

TEST(Statistics, LargeMeanSmallVarianceOverAMillionValues) {
  // m = 1e6 per channel: a naive sum / sum-of-squares in f32 gets the
  // variance wrong by orders of magnitude.
  expectStatisticsOfLargeMean(1000, 2, 1000);
}

TEST(Statistics, LongRunsAndAShiftFarFromTheMean) {
  // Each run of a channel (here 65536 values, 4096 per vector lane) is
  // summed in f32, shifted by the channel's first value; a first value ten
  // standard deviations from the mean makes sum(d^2) - sum(d)^2 / m cancel
  // a hundredfold (measured: within 1e-5 to 7e-5 of float64's).
  expectStatisticsOfLargeMean(4, 2, 65536, /*shift=*/1e4 + 10.0);
}

TEST(Statistics, ChannelsLastRunsAndAShiftFarFromTheMean) {
  // Channels contiguous (NHWC): a run is an image's positions (here 4096,
  // the longest allowed), strided, summed in f32 by one vector lane per
  // channel (measured: within 1.6e-4 of float64's).
  expectStatisticsOfLargeMean(16, 20, 4096, /*shift=*/1e4 + 10.0,
                              /*channelsLast=*/true);
}

TEST(Statistics, ChannelsLastPositionsTooLongForRuns) {
  // 65536 positions in one dimension: every value is added in double.
  expectStatisticsOfLargeMean(4, 20, 65536, /*shift=*/1e4 + 10.0,
                              /*channelsLast=*/true);
}

} // namespace
