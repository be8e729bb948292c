//===- EvaluatorTestSupport.h - Numbers for numeric tests -------*- C++ -*-===//
//
// Part of bnc. Loads models, makes seeded random arguments and compares
// results of the reference evaluator, for the tests that check numbers with
// numbers.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_TESTS_UNIT_EVALUATORTESTSUPPORT_H
#define BNC_TESTS_UNIT_EVALUATORTESTSUPPORT_H

#include "compiler/InitAll.h"
#include "compiler/Reference/Evaluator.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

namespace bnc::testing {

using reference::Tensor;

inline std::string exampleModelPath(const std::string &name) {
  return std::string(BNC_SOURCE_DIR) + "/examples/models/" + name;
}

/// A context with every bnc dialect loaded.
inline std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  auto context = std::make_unique<mlir::MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

/// Random arguments for `func`, from `seed`: per-channel (rank-1) arguments
/// are uniform in [0.5, 1.5], so that scales and variances are positive;
/// everything else is standard normal.
inline llvm::SmallVector<Tensor> randomArguments(mlir::func::FuncOp func,
                                                 unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> positive(0.5, 1.5);
  llvm::SmallVector<Tensor> arguments;
  for (mlir::Type type : func.getArgumentTypes()) {
    auto tensorType = mlir::cast<mlir::RankedTensorType>(type);
    Tensor tensor = Tensor::filled(tensorType.getShape(), 0.0);
    // Rounded to f32, like the values a compiled kernel would be given.
    for (double &value : tensor.data)
      value = static_cast<float>(tensorType.getRank() == 1 ? positive(generator)
                                                           : normal(generator));
    arguments.push_back(std::move(tensor));
  }
  return arguments;
}

/// max |expected - actual| / max(|expected|), over all elements: the error
/// relative to the output's scale.
inline double relativeError(const Tensor &expected, const Tensor &actual) {
  EXPECT_EQ(expected.shape, actual.shape);
  double scale = 0.0, error = 0.0;
  for (size_t i = 0; i < expected.data.size() && i < actual.data.size(); ++i) {
    scale = std::max(scale, std::abs(expected.data[i]));
    error = std::max(error, std::abs(expected.data[i] - actual.data[i]));
  }
  return scale > 0.0 ? error / scale : error;
}

/// Runs `func` on `arguments` with the reference evaluator; fails the test
/// if it cannot.
inline llvm::SmallVector<Tensor> run(mlir::func::FuncOp func,
                                     llvm::ArrayRef<Tensor> arguments) {
  mlir::FailureOr<llvm::SmallVector<Tensor>> results =
      reference::evaluate(func, arguments);
  EXPECT_TRUE(mlir::succeeded(results)) << "evaluating @" << func.getName().str();
  return mlir::succeeded(results) ? *results : llvm::SmallVector<Tensor>{};
}

} // namespace bnc::testing

#endif // BNC_TESTS_UNIT_EVALUATORTESTSUPPORT_H
