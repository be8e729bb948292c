//===- Evaluator.cpp - The reference evaluator ----------------------------===//
//
// Part of bnc. See Evaluator.h. Every op is a loop nest over doubles that
// mirrors its formula; nothing is fused, reordered or vectorised.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Evaluator.h"

#include "compiler/Support/Npy.h"

#include "dialects/bn/IR/BNOps.h"
#include "dialects/nn/IR/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>
#include <numeric>

using namespace mlir;
using namespace bnc;
using bnc::reference::Tensor;

Tensor::Tensor(ArrayRef<int64_t> shape, std::vector<double> data)
    : shape(shape.begin(), shape.end()), data(std::move(data)) {}

Tensor bnc::reference::fromHost(const HostTensor &tensor) {
  return Tensor(tensor.shape,
                std::vector<double>(tensor.data.begin(), tensor.data.end()));
}

HostTensor bnc::reference::toHost(const Tensor &tensor) {
  return {std::vector<int64_t>(tensor.shape.begin(), tensor.shape.end()),
          std::vector<float>(tensor.data.begin(), tensor.data.end())};
}

Tensor Tensor::filled(ArrayRef<int64_t> shape, double value) {
  int64_t count = std::accumulate(shape.begin(), shape.end(), int64_t{1},
                                  std::multiplies<int64_t>());
  return Tensor(shape, std::vector<double>(count, value));
}

namespace {

/// Where the channel of each element of a tensor is: element `i` belongs to
/// channel `(i / inner) % channels`.
struct ChannelLayout {
  ChannelLayout(ArrayRef<int64_t> shape, int64_t channelDim)
      : channels(shape[channelDim]),
        inner(std::accumulate(shape.begin() + channelDim + 1, shape.end(),
                              int64_t{1}, std::multiplies<int64_t>())) {}

  int64_t channelOf(int64_t index) const { return (index / inner) % channels; }

  int64_t channels;
  int64_t inner;
};

/// Per-channel mean and biased variance, in two passes over `x`.
void channelStats(const Tensor &x, const ChannelLayout &layout,
                  std::vector<double> &mean, std::vector<double> &var) {
  int64_t samples = x.numElements() / layout.channels;
  mean.assign(layout.channels, 0.0);
  var.assign(layout.channels, 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i)
    mean[layout.channelOf(i)] += x.data[i];
  for (double &value : mean)
    value /= static_cast<double>(samples);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    double centred = x.data[i] - mean[layout.channelOf(i)];
    var[layout.channelOf(i)] += centred * centred;
  }
  for (double &value : var)
    value /= static_cast<double>(samples);
}

Tensor channelTensor(std::vector<double> values) {
  int64_t size = static_cast<int64_t>(values.size());
  return Tensor({size}, std::move(values));
}

double toDouble(FloatAttr attr) {
  return attr.getValue().convertToFloat();
}

class Interpreter {
public:
  FailureOr<SmallVector<Tensor>> call(func::FuncOp func,
                                      ArrayRef<Tensor> arguments);

private:
  LogicalResult execute(Operation *op);

  const Tensor &get(Value value) { return frame->find(value)->second; }
  void set(Value value, Tensor tensor) { (*frame)[value] = std::move(tensor); }

  /// Applies `fn` element-wise to the operands of `op`, which all have the
  /// shape of its result.
  LogicalResult elementwise(Operation *op,
                            function_ref<double(ArrayRef<double>)> fn);

  LogicalResult executeTrain(bn::BatchNormTrainOp op);
  LogicalResult executeInfer(bn::BatchNormInferOp op);
  LogicalResult executeGrad(bn::BatchNormGradOp op);
  LogicalResult executeStats(bn::StatsOp op);
  LogicalResult executeAffine(bn::AffineOp op);
  LogicalResult executeConv(nn::Conv2DOp op);
  LogicalResult executeDense(nn::DenseOp op);
  LogicalResult executeConstant(arith::ConstantOp op);
  LogicalResult executeCall(func::CallOp op);
  LogicalResult executeKernel(bn::KernelOp op);

  /// Runs the ops of `block` with its arguments bound to `arguments` and
  /// returns the operands of its terminator (func.return or bn.yield).
  FailureOr<SmallVector<Tensor>> runBlock(Block &block,
                                          ArrayRef<Tensor> arguments);

  SymbolTableCollection symbols;
  DenseMap<Value, Tensor> *frame = nullptr;
};

