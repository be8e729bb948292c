//===- HalideWithMLIRTest.cpp - Halide's LLVM 14 beside MLIR's LLVM 22 ----===//
//
// Part of bnc. The code generator JIT-compiles Halide pipelines inside a
// process that also runs MLIR; this pins that the two LLVMs coexist.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitAll.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <Halide.h>
#include <gtest/gtest.h>

namespace {

TEST(HalideWithMLIR, JitAndParseInOneProcess) {
  mlir::DialectRegistry registry;
  bnc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
    func.func @f(%x: tensor<4x3xf32>, %c: tensor<3xf32>) -> tensor<4x3xf32> {
      %y = bn.affine %x, %c, %c {feature_axis = 1 : i64}
          : tensor<4x3xf32>, tensor<3xf32>
      return %y : tensor<4x3xf32>
    })mlir",
                                              &context);
  ASSERT_TRUE(module);

  Halide::Var x("x");
  Halide::Func doubled("doubled");
  doubled(x) = x * 2 + 1;
  Halide::Buffer<int32_t> result = doubled.realize({8});
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(result(i), 2 * i + 1);
}

} // namespace
