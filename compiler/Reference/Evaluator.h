//===- Evaluator.h - The reference evaluator --------------------*- C++ -*-===//
//
// Part of bnc. Executes a function of bn, nn, arith, math and tensor ops with
// plain loops in double precision, straight from the formulas in DESIGN.md.
// It is the oracle that every pass and every back end is compared with: it
// is written to be obviously right, not fast.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_REFERENCE_EVALUATOR_H
#define BNC_COMPILER_REFERENCE_EVALUATOR_H

#include "compiler/Support/Npy.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <vector>

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace bnc::reference {

/// A dense row-major tensor of doubles. Scalars (f32 or index) have rank 0.
struct Tensor {
  llvm::SmallVector<int64_t> shape;
  std::vector<double> data;

  Tensor() = default;
  Tensor(llvm::ArrayRef<int64_t> shape, std::vector<double> data);
  /// A tensor of `shape` filled with `value`.
  static Tensor filled(llvm::ArrayRef<int64_t> shape, double value);

  int64_t numElements() const { return static_cast<int64_t>(data.size()); }
};

/// `tensor` widened to double, and a result rounded back to float32.
Tensor fromHost(const HostTensor &tensor);
HostTensor toHost(const Tensor &tensor);

/// Runs `func` on `arguments`, which must match its argument types (static
/// dimensions exactly, dynamic ones take the argument's size). On an op it
/// cannot evaluate, or arguments that do not fit, it emits an error at the
/// op or the function and fails.
mlir::FailureOr<llvm::SmallVector<Tensor>>
evaluate(mlir::func::FuncOp func, llvm::ArrayRef<Tensor> arguments);

} // namespace bnc::reference

#endif // BNC_COMPILER_REFERENCE_EVALUATOR_H
