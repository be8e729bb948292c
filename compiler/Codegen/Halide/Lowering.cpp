//===- Lowering.cpp - bn/nn functions to Halide pipelines -----------------===//
//
// Part of bnc. See Lowering.h. One lowering rule per op, each a direct
// transcription of the op's formula; statistics are accumulated in one
// pass, shifted by each channel's first value so that large means do not
// swallow small variances, each dense run of a channel in f32 and the runs
// in double.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Lowering.h"

#include "dialects/bn/IR/BNOps.h"
#include "dialects/nn/IR/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

using namespace mlir;
using namespace bnc;
using namespace bnc::halide;
using Halide::Expr;
using Halide::Func;
using Halide::Var;

Halide::Pipeline LoweredPipeline::pipeline() const {
  std::vector<Func> funcs;
  for (const LoweredTensor &output : outputs)
    funcs.push_back(output.func);
  return Halide::Pipeline(funcs);
}

std::vector<llvm::SmallVector<int64_t>> LoweredPipeline::bufferShapes() const {
  std::vector<llvm::SmallVector<int64_t>> shapes = inputShapes;
  for (const LoweredTensor &output : outputs)
    shapes.push_back(output.shape);
  return shapes;
}

bool LoweredPipeline::has(FuncRole role) const {
  return llvm::any_of(funcs, [&](const auto &entry) { return entry.second == role; });
}

