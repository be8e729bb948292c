//===- NativeCodeTest.cpp - Halide kernels finished by bnc's LLVM ---------===//
//
// Part of bnc. The stores of the outputs named non-temporal, and only
// those, become non-temporal (behind a run-time alignment check), and the
// functions that make them end with a fence; embedded constants are aligned
// for the widest vector loads. What the stores compute is pinned by the
// end-to-end tests, which run every kernel this way. Which outputs are
// named: the large ones with rows of whole cache lines, outside layers.
// And the JIT's runtime runs work on each of its threads.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/NativeCode.h"
#include "compiler/Codegen/Halide/Jit.h"

#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace {

using bnc::halide::finishHalideModule;

/// Doubles `in` into `twice` and copies it into `copy`, 16 lanes at a time;
/// `twiceName` is what Halide calls the first output's buffer (the name is
/// made unique among the Funcs of the process).
Halide::Module twoOutputs(std::string &twiceName) {
  Halide::ImageParam in(Halide::Float(32), 1, "in");
  Halide::Var x("x");
  Halide::Func twice("twice"), copy("copy");
  twice(x) = in(x)*2.0f;
  copy(x) = in(x);
  twice.vectorize(x, 16, Halide::TailStrategy::GuardWithIf);
  copy.vectorize(x, 16, Halide::TailStrategy::GuardWithIf);
  twiceName = twice.name();
  Halide::Target target =
      Halide::get_host_target().with_feature(Halide::Target::NoRuntime);
  return Halide::Pipeline({twice, copy})
      .compile_to_module({in}, "two_outputs", target);
}

struct Stores {
  int nonTemporal = 0, plainVector = 0, fences = 0;
};

Stores countStores(const llvm::Module &module) {
  Stores stores;
  for (const llvm::Function &function : module)
    for (const llvm::BasicBlock &block : function)
      for (const llvm::Instruction &instruction : block) {
        if (llvm::isa<llvm::FenceInst>(instruction))
          ++stores.fences;
        auto *store = llvm::dyn_cast<llvm::StoreInst>(&instruction);
        if (!store || !store->getValueOperand()->getType()->isVectorTy())
          continue;
        if (store->getMetadata(llvm::LLVMContext::MD_nontemporal))
          ++stores.nonTemporal;
        else
          ++stores.plainVector;
      }
  return stores;
}

TEST(NativeCode, NamedOutputsOnlyAreStoredNonTemporally) {
  llvm::LLVMContext context;
  std::string error, twice;
  std::unique_ptr<llvm::Module> plain =
      finishHalideModule(twoOutputs(twice), {}, context, error);
  ASSERT_TRUE(plain) << error;
  Stores before = countStores(*plain);
  EXPECT_EQ(before.nonTemporal, 0);
  EXPECT_EQ(before.fences, 0);
  ASSERT_GT(before.plainVector, 0);

  Halide::Module module = twoOutputs(twice);
  std::unique_ptr<llvm::Module> streamed =
      finishHalideModule(module, {twice}, context, error);
  ASSERT_TRUE(streamed) << error;
  Stores after = countStores(*streamed);
  // Each of twice's vector stores became a non-temporal store where the
  // address is aligned and a plain one where it is not; copy's are plain.
  EXPECT_GT(after.nonTemporal, 0);
  EXPECT_EQ(after.plainVector, before.plainVector);
  EXPECT_EQ(after.nonTemporal * 2, before.plainVector);
  EXPECT_GT(after.fences, 0);
}

/// A pipeline with one output of MLIR shape `shape`, whose channel is
/// `channelDim`; with a layer (a convolution's Func) if `withLayer`.
bnc::halide::LoweredPipeline
pipelineWithOutput(llvm::ArrayRef<int64_t> shape, int64_t channelDim,
                   bool withLayer = false) {
  bnc::halide::LoweredPipeline pipeline;
  std::vector<Halide::Var> vars(shape.size());
  Halide::Func output;
  output(vars) = 0.0f;
  pipeline.outputs.push_back({output, llvm::SmallVector<int64_t>(shape)});
  pipeline.channelDim = channelDim;
  pipeline.channelRank = static_cast<int64_t>(shape.size());
  if (withLayer)
    pipeline.funcs.emplace_back(Halide::Func(),
                                bnc::halide::FuncRole::Layer);
  return pipeline;
}

