//===- NNOps.cpp - Operations of the nn dialect ---------------------------===//
//
// Part of bnc. Verifiers of the nn ops.
//
//===----------------------------------------------------------------------===//

#include "dialects/nn/IR/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace bnc::nn;

/// Two sizes agree unless both are static and differ.
static bool sizesAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string formatList(ArrayRef<int64_t> values) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(values, os);
  os << ']';
  return text;
}

/// Checks that `values` has `size` elements, each at least `minimum`.
static LogicalResult verifyIntList(Operation *op, StringRef name,
                                   ArrayRef<int64_t> values, size_t size,
                                   int64_t minimum, StringRef meaning) {
  if (values.size() == size &&
      llvm::all_of(values, [&](int64_t v) { return v >= minimum; }))
    return success();
  return op->emitOpError()
         << name << " must be " << size << " integers >= " << minimum << " "
         << meaning << ", but got " << formatList(values);
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

/// The output size of a convolution along one spatial dimension, or kDynamic.
static int64_t convOutputSize(int64_t input, int64_t kernel, int64_t padBefore,
                              int64_t padAfter, int64_t stride,
                              int64_t dilation) {
  if (ShapedType::isDynamic(input) || ShapedType::isDynamic(kernel))
    return ShapedType::kDynamic;
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t padded = input + padBefore + padAfter;
  if (padded < span)
    return 0;
  return (padded - span) / stride + 1;
}

LogicalResult Conv2DOp::verify() {
  ArrayRef<int64_t> strides = getStrides();
  ArrayRef<int64_t> padding = getPadding();
  ArrayRef<int64_t> dilations = getDilations();
  if (failed(verifyIntList(*this, "strides", strides, 2, 1,
                           "[stride_h, stride_w]")) ||
      failed(verifyIntList(*this, "padding", padding, 4, 0,
                           "[top, bottom, left, right]")) ||
      failed(verifyIntList(*this, "dilations", dilations, 2, 1,
                           "[dilation_h, dilation_w]")))
    return failure();
  int64_t groups = getGroups();
  if (groups < 1)
    return emitOpError("groups must be >= 1, but got ") << groups;

  auto inputType = getInput().getType();
  auto filterType = getFilter().getType();
  auto outputType = getOutput().getType();
  StringRef layout = stringifyLayout(getLayout());
  StringRef filterLayout = getLayout() == Layout::nchw ? "OIHW" : "HWIO";

  int64_t channels = inputType.getDimSize(getChannelDim());
  int64_t filterChannels = filterType.getDimSize(getFilterInputChannelDim());
  int64_t outChannels = filterType.getDimSize(getFilterOutputChannelDim());
  if (!ShapedType::isDynamic(channels) && channels % groups != 0)
    return emitOpError("input has ")
           << channels << " channels, which is not a multiple of groups = "
           << groups;
  if (!ShapedType::isDynamic(outChannels) && outChannels % groups != 0)
    return emitOpError("filter has ")
           << outChannels
           << " output channels, which is not a multiple of groups = "
           << groups;
  if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic(filterChannels) &&
      filterChannels * groups != channels)
    return emitOpError("filter ")
           << filterType << " (" << filterLayout << ") has " << filterChannels
           << " input channels, but the " << layout << " input has " << channels
           << " channels and groups = " << groups << ", so it needs "
           << channels / groups;

  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (!sizesAgree(biasType.getDimSize(0), outChannels))
      return emitOpError("bias ")
             << biasType << " must have one element per output channel ("
             << outChannels << ")";
  }

  int64_t expected[4];
  expected[kBatchDim] = inputType.getDimSize(kBatchDim);
  expected[getChannelDim()] = outChannels;
  expected[getHeightDim()] = convOutputSize(
      inputType.getDimSize(getHeightDim()),
      filterType.getDimSize(getFilterHeightDim()), padding[0], padding[1],
      strides[0], dilations[0]);
  expected[getWidthDim()] = convOutputSize(
      inputType.getDimSize(getWidthDim()),
      filterType.getDimSize(getFilterWidthDim()), padding[2], padding[3],
      strides[1], dilations[1]);
  if (expected[getHeightDim()] == 0 || expected[getWidthDim()] == 0)
    return emitOpError("the dilated filter ")
           << filterType << " does not fit in the padded input " << inputType
           << "; add padding or use a smaller filter or dilation";
  for (int64_t dim = 0; dim < 4; ++dim) {
    if (!sizesAgree(outputType.getDimSize(dim), expected[dim]))
      return emitOpError("output type ")
             << outputType << " does not match the convolution: dimension "
             << dim << " must be " << expected[dim] << " (" << layout
             << " layout)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// DenseOp
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::verify() {
  auto xType = getX().getType();
  auto weightType = getWeight().getType();
  auto yType = getY().getType();
  int64_t inFeatures = xType.getDimSize(1);
  int64_t outFeatures = weightType.getDimSize(0);
  if (!sizesAgree(weightType.getDimSize(1), inFeatures))
    return emitOpError("weight ")
           << weightType << " must be [out_features, in_features] with "
           << "in_features = " << inFeatures << " to match x " << xType;
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (!sizesAgree(biasType.getDimSize(0), outFeatures))
      return emitOpError("bias ")
             << biasType << " must have one element per output feature ("
             << outFeatures << ")";
  }
  if (!sizesAgree(yType.getDimSize(0), xType.getDimSize(0)) ||
      !sizesAgree(yType.getDimSize(1), outFeatures))
    return emitOpError("result type ")
           << yType << " must be [" << xType.getDimSize(0) << ", "
           << outFeatures << "] (batch, out_features)";
  return success();
}

#define GET_OP_CLASSES
#include "dialects/nn/IR/NNOps.cpp.inc"