namespace {

/// Halide lists dimensions innermost first; MLIR outermost first.
template <typename T>
std::vector<T> innermostFirst(ArrayRef<T> mlirOrder) {
  return std::vector<T>(mlirOrder.rbegin(), mlirOrder.rend());
}

std::vector<Var> makeVars(size_t rank) {
  std::vector<Var> vars;
  for (size_t d = 0; d < rank; ++d)
    vars.emplace_back("d" + std::to_string(d));
  return vars;
}

std::vector<Expr> asExprs(ArrayRef<Var> vars) {
  return std::vector<Expr>(vars.begin(), vars.end());
}

/// `tensor` at `indices`, given in MLIR order.
Expr at(const LoweredTensor &tensor, ArrayRef<Expr> indices) {
  return tensor.func(innermostFirst(indices));
}

/// Declares that `buffer` has exactly `shape` (MLIR order), densely packed:
/// the run time checks it, and the schedule can rely on it.
void declareDense(Halide::OutputImageParam buffer, ArrayRef<int64_t> shape) {
  int stride = 1;
  for (auto [dim, size] : llvm::enumerate(llvm::reverse(shape))) {
    buffer.dim(static_cast<int>(dim))
        .set_bounds(0, static_cast<int>(size))
        .set_stride(stride);
    stride *= static_cast<int>(size);
  }
}

int64_t product(ArrayRef<int64_t> sizes) {
  int64_t result = 1;
  for (int64_t size : sizes)
    result *= size;
  return result;
}

/// The view a pipeline that computes element by element, per channel (no
/// sums over channels, no layers: inference, a folded BN, its ReLU and
/// residual add), takes of its activations: every tensor of their shape is
/// lowered with the dimensions on either side of the channel merged,
/// NHWC's N x H x W x C as (N*H*W) x C, NCHW's N x C x H x W as N x C x
/// (H*W). The same bytes in the same order; but the schedule's rows of
/// channels are then one loop whose addresses step by a constant, where
/// over the tensor's own dimensions Halide recovers each row's coordinates
/// by a division and a remainder per dimension it fused, which it does not
/// simplify away (measured, Zen 5, ahead of time in one process, the same
/// affine kernel on 32x14x14x256 NHWC against 6272x256: 1.20-1.28x the time
/// on two threads, 1.41-1.47x on one). Pipelines with sums keep the
/// tensors' shapes: their runs of a channel are an image's positions.
struct ActivationView {
  SmallVector<int64_t> tensorShape; // the activations' own
  int64_t channelDim;               // in tensorShape
  SmallVector<int64_t> shape;       // the view's
  int64_t viewChannelDim;
};

/// Whether a tensor of `sizes` is one of the activations `view` covers.
bool isViewed(const std::optional<ActivationView> &view,
              ArrayRef<int64_t> sizes) {
  return view && sizes == ArrayRef<int64_t>(view->tensorShape);
}

/// How a tensor of `sizes` is lowered: as `view` of the activations where
/// it is one, any other tensor as it is.
SmallVector<int64_t> loweredShape(const std::optional<ActivationView> &view,
                                  ArrayRef<int64_t> sizes) {
  return isViewed(view, sizes) ? view->shape : SmallVector<int64_t>(sizes);
}

/// Ops that compute element by element, or per channel from per-channel
/// values, and the structure around them.
bool isElementwise(Operation *op) {
  return isa<arith::ConstantOp, arith::AddFOp, arith::SubFOp, arith::MulFOp,
             arith::DivFOp, arith::NegFOp, arith::MaximumFOp, math::RsqrtOp,
             math::SqrtOp, nn::ReluOp, nn::AddOp, bn::BatchNormInferOp,
             bn::AffineOp, bn::KernelOp, bn::YieldOp, func::CallOp,
             func::ReturnOp>(op);
}

/// The activation view of `entryPoint` (with the functions it calls), if it
/// is element-wise per channel: every op element-wise, every per-channel op
/// on activations of one shape and channel, every other tensor of their
/// rank of their shape, and some dimensions to merge.
std::optional<ActivationView> activationView(func::FuncOp entryPoint) {
  SymbolTableCollection symbols;
  SmallVector<func::FuncOp> work = {entryPoint};
  llvm::SmallPtrSet<Operation *, 4> seen;
  seen.insert(entryPoint.getOperation());
  std::optional<ActivationView> view;
  SmallVector<ArrayRef<int64_t>> shapes;
  auto noteShape = [&](Type type) {
    if (auto tensor = dyn_cast<RankedTensorType>(type))
      shapes.push_back(tensor.getShape());
  };
  auto noteChannel = [&](Value x, int64_t channelDim) {
    ArrayRef<int64_t> shape = cast<RankedTensorType>(x.getType()).getShape();
    if (!view) {
      view = ActivationView{SmallVector<int64_t>(shape), channelDim, {}, 0};
      return true;
    }
    return view->tensorShape == shape && view->channelDim == channelDim;
  };
  while (!work.empty()) {
    func::FuncOp func = work.pop_back_val();
    for (Type type : func.getArgumentTypes())
      noteShape(type);
    WalkResult result = func.getBody().walk([&](Operation *op) {
      if (!isElementwise(op))
        return WalkResult::interrupt();
      for (Type type : op->getResultTypes())
        noteShape(type);
      for (Region &region : op->getRegions())
        for (BlockArgument argument : region.getArguments())
          noteShape(argument.getType());
      bool agrees = true;
      if (auto infer = dyn_cast<bn::BatchNormInferOp>(op))
        agrees = noteChannel(infer.getX(), infer.getChannelDim());
      else if (auto affine = dyn_cast<bn::AffineOp>(op))
        agrees = noteChannel(affine.getX(), affine.getChannelDim());
      if (!agrees)
        return WalkResult::interrupt();
      if (auto call = dyn_cast<func::CallOp>(op)) {
        auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
            op, call.getCalleeAttr());
        if (!callee)
          return WalkResult::interrupt(); // lowering says why
        if (seen.insert(callee.getOperation()).second)
          work.push_back(callee);
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return std::nullopt;
  }
  if (!view ||
      llvm::any_of(view->tensorShape, [](int64_t size) { return size < 0; }))
    return std::nullopt;
  ArrayRef<int64_t> tensorShape = view->tensorShape;
  for (ArrayRef<int64_t> shape : shapes)
    if (shape.size() == tensorShape.size() && shape != tensorShape)
      return std::nullopt;
  // Each side of the channel one dimension, none where it holds one value
  // (NCHW with H = W = 1 is rows of channels, as NHWC).
  int64_t channelDim = view->channelDim;
  int64_t outside = product(tensorShape.take_front(channelDim));
  int64_t inside = product(tensorShape.drop_front(channelDim + 1));
  if (outside != 1)
    view->shape.push_back(outside);
  view->viewChannelDim = static_cast<int64_t>(view->shape.size());
  view->shape.push_back(tensorShape[channelDim]);
  if (inside != 1)
    view->shape.push_back(inside);
  if (view->shape == view->tensorShape)
    return std::nullopt; // nothing to merge
  return view;
}

class Lowerer {
public:
  Lowerer(LoweredPipeline &pipeline, func::FuncOp entryPoint,
          std::optional<ActivationView> view)
      : pipeline(pipeline), entryPoint(entryPoint), view(std::move(view)) {}

  /// Lowers the body of `func` with its arguments bound to `arguments`;
  /// `results` receives what it returns.
  LogicalResult lowerBody(func::FuncOp func, ArrayRef<LoweredTensor> arguments,
                          SmallVectorImpl<LoweredTensor> &results);

private:
  /// Lowers the ops of `block` with its arguments bound to `arguments`;
  /// `results` receives the operands of its terminator.
  LogicalResult lowerBlock(Block &block, ArrayRef<LoweredTensor> arguments,
                           SmallVectorImpl<LoweredTensor> &results);
  LogicalResult lowerKernel(bn::KernelOp op);
  LogicalResult lower(Operation *op);
  LogicalResult lowerConstant(arith::ConstantOp op);
  LogicalResult lowerCall(func::CallOp op);
  LogicalResult lowerTrain(bn::BatchNormTrainOp op);
  LogicalResult lowerInfer(bn::BatchNormInferOp op);
  LogicalResult lowerGrad(bn::BatchNormGradOp op);
  LogicalResult lowerStats(bn::StatsOp op);
  LogicalResult lowerAffine(bn::AffineOp op);
  LogicalResult lowerConv(nn::Conv2DOp op);
  LogicalResult lowerDense(nn::DenseOp op);

  /// A new Func named after `name`, recorded for the schedule.
  Func newFunc(const std::string &name, FuncRole role) {
    Func func(name + "_" + std::to_string(counter++));
    pipeline.funcs.emplace_back(func, role);
    return func;
  }

  /// Notes a per-channel op over `channelDim` of a tensor of `rank`.
  void noteChannel(int64_t rank, int64_t channelDim) {
    if (!channelsAgree)
      return;
    if (!pipeline.channelDim) {
      pipeline.channelDim = channelDim;
      pipeline.channelRank = rank;
    } else if (pipeline.channelRank != rank || *pipeline.channelDim != channelDim) {
      channelsAgree = false;
      pipeline.channelDim.reset();
    }
  }

  /// Defines `result` element-wise as `fn` of `op`'s operands at each index.
  LogicalResult elementwise(Operation *op, const std::string &name,
                            const std::function<Expr(ArrayRef<Expr>)> &fn);

  /// Defines `result` (of `x`'s shape) as `fn(element, channel index)`.
  LoweredTensor perElement(const std::string &name, const LoweredTensor &x,
                           int64_t channelDim,
                           const std::function<Expr(Expr, Expr)> &fn);

  /// A per-channel Func, in double: the sum over every dimension of `shape`
  /// but `channelDim` of `term(indices, type)`, indices in MLIR order, the
  /// term computed in `type`. A Tuple term makes a Tuple of sums, computed
  /// in one pass. Where the channel has positions outside it, each run of
  /// it (the dense dimensions inside it, or, with channels contiguous, an
  /// image's positions) is summed in f32 first (a RunSum), and the runs in
  /// double.
  Func channelSum(
      const std::string &name, ArrayRef<int64_t> shape, int64_t channelDim,
      const std::function<Halide::Tuple(ArrayRef<Expr>, Halide::Type)> &term);

  /// Per-channel statistics of `x` in double, in one pass: the mean, and
  /// the sum of squared deviations from it; `samples` is m.
  struct Statistics {
    Func mean;
    Func squaredDeviations;
    double samples;
  };
  Statistics channelStatistics(const LoweredTensor &x, int64_t channelDim);

  /// A per-channel Func of `channels` elements defined by `fn(channel)`.
  LoweredTensor perChannel(const std::string &name, int64_t channels,
                           const std::function<Expr(Expr)> &fn);

  const LoweredTensor &get(Value value) { return values->find(value)->second; }
  void set(Value value, LoweredTensor tensor) {
    (*values)[value] = std::move(tensor);
  }

  /// The shape a tensor of `type` is lowered with (ActivationView).
  SmallVector<int64_t> loweredShape(ShapedType type) const {
    return ::loweredShape(view, type.getShape());
  }
  /// The channel of a per-channel op over `x`, in x's lowered shape.
  int64_t loweredChannelDim(Value x, int64_t channelDim) const {
    return isViewed(view, cast<ShapedType>(x.getType()).getShape())
               ? view->viewChannelDim
               : channelDim;
  }

  LoweredPipeline &pipeline;
  Operation *entryPoint;
  std::optional<ActivationView> view;
  DenseMap<Value, LoweredTensor> *values = nullptr;
  SymbolTableCollection symbols;
  /// The values of the dense constants lowered so far, by Func name.
  std::map<std::string, Halide::Buffer<float>> constants;
  int counter = 0;
  bool channelsAgree = true;
};

/// The static shape of `type`, or an error at `op` naming `what`.
FailureOr<SmallVector<int64_t>> staticShape(Operation *op, Type type,
                                            const Twine &what) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (tensorType && tensorType.hasStaticShape() &&
      tensorType.getElementType().isF32())
    return SmallVector<int64_t>(tensorType.getShape());
  if (type.isF32())
    return SmallVector<int64_t>();
  return op->emitError("the Halide back end needs static shapes of f32, but ")
         << what << " is " << type
         << "; give the entry point static shapes";
}

LogicalResult Lowerer::lowerBody(func::FuncOp func,
                                 ArrayRef<LoweredTensor> arguments,
                                 SmallVectorImpl<LoweredTensor> &results) {
  if (func.isExternal() || !func.getBody().hasOneBlock())
    return func.emitError("the Halide back end needs @")
           << func.getName() << " to have a body of one block";
  return lowerBlock(func.getBody().front(), arguments, results);
}

LogicalResult Lowerer::lowerBlock(Block &block,
                                  ArrayRef<LoweredTensor> arguments,
                                  SmallVectorImpl<LoweredTensor> &results) {
  DenseMap<Value, LoweredTensor> locals;
  DenseMap<Value, LoweredTensor> *outer = values;
  values = &locals;
  llvm::scope_exit restore([&] { values = outer; });
  for (auto [argument, tensor] : llvm::zip(block.getArguments(), arguments))
    set(argument, tensor);

  for (Operation &op : block.without_terminator()) {
    for (auto [index, result] : llvm::enumerate(op.getResults()))
      if (failed(staticShape(&op, result.getType(), "result #" + Twine(index))))
        return failure();
    if (failed(lower(&op)))
      return failure();
  }
  for (Value operand : block.getTerminator()->getOperands())
    results.push_back(get(operand));
  return success();
}

LogicalResult Lowerer::lowerKernel(bn::KernelOp op) {
  bn::ScheduleTarget schedule = op.getSchedule().value_or(bn::ScheduleTarget::Cpu);
  if (schedule == bn::ScheduleTarget::Cuda)
    return op.emitError("this kernel is scheduled for CUDA, but the Halide "
                        "JIT back end runs on the host CPU; schedule it with "
                        "bn-schedule=target=cpu or target=auto");
  if (schedule == bn::ScheduleTarget::Auto)
    pipeline.autoSchedule = true;
  SmallVector<LoweredTensor> inputs, results;
  for (Value input : op.getInputs())
    inputs.push_back(get(input));
  if (failed(lowerBlock(op.getBody().front(), inputs, results)))
    return failure();
  // What leaves a kernel is computed once, as one loop nest; what is only
  // returned is computed in the loop nest of the entry point's output.
  for (auto [result, tensor] : llvm::zip(op.getResults(), results)) {
    bool onlyReturned =
        op->getParentOp() == entryPoint &&
        llvm::all_of(result.getUsers(),
                     [](Operation *user) { return isa<func::ReturnOp>(user); });
    std::vector<Var> vars = makeVars(tensor.shape.size());
    Func output = newFunc("kernel_result", onlyReturned ? FuncRole::Elementwise
                                                        : FuncRole::Materialized);
    output(innermostFirst(ArrayRef<Var>(vars))) =
        tensor.func(innermostFirst(ArrayRef<Expr>(asExprs(vars))));
    set(result, {output, tensor.shape});
  }
  return success();
}

LogicalResult Lowerer::lower(Operation *op) {
  using Args = ArrayRef<Expr>;
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::ConstantOp constant) { return lowerConstant(constant); })
      .Case([&](func::CallOp call) { return lowerCall(call); })
      .Case([&](bn::KernelOp kernel) { return lowerKernel(kernel); })
      .Case([&](arith::AddFOp) {
        return elementwise(op, "add", [](Args v) { return v[0] + v[1]; });
      })
      .Case([&](arith::SubFOp) {
        return elementwise(op, "sub", [](Args v) { return v[0] - v[1]; });
      })
      .Case([&](arith::MulFOp) {
        return elementwise(op, "mul", [](Args v) { return v[0] * v[1]; });
      })
      .Case([&](arith::DivFOp) {
        return elementwise(op, "div", [](Args v) { return v[0] / v[1]; });
      })
      .Case([&](arith::NegFOp) {
        return elementwise(op, "neg", [](Args v) { return -v[0]; });
      })
      .Case([&](arith::MaximumFOp) {
        return elementwise(op, "max",
                           [](Args v) { return Halide::max(v[0], v[1]); });
      })
      .Case([&](math::RsqrtOp) {
        return elementwise(op, "rsqrt",
                           [](Args v) { return 1.0f / Halide::sqrt(v[0]); });
      })
      .Case([&](math::SqrtOp) {
        return elementwise(op, "sqrt", [](Args v) { return Halide::sqrt(v[0]); });
      })
      .Case([&](nn::ReluOp) {
        return elementwise(op, "relu",
                           [](Args v) { return Halide::max(v[0], 0.0f); });
      })
      .Case([&](nn::AddOp) {
        return elementwise(op, "residual_add",
                           [](Args v) { return v[0] + v[1]; });
      })
      .Case([&](bn::BatchNormTrainOp train) { return lowerTrain(train); })
      .Case([&](bn::BatchNormInferOp infer) { return lowerInfer(infer); })
      .Case([&](bn::BatchNormGradOp grad) { return lowerGrad(grad); })
      .Case([&](bn::StatsOp stats) { return lowerStats(stats); })
      .Case([&](bn::AffineOp affine) { return lowerAffine(affine); })
      .Case([&](nn::Conv2DOp conv) { return lowerConv(conv); })
      .Case([&](nn::DenseOp dense) { return lowerDense(dense); })
      .Default([&](Operation *) -> LogicalResult {
        return op->emitError("the Halide back end cannot lower '")
               << op->getName() << "'";
      });
}

