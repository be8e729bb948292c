//===- PrefetchAheadTest.cpp - Prefetching a fixed distance ahead ---------===//
//
// Part of bnc. The pass prefetches, before each vector store to the output
// named, the inputs named that the store reads, the given distance further
// on, and nothing else; the prefetches become reads into the second-level
// cache; what the kernel computes is unchanged.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/PrefetchAhead.h"
#include "compiler/Codegen/Halide/Jit.h"
#include "compiler/Codegen/Halide/NativeCode.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

namespace {

constexpr int kSize = 256, kDistance = 64;

/// y = 2 x + z and copy = x over kSize values, 16 lanes at a time, with
/// prefetches for y's reads of x (not z's, not copy's) kDistance ahead.
struct Kernel {
  Halide::ImageParam x{Halide::Float(32), 1, "x"}, z{Halide::Float(32), 1, "z"};
  Halide::Func y{"y"}, copy{"copy"};
  Halide::Pipeline pipeline;

  Kernel() {
    Halide::Var i("i");
    y(i) = x(i) * 2.0f + z(i);
    copy(i) = x(i);
    for (Halide::Func func : {y, copy}) {
      func.output_buffer().dim(0).set_bounds(0, kSize);
      func.vectorize(i, 16);
    }
    pipeline = Halide::Pipeline({y, copy});
    bnc::halide::prefetchAhead(pipeline, y.name(), {x.name()}, kDistance);
  }
};

std::string loweredStatement(Kernel &kernel) {
  std::string path = testing::TempDir() + "prefetch_ahead.stmt";
  Halide::Target target =
      Halide::get_host_target().with_feature(Halide::Target::NoRuntime);
  kernel.pipeline.compile_to_lowered_stmt(path, {kernel.x, kernel.z},
                                          Halide::StmtOutputFormat::Text,
                                          target);
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::remove(path.c_str());
  return text.str();
}

TEST(PrefetchAhead, PrefetchesTheNamedInputBeforeTheNamedOutput) {
  Kernel kernel;
  std::string stmt = loweredStatement(kernel);
  // One prefetch, of x, kDistance elements on from y's vector; then y's
  // store. None of z, none before copy's stores.
  std::smatch match;
  std::regex prefetch(R"(prefetch\(([\w$]+), [^\n]* \+ 64, 1, 16\)\n\s*([\w$]+)\[)");
  ASSERT_TRUE(std::regex_search(stmt, match, prefetch)) << stmt;
  EXPECT_EQ(match[1].str(), kernel.x.name());
  EXPECT_EQ(match[2].str(), kernel.y.name());
  size_t count = 0;
  for (size_t at = stmt.find("prefetch("); at != std::string::npos;
       at = stmt.find("prefetch(", at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << stmt;
}

TEST(PrefetchAhead, PrefetchesReadIntoTheSecondLevelCache) {
  Kernel kernel;
  Halide::Target target =
      Halide::get_host_target().with_feature(Halide::Target::NoRuntime);
  Halide::Module module =
      kernel.pipeline.compile_to_module({kernel.x, kernel.z}, "ahead", target);
  llvm::LLVMContext context;
  std::string error;
  std::unique_ptr<llvm::Module> finished =
      bnc::halide::finishHalideModule(module, {}, context, error);
  ASSERT_TRUE(finished) << error;
  int prefetches = 0;
  for (llvm::Function &function : *finished)
    for (llvm::BasicBlock &block : function)
      for (llvm::Instruction &instruction : block)
        if (auto *call = llvm::dyn_cast<llvm::IntrinsicInst>(&instruction);
            call && call->getIntrinsicID() == llvm::Intrinsic::prefetch) {
          ++prefetches;
          auto operand = [&](unsigned i) {
            return llvm::cast<llvm::ConstantInt>(call->getArgOperand(i))
                ->getZExtValue();
          };
          EXPECT_EQ(operand(1), 0u); // read
          EXPECT_EQ(operand(2), 2u); // locality: the second-level cache
        }
  EXPECT_GT(prefetches, 0);
}

TEST(PrefetchAhead, ComputesTheSame) {
  Kernel kernel;
  std::string error;
  bnc::halide::JitKernel jit(kernel.pipeline, {kernel.x, kernel.z}, "ahead",
                             {}, error);
  ASSERT_TRUE(jit.valid()) << error;
  Halide::Buffer<float> x(kSize), z(kSize), y(kSize), copy(kSize);
  for (int i = 0; i < kSize; ++i) {
    x(i) = static_cast<float>(i);
    z(i) = static_cast<float>(3 * i);
  }
  ASSERT_TRUE(jit.run({x, z}, {y, copy}, error)) << error;
  for (int i = 0; i < kSize; ++i) {
    ASSERT_EQ(y(i), 5.0f * i) << i;
    ASSERT_EQ(copy(i), static_cast<float>(i)) << i;
  }
}

} // namespace