FailureOr<SmallVector<Tensor>> Interpreter::call(func::FuncOp func,
                                                 ArrayRef<Tensor> arguments) {
  if (func.isExternal())
    return func.emitError("the reference evaluator cannot run a function "
                          "without a body");
  if (arguments.size() != func.getNumArguments())
    return func.emitError("@")
           << func.getName() << " takes " << func.getNumArguments()
           << " arguments, but " << arguments.size() << " were given";
  for (auto [index, argument] : llvm::enumerate(func.getArguments())) {
    const Tensor &given = arguments[index];
    auto type = dyn_cast<RankedTensorType>(argument.getType());
    bool fits = type && type.getRank() == static_cast<int64_t>(given.shape.size());
    for (int64_t dim = 0; fits && dim < type.getRank(); ++dim)
      fits = type.isDynamicDim(dim) || type.getDimSize(dim) == given.shape[dim];
    int64_t count = std::accumulate(given.shape.begin(), given.shape.end(),
                                    int64_t{1}, std::multiplies<int64_t>());
    if (!fits || count != given.numElements())
      return func.emitError("argument #")
             << index << " of @" << func.getName() << " must be "
             << argument.getType() << ", but its shape is "
             << formatShape(given.shape) << " with " << given.numElements()
             << " elements";
  }
  if (!func.getBody().hasOneBlock())
    return func.emitError("the reference evaluator runs single-block "
                          "functions only");
  return runBlock(func.getBody().front(), arguments);
}

FailureOr<SmallVector<Tensor>> Interpreter::runBlock(Block &block,
                                                     ArrayRef<Tensor> arguments) {
  DenseMap<Value, Tensor> locals;
  DenseMap<Value, Tensor> *outer = frame;
  frame = &locals;
  llvm::scope_exit restore([&] { frame = outer; });
  for (auto [argument, tensor] : llvm::zip(block.getArguments(), arguments))
    set(argument, tensor);
  for (Operation &op : block.without_terminator())
    if (failed(execute(&op)))
      return failure();
  SmallVector<Tensor> results;
  for (Value operand : block.getTerminator()->getOperands())
    results.push_back(get(operand));
  return results;
}

LogicalResult Interpreter::execute(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](func::CallOp call) { return executeCall(call); })
      .Case([&](bn::KernelOp kernel) { return executeKernel(kernel); })
      .Case([&](arith::ConstantOp constant) { return executeConstant(constant); })
      .Case([&](arith::AddFOp) {
        return elementwise(op, [](ArrayRef<double> v) { return v[0] + v[1]; });
      })
      .Case([&](arith::SubFOp) {
        return elementwise(op, [](ArrayRef<double> v) { return v[0] - v[1]; });
      })
      .Case([&](arith::MulFOp) {
        return elementwise(op, [](ArrayRef<double> v) { return v[0] * v[1]; });
      })
      .Case([&](arith::DivFOp) {
        return elementwise(op, [](ArrayRef<double> v) { return v[0] / v[1]; });
      })
      .Case([&](arith::NegFOp) {
        return elementwise(op, [](ArrayRef<double> v) { return -v[0]; });
      })
      .Case([&](arith::MaximumFOp) {
        return elementwise(op, [](ArrayRef<double> v) {
          return std::isnan(v[0]) || std::isnan(v[1]) ? NAN
                                                      : std::max(v[0], v[1]);
        });
      })
      .Case([&](math::RsqrtOp) {
        return elementwise(op,
                           [](ArrayRef<double> v) { return 1.0 / std::sqrt(v[0]); });
      })
      .Case([&](math::SqrtOp) {
        return elementwise(op, [](ArrayRef<double> v) { return std::sqrt(v[0]); });
      })
      .Case([&](nn::ReluOp) {
        return elementwise(op,
                           [](ArrayRef<double> v) { return v[0] > 0.0 ? v[0] : 0.0; });
      })
      .Case([&](nn::AddOp) {
        return elementwise(op, [](ArrayRef<double> v) { return v[0] + v[1]; });
      })
      .Case([&](tensor::DimOp dim) -> LogicalResult {
        std::optional<int64_t> index = dim.getConstantIndex();
        const Tensor &source = get(dim.getSource());
        if (!index || *index < 0 ||
            *index >= static_cast<int64_t>(source.shape.size()))
          return dim.emitError("the reference evaluator needs a constant, "
                               "in-range dimension index");
        set(dim.getResult(),
            Tensor::filled({}, static_cast<double>(source.shape[*index])));
        return success();
      })
      .Case([&](tensor::SplatOp splat) {
        RankedTensorType type = splat.getType();
        SmallVector<int64_t> shape;
        auto dynamicSizes = splat.getDynamicSizes();
        size_t next = 0;
        for (int64_t size : type.getShape())
          shape.push_back(ShapedType::isDynamic(size)
                              ? static_cast<int64_t>(
                                    get(dynamicSizes[next++]).data[0])
                              : size);
        set(splat.getResult(),
            Tensor::filled(shape, get(splat.getInput()).data[0]));
        return success();
      })
      .Case([&](bn::BatchNormTrainOp train) { return executeTrain(train); })
      .Case([&](bn::BatchNormInferOp infer) { return executeInfer(infer); })
      .Case([&](bn::BatchNormGradOp grad) { return executeGrad(grad); })
      .Case([&](bn::StatsOp stats) { return executeStats(stats); })
      .Case([&](bn::AffineOp affine) { return executeAffine(affine); })
      .Case([&](nn::Conv2DOp conv) { return executeConv(conv); })
      .Case([&](nn::DenseOp dense) { return executeDense(dense); })
      .Default([&](Operation *) -> LogicalResult {
        return op->emitError("the reference evaluator does not know '")
               << op->getName() << "'";
      });
}