LogicalResult
Lowerer::elementwise(Operation *op, const std::string &name,
                     const std::function<Expr(ArrayRef<Expr>)> &fn) {
  auto type = cast<ShapedType>(op->getResult(0).getType());
  SmallVector<int64_t> shape = loweredShape(type);
  std::vector<Var> vars = makeVars(shape.size());
  std::vector<Expr> indices = asExprs(vars);
  std::vector<Expr> operands;
  for (Value operand : op->getOperands())
    operands.push_back(at(get(operand), indices));
  // Per-channel arithmetic (folded BN parameters) is computed once, not
  // again for every element that uses it.
  Func func = newFunc(name, type.getRank() <= 1 ? FuncRole::PerChannel
                                                : FuncRole::Elementwise);
  func(innermostFirst(ArrayRef<Var>(vars))) = fn(operands);
  set(op->getResult(0), {func, shape});
  return success();
}

LoweredTensor Lowerer::perElement(const std::string &name,
                                  const LoweredTensor &x, int64_t channelDim,
                                  const std::function<Expr(Expr, Expr)> &fn) {
  noteChannel(static_cast<int64_t>(x.shape.size()), channelDim);
  std::vector<Var> vars = makeVars(x.shape.size());
  Func func = newFunc(name, FuncRole::Elementwise);
  func(innermostFirst(ArrayRef<Var>(vars))) =
      fn(at(x, asExprs(vars)), vars[channelDim]);
  return {func, x.shape};
}

