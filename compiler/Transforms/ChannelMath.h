//===- ChannelMath.h - Arithmetic on per-channel tensors --------*- C++ -*-===//
//
// Part of bnc. Per-channel arithmetic for the passes: element-wise arith/math
// ops on tensor<Cxf32> values, so the rewrites read like the formulas, and
// the constant values that folding computes with.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_TRANSFORMS_CHANNELMATH_H
#define BNC_COMPILER_TRANSFORMS_CHANNELMATH_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace bnc {

/// The elements of a constant f32 tensor in row-major order, widened to
/// double for folding; std::nullopt if `value` is not such a constant.
std::optional<llvm::SmallVector<double>> getConstantF32Values(mlir::Value value);

/// An arith.constant of `type` (f32) holding `values`, each rounded once.
mlir::Value createF32Constant(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::RankedTensorType type,
                              llvm::ArrayRef<double> values);

/// Builds `arith`/`math` ops on values of one tensor type, the type of `like`.
/// Constants are splats of that type; a dynamic size is taken from `like`.
class ChannelMath {
public:
  ChannelMath(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value like)
      : builder(builder), loc(loc), like(like) {}

  mlir::Value constant(double value);
  mlir::Value add(mlir::Value lhs, mlir::Value rhs);
  mlir::Value sub(mlir::Value lhs, mlir::Value rhs);
  mlir::Value mul(mlir::Value lhs, mlir::Value rhs);
  mlir::Value neg(mlir::Value operand);
  mlir::Value rsqrt(mlir::Value operand);

private:
  mlir::OpBuilder &builder;
  mlir::Location loc;
  mlir::Value like;
};

} // namespace bnc

#endif // BNC_COMPILER_TRANSFORMS_CHANNELMATH_H