LogicalResult
Interpreter::elementwise(Operation *op,
                         function_ref<double(ArrayRef<double>)> fn) {
  const Tensor &first = get(op->getOperand(0));
  for (Value operand : op->getOperands())
    if (get(operand).shape != first.shape)
      return op->emitError("the reference evaluator needs operands of one "
                           "shape (no broadcasting)");
  Tensor result = Tensor::filled(first.shape, 0.0);
  SmallVector<double, 2> inputs(op->getNumOperands());
  for (int64_t i = 0; i < result.numElements(); ++i) {
    for (unsigned k = 0; k < op->getNumOperands(); ++k)
      inputs[k] = get(op->getOperand(k)).data[i];
    result.data[i] = fn(inputs);
  }
  set(op->getResult(0), std::move(result));
  return success();
}

LogicalResult Interpreter::executeConstant(arith::ConstantOp op) {
  Attribute value = op.getValue();
  if (auto floatAttr = dyn_cast<FloatAttr>(value)) {
    set(op.getResult(), Tensor::filled({}, toDouble(floatAttr)));
    return success();
  }
  if (auto intAttr = dyn_cast<IntegerAttr>(value)) {
    set(op.getResult(),
        Tensor::filled({}, static_cast<double>(intAttr.getInt())));
    return success();
  }
  auto elements = dyn_cast<DenseElementsAttr>(value);
  if (!elements || !elements.getElementType().isF32())
    return op.emitError("the reference evaluator supports f32, index and "
                        "dense f32 tensor constants");
  std::vector<double> data;
  data.reserve(elements.getNumElements());
  for (float element : elements.getValues<float>())
    data.push_back(element);
  set(op.getResult(), Tensor(elements.getType().getShape(), std::move(data)));
  return success();
}

LogicalResult Interpreter::executeCall(func::CallOp op) {
  auto callee =
      symbols.lookupNearestSymbolFrom<func::FuncOp>(op, op.getCalleeAttr());
  if (!callee)
    return op.emitError("the reference evaluator cannot find @")
           << op.getCallee();
  SmallVector<Tensor> arguments;
  for (Value operand : op.getOperands())
    arguments.push_back(get(operand));
  FailureOr<SmallVector<Tensor>> results = call(callee, arguments);
  if (failed(results))
    return failure();
  for (auto [result, value] : llvm::zip(op.getResults(), *results))
    set(result, std::move(value));
  return success();
}

LogicalResult Interpreter::executeKernel(bn::KernelOp op) {
  SmallVector<Tensor> inputs;
  for (Value input : op.getInputs())
    inputs.push_back(get(input));
  FailureOr<SmallVector<Tensor>> results =
      runBlock(op.getBody().front(), inputs);
  if (failed(results))
    return failure();
  for (auto [result, value] : llvm::zip(op.getResults(), *results))
    set(result, std::move(value));
  return success();
}