/// Runs shorter than this span several images (see channelSum): where a
/// run is dense (NCHW), its vector lanes are added up at its end; where
/// channels are contiguous (NHWC), the lanes are channels and a run only
/// has to pay for starting and ending its sums.
constexpr int64_t kMinRunValues = 2048;
constexpr int64_t kMinChannelsInnerRunValues = 64;
/// Where channels are contiguous, a vector lane sums a channel's whole run
/// in f32: runs are at most this long (measured, values ten standard
/// deviations off the shift: runs of 4096 in a lane give a variance within
/// 1.6e-4 of float64's, runs of 65536 within 8e-4; dense NCHW runs of 65536
/// give each of 16 lanes 4096 values).
constexpr int64_t kMaxChannelsInnerRunValues = 4096;

Func Lowerer::channelSum(
    const std::string &name, ArrayRef<int64_t> shape, int64_t channelDim,
    const std::function<Halide::Tuple(ArrayRef<Expr>, Halide::Type)> &term) {
  noteChannel(static_cast<int64_t>(shape.size()), channelDim);
  Var channel("c");
  // A channel's run: the dimensions inside it (after it in MLIR order),
  // dense in memory (NCHW: H x W); where every one of them has extent 1
  // (channels contiguous: NHWC, dense layers, NCHW with H = W = 1), the
  // innermost positions outside it instead, those of one image (every
  // dimension but the outermost) as far as they make at most
  // kMaxChannelsInnerRunValues (NHWC: H x W, or W alone). The positions
  // outside the run: the rest.
  int64_t rank = static_cast<int64_t>(shape.size());
  int64_t insideLength = 1;
  for (int64_t d = channelDim + 1; d < rank; ++d)
    insideLength *= shape[d];
  bool channelsInner = insideLength == 1;
  int64_t firstRunPosition = channelDim; // channels inner: [it, channelDim)
  for (int64_t length = 1; channelsInner && firstRunPosition > 1 &&
                           length * shape[firstRunPosition - 1] <=
                               kMaxChannelsInnerRunValues;)
    length *= shape[--firstRunPosition];
  auto inRun = [&](int64_t d) {
    return d > channelDim || (d >= firstRunPosition && d < channelDim);
  };
  // A run of positions too long for f32 even in its innermost dimension:
  // every value is added in double (one level, below).
  bool twoLevels = !channelsInner || firstRunPosition < channelDim ||
                   channelDim == 1;
  std::vector<Halide::Range> run, outside; // innermost first
  int64_t runLength = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (d == channelDim)
      continue;
    if (inRun(d)) {
      run.emplace_back(0, static_cast<int>(shape[d]));
      runLength *= shape[d];
    } else {
      outside.emplace_back(0, static_cast<int>(shape[d]));
    }
  }
  auto define = [](Func func, const std::vector<Expr> &args,
                   const std::vector<Expr> &values) {
    if (values.size() == 1)
      func(args) = values.front();
    else
      func(args) = Halide::Tuple(values);
  };
  auto accumulate = [&](Func func, const std::vector<Expr> &args,
                        const std::vector<Expr> &terms) {
    std::vector<Expr> sums;
    for (size_t t = 0; t < terms.size(); ++t)
      sums.push_back((terms.size() == 1 ? Expr(func(args))
                                        : Expr(func(args)[t])) +
                     terms[t]);
    define(func, args, sums);
  };
  auto zeros = [](Halide::Type type, size_t count) {
    return std::vector<Expr>(count, Halide::cast(type, 0));
  };
  auto termsAt = [&](Halide::Type type,
                     const std::function<Expr(int64_t)> &index) {
    std::vector<Expr> indices(shape.size());
    for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
      indices[d] = d == channelDim ? Expr(channel) : index(d);
    return term(indices, type).as_vector();
  };

  if (!outside.empty() && twoLevels) {
    // Two levels: each run (one image's H x W) summed in f32, the runs in
    // double. A run's rounding grows with the run, not with the batch
    // (tests/e2e bounds it for runs of 65536 values); its f32 sums take a
    // third of the vector work of double ones, which was what bounded the
    // training forward while a channel is in cache, and the statistics of
    // NHWC tensors that fit in the last-level cache (bench/RESULTS.md).
    // Short runs span a few consecutive images (of the outermost position
    // outside the channel), as many as make about kMinRunValues values
    // (kMinChannelsInnerRunValues) and divide the batch.
    int64_t batch = outside.back().extent.as<Halide::Internal::IntImm>()->value;
    int64_t minRunValues =
        channelsInner ? kMinChannelsInnerRunValues : kMinRunValues;
    // Only whole images (channels inner: runs over every position but the
    // batch) are extended over the batch.
    int64_t imagesPerRun =
        channelsInner && firstRunPosition > 1
            ? 1
            : std::min(batch, std::max<int64_t>(1, minRunValues / runLength));
    while (batch % imagesPerRun != 0)
      --imagesPerRun;
    std::vector<Halide::Range> runRanges = run, runPositions = outside;
    if (imagesPerRun > 1) {
      runRanges.emplace_back(0, static_cast<int>(imagesPerRun));
      runPositions.back() =
          Halide::Range(0, static_cast<int>(batch / imagesPerRun));
    }
    std::vector<Var> position; // innermost first
    std::vector<Expr> runArgs = {channel};
    for (size_t p = 0; p < outside.size(); ++p) {
      position.emplace_back("p" + std::to_string(p));
      runArgs.push_back(position.back());
    }
    Func runSum = newFunc(name + "_run", FuncRole::RunSum);
    Halide::RDom runVars(runRanges);
    int k = static_cast<int>(run.size()) - 1;
    int j = static_cast<int>(outside.size()) - 1;
    std::vector<Expr> terms =
        termsAt(Halide::Float(32), [&](int64_t d) -> Expr {
          if (inRun(d))
            return runVars[k--];
          if (d == 0 && imagesPerRun > 1)
            return position[j--] * static_cast<int>(imagesPerRun) +
                   runVars[static_cast<int>(run.size())];
          return position[j--];
        });
    define(runSum, runArgs, zeros(Halide::Float(32), terms.size()));
    accumulate(runSum, runArgs, terms);

    Func func = newFunc(name, FuncRole::RunReduction);
    Halide::RDom positions(runPositions);
    std::vector<Expr> atPosition = {channel};
    for (int p = 0; p < positions.dimensions(); ++p)
      atPosition.push_back(positions[p]);
    std::vector<Expr> runs;
    for (size_t t = 0; t < terms.size(); ++t)
      runs.push_back(Halide::cast<double>(
          terms.size() == 1 ? Expr(runSum(atPosition))
                            : Expr(runSum(atPosition)[t])));
    define(func, {channel}, zeros(Halide::Float(64), terms.size()));
    accumulate(func, {channel}, runs);
    int denseDims = channelsInner ? 0 : static_cast<int>(run.size());
    pipeline.runSums.push_back({func, runSum, denseDims, shape[channelDim]});
    return func;
  }

  // One level, in double: nothing outside the channel, or channels inner
  // with positions too long for runs.
  std::vector<Halide::Range> ranges = run;
  ranges.insert(ranges.end(), outside.begin(), outside.end());
  Func func = newFunc(name, runLength == 1 ? FuncRole::ReductionChannelsInner
                                           : FuncRole::Reduction);
  if (ranges.empty()) {
    define(func, {channel}, termsAt(Halide::Float(64), nullptr));
    return func;
  }
  Halide::RDom r(ranges);
  int k = static_cast<int>(ranges.size()) - 1;
  std::vector<Expr> terms = termsAt(
      Halide::Float(64), [&](int64_t) -> Expr { return Expr(r[k--]); });
  define(func, {channel}, zeros(Halide::Float(64), terms.size()));
  accumulate(func, {channel}, terms);
  return func;
}