bool streamsOutput(const bnc::halide::LoweredPipeline &pipeline,
                   const bnc::halide::CpuTunables &tunables = {}) {
  std::vector<std::string> names =
      bnc::halide::nonTemporalOutputs(pipeline, tunables);
  return names.size() == 1 && names.front() == pipeline.outputs[0].func.name();
}

TEST(NativeCode, LargeOutputsOfWholeLineRowsOnlyAreStreamed) {
  // Hundreds of MB, beyond a quarter of any last-level cache.
  // NCHW rows of 56 x 56 values are whole cache lines; of 14 x 14 not.
  EXPECT_TRUE(streamsOutput(pipelineWithOutput({256, 256, 56, 56}, 1)));
  EXPECT_FALSE(streamsOutput(pipelineWithOutput({4096, 256, 14, 14}, 1)));
  // NHWC rows are a position's channels.
  EXPECT_TRUE(streamsOutput(pipelineWithOutput({4096, 14, 14, 256}, 3)));
  EXPECT_FALSE(streamsOutput(pipelineWithOutput({16384, 224, 224, 3}, 3)));
  // NCHW with H = W = 1: rows of channels.
  EXPECT_TRUE(streamsOutput(pipelineWithOutput({1 << 20, 256, 1, 1}, 1)));
  // A layer's outputs stay plain; so do small outputs.
  EXPECT_FALSE(
      streamsOutput(pipelineWithOutput({256, 256, 56, 56}, 1, true)));
  EXPECT_FALSE(streamsOutput(pipelineWithOutput({1, 16, 56, 56}, 1)));

  bnc::halide::CpuTunables defaults;
  EXPECT_TRUE(
      bnc::halide::storesNonTemporally(int64_t(1) << 32, 4096, defaults));
  EXPECT_FALSE(
      bnc::halide::storesNonTemporally(int64_t(1) << 32, 784, defaults));
  EXPECT_FALSE(bnc::halide::storesNonTemporally(4096, 4096, defaults));
}

TEST(NativeCode, TheNonTemporalThresholdIsTunable) {
  bnc::halide::CpuTunables small, never;
  small.nonTemporalBytes = 4096;
  never.nonTemporalBytes = int64_t(1) << 62;
  EXPECT_TRUE(bnc::halide::storesNonTemporally(4096, 4096, small));
  EXPECT_FALSE(bnc::halide::storesNonTemporally(4095, 4096, small));
  // Rows that end inside a line stay plain whatever the threshold.
  EXPECT_FALSE(bnc::halide::storesNonTemporally(4096, 784, small));
  EXPECT_TRUE(streamsOutput(pipelineWithOutput({1, 16, 56, 56}, 1), small));
  EXPECT_FALSE(
      streamsOutput(pipelineWithOutput({256, 256, 56, 56}, 1), never));
}

TEST(NativeCode, EmbeddedBuffersAreAlignedForTheWidestVectors) {
  // Halide reads an embedded constant with loads it takes for aligned to
  // its native vector width (64 bytes with AVX-512).
  Halide::Buffer<float> weights(8);
  weights.fill(0.5f);
  Halide::ImageParam in(Halide::Float(32), 1, "in");
  Halide::Var x("x");
  Halide::Func scaled("scaled");
  scaled(x) = in(x) * weights(x % 8);
  Halide::Target target =
      Halide::get_host_target().with_feature(Halide::Target::NoRuntime);
  Halide::Module module =
      Halide::Pipeline(scaled).compile_to_module({in}, "scaled", target);
  llvm::LLVMContext context;
  std::string error;
  std::unique_ptr<llvm::Module> finished =
      finishHalideModule(module, {}, context, error);
  ASSERT_TRUE(finished) << error;
  int embedded = 0;
  for (const llvm::GlobalVariable &global : finished->globals())
    if (global.getName().ends_with(".data")) {
      ++embedded;
      EXPECT_GE(global.getAlign().valueOrOne().value(), 64u)
          << global.getName().str();
    }
  EXPECT_EQ(embedded, 1);
}