LogicalResult Interpreter::executeTrain(bn::BatchNormTrainOp op) {
  const Tensor &x = get(op.getX());
  ChannelLayout layout(x.shape, op.getChannelDim());
  int64_t samples = x.numElements() / std::max<int64_t>(layout.channels, 1);
  if (samples < 2)
    return op.emitError("training BN needs more than one value per channel, "
                        "but x has shape ")
           << formatShape(x.shape);

  std::vector<double> mean, var;
  channelStats(x, layout, mean, var);
  double epsilon = toDouble(op.getEpsilonAttr());
  double momentum = toDouble(op.getMomentumAttr());
  double bessel = op.getRunningVarUpdate() == bn::VarianceEstimator::unbiased
                      ? static_cast<double>(samples) / (samples - 1)
                      : 1.0;
  const Tensor &scale = get(op.getScale()), &offset = get(op.getOffset());
  const Tensor &runningMean = get(op.getRunningMean());
  const Tensor &runningVar = get(op.getRunningVar());

  std::vector<double> invStd(layout.channels), newMean(layout.channels),
      newVar(layout.channels);
  for (int64_t c = 0; c < layout.channels; ++c) {
    invStd[c] = 1.0 / std::sqrt(var[c] + epsilon);
    newMean[c] = (1.0 - momentum) * runningMean.data[c] + momentum * mean[c];
    newVar[c] =
        (1.0 - momentum) * runningVar.data[c] + momentum * var[c] * bessel;
  }
  Tensor y = Tensor::filled(x.shape, 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = layout.channelOf(i);
    y.data[i] = (x.data[i] - mean[c]) * invStd[c] * scale.data[c] +
                offset.data[c];
  }
  set(op.getY(), std::move(y));
  set(op.getNewRunningMean(), channelTensor(std::move(newMean)));
  set(op.getNewRunningVar(), channelTensor(std::move(newVar)));
  set(op.getBatchMean(), channelTensor(std::move(mean)));
  set(op.getBatchInvStd(), channelTensor(std::move(invStd)));
  return success();
}

LogicalResult Interpreter::executeInfer(bn::BatchNormInferOp op) {
  const Tensor &x = get(op.getX());
  ChannelLayout layout(x.shape, op.getChannelDim());
  const Tensor &scale = get(op.getScale()), &offset = get(op.getOffset());
  const Tensor &mean = get(op.getMean()), &var = get(op.getVar());
  double epsilon = toDouble(op.getEpsilonAttr());
  Tensor y = Tensor::filled(x.shape, 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = layout.channelOf(i);
    y.data[i] = (x.data[i] - mean.data[c]) / std::sqrt(var.data[c] + epsilon) *
                    scale.data[c] +
                offset.data[c];
  }
  set(op.getY(), std::move(y));
  return success();
}

LogicalResult Interpreter::executeGrad(bn::BatchNormGradOp op) {
  const Tensor &x = get(op.getX()), &dy = get(op.getDy());
  const Tensor &scale = get(op.getScale());
  const Tensor &mean = get(op.getBatchMean());
  const Tensor &invStd = get(op.getBatchInvStd());
  ChannelLayout layout(x.shape, op.getChannelDim());
  double samples =
      static_cast<double>(x.numElements() / std::max<int64_t>(layout.channels, 1));

  auto xhat = [&](int64_t i) {
    int64_t c = layout.channelOf(i);
    return (x.data[i] - mean.data[c]) * invStd.data[c];
  };
  std::vector<double> doffset(layout.channels, 0.0), dscale(layout.channels, 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = layout.channelOf(i);
    doffset[c] += dy.data[i];
    dscale[c] += dy.data[i] * xhat(i);
  }
  Tensor dx = Tensor::filled(x.shape, 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = layout.channelOf(i);
    dx.data[i] = scale.data[c] * invStd.data[c] / samples *
                 (samples * dy.data[i] - doffset[c] - xhat(i) * dscale[c]);
  }
  set(op.getDx(), std::move(dx));
  set(op.getDscale(), channelTensor(std::move(dscale)));
  set(op.getDoffset(), channelTensor(std::move(doffset)));
  return success();
}

LogicalResult Interpreter::executeStats(bn::StatsOp op) {
  const Tensor &x = get(op.getX());
  ChannelLayout layout(x.shape, op.getChannelDim());
  std::vector<double> mean, var;
  channelStats(x, layout, mean, var);
  set(op.getMean(), channelTensor(std::move(mean)));
  set(op.getVar(), channelTensor(std::move(var)));
  return success();
}