Lowerer::Statistics Lowerer::channelStatistics(const LoweredTensor &x,
                                               int64_t channelDim) {
  double samples =
      static_cast<double>(product(x.shape) / x.shape[channelDim]);
  // One pass over x: the sums of d and d^2, d = x - shift (channelSum:
  // runs in f32, the whole in double). The shift (the channel's first
  // value) keeps d near the channel's spread, so that sum(d^2) - sum(d)^2
  // / m does not cancel (a naive sum of squares would lose the variance of
  // a channel with a large mean).
  Var c("c");
  Func shift = newFunc("shift", FuncRole::Elementwise);
  std::vector<Expr> first(x.shape.size(), Expr(0));
  first[channelDim] = c;
  shift(c) = at(x, first);
  Func moments = channelSum(
      "shifted_moments", x.shape, channelDim,
      [&](ArrayRef<Expr> i, Halide::Type type) {
        Expr d = Halide::cast(type, at(x, i)) -
                 Halide::cast(type, shift(i[channelDim]));
        return Halide::Tuple(d, d * d);
      });
  Func mean = newFunc("mean_f64", FuncRole::Elementwise);
  mean(c) = Halide::cast<double>(shift(c)) + moments(c)[0] / Expr(samples);
  Func squares = newFunc("squared_deviation", FuncRole::Elementwise);
  squares(c) = Halide::max(
      moments(c)[1] - moments(c)[0] * moments(c)[0] / Expr(samples),
      Halide::cast<double>(0));
  return {mean, squares, samples};
}