TEST(NativeCode, MachinesAreDescribed) {
  bnc::halide::MachineDescription machine;
  std::string error;
  ASSERT_TRUE(
      bnc::halide::describeMachine(Halide::get_host_target(), machine, error))
      << error;
  EXPECT_FALSE(machine.cpu.empty());
  EXPECT_TRUE(bnc::halide::createTargetMachine(machine, error)) << error;

  // Another x86 machine: Halide's features in LLVM's words.
  ASSERT_TRUE(bnc::halide::describeMachine(
      Halide::Target("x86-64-linux-avx-avx2-fma"), machine, error))
      << error;
  EXPECT_EQ(machine.features, "+avx,+avx2,+fma");
  EXPECT_TRUE(bnc::halide::createTargetMachine(machine, error)) << error;

  Halide::Target windows("x86-64-windows-avx2");
  EXPECT_FALSE(bnc::halide::describeMachine(windows, machine, error));
  EXPECT_NE(error.find("x86-64-windows"), std::string::npos) << error;
}

/// y = 2 x over 64 values, compiled into the process's JIT.
bnc::halide::JitKernel doubler(std::string &error) {
  Halide::ImageParam x(Halide::Float(32), 1, "x");
  Halide::Var i("i");
  Halide::Func y("y");
  y(i) = x(i) * 2.0f;
  y.output_buffer().dim(0).set_bounds(0, 64);
  y.vectorize(i, 16);
  return bnc::halide::JitKernel(y, {x}, "doubler", {y.name()}, error);
}

TEST(NativeCode, JitKernelRunsWithNonTemporalStores) {
  std::string error;
  bnc::halide::JitKernel kernel = doubler(error);
  ASSERT_TRUE(kernel.valid()) << error;
  // Aligned (the non-temporal path) and off by one float (the plain one).
  alignas(64) float x[80], y[80];
  for (int i = 0; i < 80; ++i)
    x[i] = static_cast<float>(i);
  for (int offset : {0, 1}) {
    Halide::Buffer<float> in(x + offset, 64), out(y + offset, 64);
    ASSERT_TRUE(kernel.run({in}, {out}, error))
        << error;
    for (int i = 0; i < 64; ++i)
      ASSERT_EQ(y[offset + i], 2.0f * (offset + i)) << "offset " << offset;
  }
}

TEST(NativeCode, JitKernelReportsHalideRuntimeErrors) {
  std::string error;
  bnc::halide::JitKernel kernel = doubler(error);
  ASSERT_TRUE(kernel.valid()) << error;
  float x[64] = {}, y[32] = {};
  Halide::Buffer<float> in(x, 64), out(y, 32); // the output is too small
  EXPECT_FALSE(kernel.run({in}, {out}, error));
  EXPECT_NE(error.find("@doubler"), std::string::npos) << error;
  // Halide's own message, caught from its runtime.
  EXPECT_NE(error.find("Output buffer y"), std::string::npos) << error;
}

TEST(NativeCode, JitThreadsEachRunAShare) {
  // Every share runs once, at once on the caller and the pool's workers
  // (bn-bench prepares each run's caches so): on two threads where the
  // machine has two cores, which a loaded machine may miss once in a
  // while (a worker that has not started within 10 ms), not five times.
  unsigned cores = std::thread::hardware_concurrency();
  bool distinct = false;
  for (int attempt = 0; attempt < 5 && !distinct; ++attempt) {
    std::mutex mutex;
    std::vector<std::thread::id> ranOn(2);
    std::vector<int> runs(2, 0);
    bnc::halide::JitKernel::runOnEveryThread(2, [&](int share) {
      std::lock_guard<std::mutex> lock(mutex);
      ++runs.at(share);
      ranOn.at(share) = std::this_thread::get_id();
    });
    EXPECT_EQ(runs, std::vector<int>({1, 1}));
    EXPECT_EQ(ranOn[0], std::this_thread::get_id());
    distinct = ranOn[0] != ranOn[1];
  }
  if (cores >= 2) {
    EXPECT_TRUE(distinct) << "both shares ran on one thread, five times";
  }
}

} // namespace