LogicalResult Interpreter::executeAffine(bn::AffineOp op) {
  const Tensor &x = get(op.getX());
  const Tensor &mul = get(op.getMul()), &add = get(op.getAdd());
  ChannelLayout layout(x.shape, op.getChannelDim());
  Tensor y = Tensor::filled(x.shape, 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t c = layout.channelOf(i);
    y.data[i] = x.data[i] * mul.data[c] + add.data[c];
  }
  set(op.getY(), std::move(y));
  return success();
}

LogicalResult Interpreter::executeConv(nn::Conv2DOp op) {
  const Tensor &input = get(op.getInput()), &filter = get(op.getFilter());
  bool nchw = op.getLayout() == nn::Layout::nchw;
  ArrayRef<int64_t> strides = op.getStrides(), padding = op.getPadding(),
                    dilations = op.getDilations();
  int64_t batch = input.shape[0];
  int64_t channels = input.shape[op.getChannelDim()];
  int64_t height = input.shape[op.getHeightDim()];
  int64_t width = input.shape[op.getWidthDim()];
  int64_t outChannels = filter.shape[op.getFilterOutputChannelDim()];
  int64_t kernelH = filter.shape[op.getFilterHeightDim()];
  int64_t kernelW = filter.shape[op.getFilterWidthDim()];
  int64_t groups = op.getGroups();
  int64_t groupIn = channels / groups, groupOut = outChannels / groups;
  int64_t outH = (height + padding[0] + padding[1] - dilations[0] * (kernelH - 1) - 1) /
                     strides[0] + 1;
  int64_t outW = (width + padding[2] + padding[3] - dilations[1] * (kernelW - 1) - 1) /
                     strides[1] + 1;

  auto inputAt = [&](int64_t n, int64_t c, int64_t h, int64_t w) {
    return nchw ? input.data[((n * channels + c) * height + h) * width + w]
                : input.data[((n * height + h) * width + w) * channels + c];
  };
  auto filterAt = [&](int64_t o, int64_t i, int64_t kh, int64_t kw) {
    return nchw ? filter.data[((o * groupIn + i) * kernelH + kh) * kernelW + kw]
                : filter.data[((kh * kernelW + kw) * groupIn + i) * outChannels + o];
  };
  std::vector<double> bias(outChannels, 0.0);
  if (Value biasValue = op.getBias())
    bias = get(biasValue).data;

  SmallVector<int64_t> shape =
      nchw ? SmallVector<int64_t>{batch, outChannels, outH, outW}
           : SmallVector<int64_t>{batch, outH, outW, outChannels};
  Tensor output = Tensor::filled(shape, 0.0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < outChannels; ++o)
      for (int64_t y = 0; y < outH; ++y)
        for (int64_t x = 0; x < outW; ++x) {
          double sum = bias[o];
          int64_t group = o / groupOut;
          for (int64_t i = 0; i < groupIn; ++i)
            for (int64_t kh = 0; kh < kernelH; ++kh)
              for (int64_t kw = 0; kw < kernelW; ++kw) {
                int64_t h = y * strides[0] + kh * dilations[0] - padding[0];
                int64_t w = x * strides[1] + kw * dilations[1] - padding[2];
                if (h < 0 || h >= height || w < 0 || w >= width)
                  continue;
                sum += inputAt(n, group * groupIn + i, h, w) *
                       filterAt(o, i, kh, kw);
              }
          int64_t index = nchw ? ((n * outChannels + o) * outH + y) * outW + x
                               : ((n * outH + y) * outW + x) * outChannels + o;
          output.data[index] = sum;
        }
  set(op.getOutput(), std::move(output));
  return success();
}

LogicalResult Interpreter::executeDense(nn::DenseOp op) {
  const Tensor &x = get(op.getX()), &weight = get(op.getWeight());
  int64_t batch = x.shape[0], in = x.shape[1], out = weight.shape[0];
  Tensor y = Tensor::filled({batch, out}, 0.0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < out; ++o) {
      double sum = op.getBias() ? get(op.getBias()).data[o] : 0.0;
      for (int64_t i = 0; i < in; ++i)
        sum += x.data[n * in + i] * weight.data[o * in + i];
      y.data[n * out + o] = sum;
    }
  set(op.getY(), std::move(y));
  return success();
}

} // namespace

FailureOr<SmallVector<Tensor>>
bnc::reference::evaluate(func::FuncOp func, ArrayRef<Tensor> arguments) {
  Interpreter interpreter;
  return interpreter.call(func, arguments);
}