LoweredTensor Lowerer::perChannel(const std::string &name, int64_t channels,
                                  const std::function<Expr(Expr)> &fn) {
  Var channel("c");
  Func func = newFunc(name, FuncRole::PerChannel);
  func(channel) = fn(channel);
  return {func, {channels}};
}

LogicalResult Lowerer::lowerConstant(arith::ConstantOp op) {
  Attribute value = op.getValue();
  if (auto scalar = dyn_cast<FloatAttr>(value)) {
    Func func = newFunc("scalar", FuncRole::Elementwise);
    func() = Expr(static_cast<float>(scalar.getValueAsDouble()));
    set(op.getResult(), {func, {}});
    return success();
  }
  auto elements = dyn_cast<DenseElementsAttr>(value);
  if (!elements || !elements.getElementType().isF32())
    return op.emitError("the Halide back end supports f32 constants only");
  SmallVector<int64_t> shape = loweredShape(elements.getType());
  std::vector<int> extents;
  for (int64_t size : llvm::reverse(shape))
    extents.push_back(static_cast<int>(size));
  Halide::Buffer<float> buffer(extents);
  // Halide's dense buffers store the innermost dimension first, which is
  // MLIR's row-major order.
  int64_t index = 0;
  for (float element : elements.getValues<float>())
    buffer.data()[index++] = element;
  Func func = newFunc("constant", FuncRole::Elementwise);
  std::vector<Var> vars = makeVars(shape.size());
  std::vector<Expr> args = innermostFirst(ArrayRef<Expr>(asExprs(vars)));
  func(innermostFirst(ArrayRef<Var>(vars))) = buffer(args);
  constants.emplace(func.name(), buffer);
  set(op.getResult(), {func, shape});
  return success();
}

LogicalResult Lowerer::lowerCall(func::CallOp op) {
  auto callee =
      symbols.lookupNearestSymbolFrom<func::FuncOp>(op, op.getCalleeAttr());
  if (!callee)
    return op.emitError("cannot find @") << op.getCallee();
  SmallVector<LoweredTensor> arguments, results;
  for (Value operand : op.getOperands())
    arguments.push_back(get(operand));
  if (failed(lowerBody(callee, arguments, results)))
    return failure();
  for (auto [result, tensor] : llvm::zip(op.getResults(), results))
    set(result, tensor);
  return success();
}

LogicalResult Lowerer::lowerTrain(bn::BatchNormTrainOp op) {
  const LoweredTensor &x = get(op.getX());
  int64_t channelDim = op.getChannelDim();
  int64_t channels = x.shape[channelDim];
  Statistics statistics = channelStatistics(x, channelDim);
  Func meanD = statistics.mean, squares = statistics.squaredDeviations;
  double samples = statistics.samples;
  double epsilon = op.getEpsilon().convertToFloat();
  double momentum = op.getMomentum().convertToFloat();
  double bessel = op.getRunningVarUpdate() == bn::VarianceEstimator::unbiased
                      ? samples / (samples - 1.0)
                      : 1.0;

  LoweredTensor mean = perChannel("batch_mean", channels, [&](Expr ch) {
    return Halide::cast<float>(meanD(ch));
  });
  LoweredTensor invStd = perChannel("batch_inv_std", channels, [&](Expr ch) {
    return Halide::cast<float>(
        Expr(1.0) / Halide::sqrt(squares(ch) / Expr(samples) + Expr(epsilon)));
  });
  const LoweredTensor &scale = get(op.getScale()), &offset = get(op.getOffset());
  const LoweredTensor &runningMean = get(op.getRunningMean());
  const LoweredTensor &runningVar = get(op.getRunningVar());
  LoweredTensor newMean = perChannel("new_running_mean", channels, [&](Expr ch) {
    return Halide::cast<float>(
        Expr(1.0 - momentum) * Halide::cast<double>(runningMean.func(ch)) +
        Expr(momentum) * meanD(ch));
  });
  LoweredTensor newVar = perChannel("new_running_var", channels, [&](Expr ch) {
    return Halide::cast<float>(
        Expr(1.0 - momentum) * Halide::cast<double>(runningVar.func(ch)) +
        Expr(momentum * bessel / samples) * squares(ch));
  });
  LoweredTensor y = perElement("normalized", x, channelDim, [&](Expr v, Expr ch) {
    return (v - mean.func(ch)) * invStd.func(ch) * scale.func(ch) +
           offset.func(ch);
  });
  set(op.getY(), y);
  set(op.getNewRunningMean(), newMean);
  set(op.getNewRunningVar(), newVar);
  set(op.getBatchMean(), mean);
  set(op.getBatchInvStd(), invStd);
  return success();
}

