//===- BNOps.cpp - Operations of the bn dialect ---------------------------===//
//
// Part of bnc. Verifiers and result-type inference of the bn ops.
//
//===----------------------------------------------------------------------===//

#include "dialects/bn/IR/BNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace bnc::bn;

std::optional<int64_t> bnc::bn::getStaticSamplesPerChannel(RankedTensorType type,
                                                           int64_t channelDim) {
  uint64_t samples = 1;
  for (auto [dim, size] : llvm::enumerate(type.getShape())) {
    if (static_cast<int64_t>(dim) == channelDim)
      continue;
    if (ShapedType::isDynamic(size))
      return std::nullopt;
    samples = llvm::SaturatingMultiply(samples, static_cast<uint64_t>(size));
  }
  return static_cast<int64_t>(
      std::min<uint64_t>(samples, std::numeric_limits<int64_t>::max()));
}

//===----------------------------------------------------------------------===//
// Shared verification
//===----------------------------------------------------------------------===//

/// Checks that `x` has a channel dimension at `featureAxis`, that the
/// per-channel operands (all of type `channelType`, named in `channelNames`)
/// have as many elements as it, and that each channel has at least one
/// element. `featureAxis` may count from the end.
static LogicalResult verifyPerChannelLayout(Operation *op, RankedTensorType xType,
                                            int64_t featureAxis,
                                            RankedTensorType channelType,
                                            StringRef channelNames) {
  int64_t rank = xType.getRank();
  if (rank < 1)
    return op->emitOpError("expects x to have a channel dimension (rank >= 1), "
                           "but got ")
           << xType;
  if (featureAxis < -rank || featureAxis >= rank)
    return op->emitOpError("feature_axis ")
           << featureAxis << " is out of range for x of rank " << rank
           << "; use a value in [" << -rank << ", " << rank - 1
           << "] (1 for NCHW, -1 for channels-last)";

  int64_t channelDim = resolveFeatureAxis(featureAxis, rank);
  int64_t channels = xType.getDimSize(channelDim);
  int64_t perChannel = channelType.getDimSize(0);
  if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic(perChannel) &&
      channels != perChannel)
    return op->emitOpError("per-channel operands (")
           << channelNames << ") have " << perChannel
           << " elements but x has " << channels
           << " channels along feature_axis " << featureAxis << "; make them "
           << RankedTensorType::get({channels}, channelType.getElementType())
           << " or change feature_axis";

  if (getStaticSamplesPerChannel(xType, channelDim) == 0)
    return op->emitOpError("x has no elements per channel (m == 0): ")
           << xType << " has a zero-sized dimension besides the channel";
  return success();
}

static LogicalResult verifyEpsilon(Operation *op, float epsilon) {
  if (std::isfinite(epsilon) && epsilon > 0.0f)
    return success();
  return op->emitOpError("epsilon must be a positive finite number (it keeps "
                         "1/sqrt(var + epsilon) finite), but got ")
         << epsilon << "; 1e-5 is PyTorch's default";
}

//===----------------------------------------------------------------------===//
// BatchNormTrainOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormTrainOp::verify() {
  if (failed(verifyPerChannelLayout(
          *this, getX().getType(), getFeatureAxis(), getScale().getType(),
          "scale, offset, running_mean, running_var")) ||
      failed(verifyEpsilon(*this, getEpsilon().convertToFloat())))
    return failure();

  float momentum = getMomentum().convertToFloat();
  if (!(momentum >= 0.0f && momentum <= 1.0f))
    return emitOpError("momentum must be in [0, 1] (the weight of the batch "
                       "statistic, PyTorch's convention), but got ")
           << momentum
           << "; for a Keras/ONNX momentum k, use 1 - k";

  if (getStaticSamplesPerChannel() == 1)
    return emitOpError("x has one element per channel (m == 1), so the batch "
                       "variance is zero and cannot be trained on; use more "
                       "than one value per channel (a larger batch or spatial "
                       "size), or bn.batch_norm_infer with running statistics");
  return success();
}

//===----------------------------------------------------------------------===//
// BatchNormInferOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormInferOp::verify() {
  if (failed(verifyPerChannelLayout(*this, getX().getType(), getFeatureAxis(),
                                    getScale().getType(),
                                    "scale, offset, mean, var")))
    return failure();
  return verifyEpsilon(*this, getEpsilon().convertToFloat());
}

//===----------------------------------------------------------------------===//
// BatchNormGradOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormGradOp::verify() {
  return verifyPerChannelLayout(*this, getX().getType(), getFeatureAxis(),
                                getScale().getType(),
                                "scale, batch_mean, batch_inv_std");
}

//===----------------------------------------------------------------------===//
// StatsOp
//===----------------------------------------------------------------------===//

LogicalResult StatsOp::verify() {
  return verifyPerChannelLayout(*this, getX().getType(), getFeatureAxis(),
                                getMean().getType(), "mean, var");
}

//===----------------------------------------------------------------------===//
// AffineOp
//===----------------------------------------------------------------------===//

LogicalResult AffineOp::verify() {
  return verifyPerChannelLayout(*this, getX().getType(), getFeatureAxis(),
                                getMul().getType(), "mul, add");
}

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

void KernelOp::build(OpBuilder &builder, OperationState &state,
                     TypeRange resultTypes, ValueRange inputs) {
  state.addOperands(inputs);
  state.addTypes(resultTypes);
  // The body gets a block of its own, without moving `builder` into it.
  auto *block = new Block();
  state.addRegion()->push_back(block);
  for (Value input : inputs)
    block->addArgument(input.getType(), input.getLoc());
}

LogicalResult KernelOp::verify() {
  Block &body = getBody().front();
  if (body.getArgumentTypes() != getInputs().getTypes())
    return emitOpError("the body's arguments must have the types of the "
                       "kernel's inputs, one for each");
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << yield.getValues().size()
           << " values whose types must be the kernel's result types";
  return success();
}

#define GET_OP_CLASSES
#include "dialects/bn/IR/BNOps.cpp.inc"
