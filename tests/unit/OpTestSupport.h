//===- OpTestSupport.h - Building and verifying ops in unit tests -*- C++ -*-===//
//
// Part of bnc. A GoogleTest fixture that builds ops with the C++ builder API
// into a function and verifies them, capturing the diagnostic.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_TESTS_UNIT_OPTESTSUPPORT_H
#define BNC_TESTS_UNIT_OPTESTSUPPORT_H

#include "compiler/InitAll.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

namespace bnc::testing {

class OpTest : public ::testing::Test {
protected:
  OpTest() : builder(&context) {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    loc = builder.getUnknownLoc();
    module = mlir::ModuleOp::create(loc);
  }

  mlir::RankedTensorType tensor(llvm::ArrayRef<int64_t> shape) {
    return mlir::RankedTensorType::get(shape, builder.getF32Type());
  }

  /// Starts a new function whose arguments have `types` and returns them;
  /// the builder then inserts into its body.
  llvm::SmallVector<mlir::Value> arguments(llvm::ArrayRef<mlir::Type> types) {
    builder.setInsertionPointToEnd(module->getBody());
    auto func = mlir::func::FuncOp::create(
        builder, loc, "f" + std::to_string(functionCount++),
        builder.getFunctionType(types, {}));
    builder.setInsertionPointToStart(func.addEntryBlock());
    return llvm::SmallVector<mlir::Value>(func.getArguments());
  }

  /// Verifies `op` and returns the text of its first error, or "" if it
  /// verifies.
  std::string verifyError(mlir::Operation *op) {
    std::string message;
    mlir::ScopedDiagnosticHandler handler(
        &context, [&](mlir::Diagnostic &diagnostic) {
          if (message.empty())
            message = diagnostic.str();
          return mlir::success();
        });
    if (mlir::succeeded(mlir::verify(op)))
      return "";
    return message.empty() ? "<failed without a diagnostic>" : message;
  }

  mlir::MLIRContext context;
  mlir::OpBuilder builder;
  mlir::Location loc = mlir::UnknownLoc::get(&context);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  int functionCount = 0;
};

} // namespace bnc::testing

#endif // BNC_TESTS_UNIT_OPTESTSUPPORT_H