LogicalResult Lowerer::lowerInfer(bn::BatchNormInferOp op) {
  const LoweredTensor &x = get(op.getX());
  const LoweredTensor &scale = get(op.getScale()), &offset = get(op.getOffset());
  const LoweredTensor &mean = get(op.getMean()), &var = get(op.getVar());
  float epsilon = op.getEpsilon().convertToFloat();
  set(op.getY(), perElement("inference_bn", x,
                            loweredChannelDim(op.getX(), op.getChannelDim()),
                            [&](Expr v, Expr c) {
                              return (v - mean.func(c)) /
                                         Halide::sqrt(var.func(c) + epsilon) *
                                         scale.func(c) +
                                     offset.func(c);
                            }));
  return success();
}

LogicalResult Lowerer::lowerGrad(bn::BatchNormGradOp op) {
  const LoweredTensor &x = get(op.getX()), &dy = get(op.getDy());
  const LoweredTensor &scale = get(op.getScale());
  const LoweredTensor &mean = get(op.getBatchMean());
  const LoweredTensor &invStd = get(op.getBatchInvStd());
  int64_t channelDim = op.getChannelDim();
  int64_t channels = x.shape[channelDim];
  float samples = static_cast<float>(product(x.shape) / channels);
  auto xhat = [&](ArrayRef<Expr> i) {
    Expr c = i[channelDim];
    return (at(x, i) - mean.func(c)) * invStd.func(c);
  };
  // Both sums in one pass over x and dy.
  Func sums = channelSum("gradient_sums", x.shape, channelDim,
                         [&](ArrayRef<Expr> i, Halide::Type type) {
                           return Halide::Tuple(
                               Halide::cast(type, at(dy, i)),
                               Halide::cast(type, at(dy, i) * xhat(i)));
                         });
  LoweredTensor doffset = perChannel("doffset", channels, [&](Expr c) {
    return Halide::cast<float>(sums(c)[0]);
  });
  LoweredTensor dscale = perChannel("dscale", channels, [&](Expr c) {
    return Halide::cast<float>(sums(c)[1]);
  });
  std::vector<Var> vars = makeVars(x.shape.size());
  std::vector<Expr> i = asExprs(vars);
  Expr c = vars[channelDim];
  Func dx = newFunc("dx", FuncRole::Elementwise);
  dx(innermostFirst(ArrayRef<Var>(vars))) =
      scale.func(c) * invStd.func(c) / samples *
      (samples * at(dy, i) - doffset.func(c) - xhat(i) * dscale.func(c));
  set(op.getDx(), {dx, x.shape});
  set(op.getDscale(), dscale);
  set(op.getDoffset(), doffset);
  return success();
}

LogicalResult Lowerer::lowerStats(bn::StatsOp op) {
  const LoweredTensor &x = get(op.getX());
  int64_t channelDim = op.getChannelDim();
  int64_t channels = x.shape[channelDim];
  Statistics statistics = channelStatistics(x, channelDim);
  Func meanD = statistics.mean, squares = statistics.squaredDeviations;
  double samples = statistics.samples;
  set(op.getMean(), perChannel("mean", channels, [&](Expr ch) {
        return Halide::cast<float>(meanD(ch));
      }));
  set(op.getVar(), perChannel("var", channels, [&](Expr ch) {
        return Halide::cast<float>(squares(ch) / Expr(samples));
      }));
  return success();
}

LogicalResult Lowerer::lowerAffine(bn::AffineOp op) {
  const LoweredTensor &x = get(op.getX());
  const LoweredTensor &mul = get(op.getMul()), &add = get(op.getAdd());
  set(op.getY(),
      perElement(
          "affine", x, loweredChannelDim(op.getX(), op.getChannelDim()),
          [&](Expr v, Expr c) { return v * mul.func(c) + add.func(c); }));
  return success();
}

