//===- ChannelMath.cpp - Arithmetic on per-channel tensors ----------------===//
//
// Part of bnc. See ChannelMath.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ChannelMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace bnc;

std::optional<SmallVector<double>> bnc::getConstantF32Values(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.getElementType().isF32())
    return std::nullopt;
  SmallVector<double> values;
  values.reserve(attr.getNumElements());
  for (float element : attr.getValues<float>())
    values.push_back(element);
  return values;
}

Value bnc::createF32Constant(OpBuilder &builder, Location loc,
                             RankedTensorType type, ArrayRef<double> values) {
  SmallVector<float> rounded(values.begin(), values.end());
  return arith::ConstantOp::create(
      builder, loc, DenseElementsAttr::get(type, ArrayRef<float>(rounded)));
}

Value ChannelMath::constant(double value) {
  auto type = cast<RankedTensorType>(like.getType());
  auto elementType = cast<FloatType>(type.getElementType());
  if (type.hasStaticShape())
    return arith::ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(type, builder.getFloatAttr(elementType, value)));

  Value scalar = arith::ConstantOp::create(
      builder, loc, builder.getFloatAttr(elementType, value));
  SmallVector<Value> dynamicSizes;
  for (int64_t dim = 0; dim < type.getRank(); ++dim) {
    if (type.isDynamicDim(dim))
      dynamicSizes.push_back(tensor::DimOp::create(builder, loc, like, dim));
  }
  return tensor::SplatOp::create(builder, loc, scalar, type, dynamicSizes);
}

Value ChannelMath::add(Value lhs, Value rhs) {
  return arith::AddFOp::create(builder, loc, lhs, rhs);
}

Value ChannelMath::sub(Value lhs, Value rhs) {
  return arith::SubFOp::create(builder, loc, lhs, rhs);
}

Value ChannelMath::mul(Value lhs, Value rhs) {
  return arith::MulFOp::create(builder, loc, lhs, rhs);
}

Value ChannelMath::neg(Value operand) {
  return arith::NegFOp::create(builder, loc, operand);
}

Value ChannelMath::rsqrt(Value operand) {
  return math::RsqrtOp::create(builder, loc, operand);
}