LogicalResult Lowerer::lowerConv(nn::Conv2DOp op) {
  const LoweredTensor &input = get(op.getInput());
  const LoweredTensor &filter = get(op.getFilter());
  bool nchw = op.getLayout() == nn::Layout::nchw;
  ArrayRef<int64_t> strides = op.getStrides(), padding = op.getPadding(),
                    dilations = op.getDilations();
  int64_t groups = op.getGroups();
  int64_t channels = input.shape[op.getChannelDim()];
  int64_t outChannels = filter.shape[op.getFilterOutputChannelDim()];
  int64_t kernelH = filter.shape[op.getFilterHeightDim()];
  int64_t kernelW = filter.shape[op.getFilterWidthDim()];
  int groupIn = static_cast<int>(channels / groups);
  int groupOut = static_cast<int>(outChannels / groups);
  SmallVector<int64_t> outShape(
      cast<RankedTensorType>(op.getOutput().getType()).getShape());

  // Zero outside the input: the padding, materialised once. Without
  // padding the input is read as it is.
  Func padded = input.func;
  if (llvm::any_of(padding, [](int64_t pad) { return pad != 0; })) {
    Halide::Region bounds;
    for (int64_t size : llvm::reverse(input.shape))
      bounds.emplace_back(0, static_cast<int>(size));
    padded = newFunc("padded", FuncRole::Materialized);
    std::vector<Var> padVars = makeVars(input.shape.size());
    padded(innermostFirst(ArrayRef<Var>(padVars))) =
        Halide::BoundaryConditions::constant_exterior(input.func, 0.0f, bounds)(
            innermostFirst(ArrayRef<Var>(padVars)));
  }

  Var n("n"), o("o"), y("y"), x("x");
  Halide::RDom r(0, groupIn, 0, static_cast<int>(kernelW), 0,
                 static_cast<int>(kernelH));
  Expr ci = r[0], kw = r[1], kh = r[2];
  Expr h = y * static_cast<int>(strides[0]) + kh * static_cast<int>(dilations[0]) -
           static_cast<int>(padding[0]);
  Expr w = x * static_cast<int>(strides[1]) + kw * static_cast<int>(dilations[1]) -
           static_cast<int>(padding[2]);
  // Without groups the channel does not depend on `o`; saying so keeps a
  // vector over output channels (NHWC) free of gathers.
  Expr c = groups == 1 ? ci : (o / groupOut) * groupIn + ci;
  Expr inputValue = nchw ? padded(w, h, c, n) : padded(c, w, h, n);
  // The weights with the output channel innermost, whatever the filter's
  // layout: the schedule takes vectors of output channels. A constant
  // filter is relaid here, once; any other on every call.
  Func weights = filter.func;
  if (nchw) {
    Var wo("wo"), wi("wi"), wx("wx"), wy("wy");
    auto constant = constants.find(filter.func.name());
    if (constant != constants.end()) {
      const Halide::Buffer<float> &oihw = constant->second; // (x, y, i, o)
      Halide::Buffer<float> relaid(oihw.dim(3).extent(), oihw.dim(2).extent(),
                                   oihw.dim(0).extent(), oihw.dim(1).extent());
      relaid.for_each_element([&](int out, int in, int kx, int ky) {
        relaid(out, in, kx, ky) = oihw(kx, ky, in, out);
      });
      weights = newFunc("weights_o_inner", FuncRole::Elementwise);
      weights(wo, wi, wx, wy) = relaid(wo, wi, wx, wy);
    } else {
      weights = newFunc("weights_o_inner", FuncRole::LayerWeights);
      weights(wo, wi, wx, wy) = filter.func(wx, wy, wi, wo);
    }
  }
  Expr weight = weights(o, ci, kw, kh);

  Func conv = newFunc("conv2d", FuncRole::Layer);
  std::vector<Var> args = nchw ? std::vector<Var>{x, y, o, n}
                               : std::vector<Var>{o, x, y, n};
  Expr bias = op.getBias() ? get(op.getBias()).func(o) : Expr(0.0f);
  conv(args) = bias;
  conv(args) += inputValue * weight;
  set(op.getOutput(), {conv, outShape});
  pipeline.layers.push_back({conv, outShape});
  return success();
}

LogicalResult Lowerer::lowerDense(nn::DenseOp op) {
  const LoweredTensor &x = get(op.getX());
  const LoweredTensor &weight = get(op.getWeight());
  int64_t in = x.shape[1], out = weight.shape[0], batch = x.shape[0];
  Var n("n"), o("o");
  Halide::RDom r(0, static_cast<int>(in));
  Func dense = newFunc("dense", FuncRole::Layer);
  dense(o, n) = op.getBias() ? get(op.getBias()).func(o) : Expr(0.0f);
  dense(o, n) += x.func(r, n) * weight.func(r, o);
  set(op.getY(), {dense, {batch, out}});
  pipeline.layers.push_back({dense, {batch, out}});
  return success();
}

} // namespace

FailureOr<LoweredPipeline> bnc::halide::lowerToHalide(func::FuncOp func) {
  LoweredPipeline pipeline;
  pipeline.name = func.getName().str();
  std::optional<ActivationView> view = activationView(func);
  SmallVector<LoweredTensor> arguments;
  for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
    FailureOr<SmallVector<int64_t>> tensorShape =
        staticShape(func, type, "argument #" + Twine(index));
    if (failed(tensorShape))
      return failure();
    SmallVector<int64_t> shape = loweredShape(view, *tensorShape);
    Halide::ImageParam param(Halide::Float(32), static_cast<int>(shape.size()),
                             "arg" + std::to_string(index));
    declareDense(param, shape);
    pipeline.inputs.push_back(param);
    pipeline.inputShapes.push_back(shape);
    pipeline.tensorShapes.push_back(*tensorShape);
    std::vector<Var> vars = makeVars(shape.size());
    Func input("input" + std::to_string(index));
    input(innermostFirst(ArrayRef<Var>(vars))) =
        param(innermostFirst(ArrayRef<Expr>(asExprs(vars))));
    arguments.push_back({input, shape});
  }

  Lowerer lowerer(pipeline, func, view);
  SmallVector<LoweredTensor> results;
  if (failed(lowerer.lowerBody(func, arguments, results)))
    return failure();
  for (auto [index, type] : llvm::enumerate(func.getResultTypes())) {
    FailureOr<SmallVector<int64_t>> tensorShape =
        staticShape(func, type, "result #" + Twine(index));
    if (failed(tensorShape))
      return failure();
    pipeline.tensorShapes.push_back(*tensorShape);
  }
  for (auto [index, result] : llvm::enumerate(results)) {
    // A Func of its own per output, even where an entry point returns an
    // input or the same value twice. The channel of every output is called
    // "c": the schedule may fuse their loops over it.
    std::vector<Var> vars = makeVars(result.shape.size());
    int64_t rank = static_cast<int64_t>(result.shape.size());
    if (pipeline.channelDim && rank == pipeline.channelRank)
      vars[*pipeline.channelDim] = Var("c");
    else if (pipeline.channelDim && rank == 1)
      vars[0] = Var("c");
    Func output("result" + std::to_string(index));
    output(innermostFirst(ArrayRef<Var>(vars))) =
        result.func(innermostFirst(ArrayRef<Expr>(asExprs(vars))));
    declareDense(output.output_buffer(), result.shape);
    pipeline.outputs.push_back({output, result.shape});
  }
  return pipeline;
}
