//===- ModelInterface.cpp - What a compiled model looks like to an app ----===//
//
// Part of bnc. See ModelInterface.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/ModelInterface.h"

#include "dialects/bn/IR/BNOps.h"
#include "dialects/nn/IR/NNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace bnc;

namespace {

/// Calls `fn` on every use of `value`, following it into bn.kernel bodies.
void forEachUse(Value value, function_ref<void(OpOperand &)> fn) {
  for (OpOperand &use : value.getUses()) {
    if (auto kernel = dyn_cast<bn::KernelOp>(use.getOwner())) {
      forEachUse(kernel.getBody().getArgument(use.getOperandNumber()), fn);
      continue;
    }
    fn(use);
  }
}

/// The counter PyTorch keeps next to `L.running_mean`: L.num_batches_tracked.
std::optional<std::string> counterFor(StringRef stateName) {
  StringRef layer = stateName;
  if (!layer.consume_back("running_mean") ||
      !(layer.empty() || layer.ends_with(".")))
    return std::nullopt;
  return (layer + "num_batches_tracked").str();
}

struct Init {
  StateInit kind;
  double uniformBound = 0.0;
};

Init uniformForFanIn(int64_t fanIn) {
  return {StateInit::Uniform, 1.0 / std::sqrt(static_cast<double>(fanIn))};
}

/// PyTorch's default value for what `use` reads: BN weight and running_var
/// are ones, BN bias and running_mean zeros; conv and linear weights and
/// biases are kaiming-uniform with a = sqrt(5), i.e. U(+-1/sqrt(fan_in)).
std::optional<Init> initForUse(OpOperand &use) {
  Operation *owner = use.getOwner();
  unsigned operand = use.getOperandNumber();
  if (isa<bn::BatchNormTrainOp, bn::BatchNormInferOp>(owner)) {
    // Operands: x, scale, offset, running_mean, running_var.
    if (operand == 1 || operand == 4)
      return Init{StateInit::Ones};
    if (operand == 2 || operand == 3)
      return Init{StateInit::Zeros};
    return std::nullopt;
  }
  if (auto conv = dyn_cast<nn::Conv2DOp>(owner)) {
    if (operand == 0)
      return std::nullopt;
    ArrayRef<int64_t> filter = conv.getFilter().getType().getShape();
    int64_t fanIn = 1;
    for (auto [dim, size] : llvm::enumerate(filter))
      if (static_cast<int64_t>(dim) != conv.getFilterOutputChannelDim())
        fanIn *= size;
    return uniformForFanIn(fanIn);
  }
  if (auto dense = dyn_cast<nn::DenseOp>(owner)) {
    if (operand == 0)
      return std::nullopt;
    return uniformForFanIn(dense.getWeight().getType().getDimSize(1));
  }
  return std::nullopt;
}

/// The channel dimension of a BN op on a 4-D tensor.
std::optional<int64_t> channelDimOf4DBatchNorm(Operation *op) {
  auto channelDim = [](auto bnOp) -> std::optional<int64_t> {
    if (bnOp.getX().getType().getRank() != 4)
      return std::nullopt;
    return bnOp.getChannelDim();
  };
  if (auto train = dyn_cast<bn::BatchNormTrainOp>(op))
    return channelDim(train);
  if (auto infer = dyn_cast<bn::BatchNormInferOp>(op))
    return channelDim(infer);
  if (auto affine = dyn_cast<bn::AffineOp>(op))
    return channelDim(affine);
  return std::nullopt;
}

/// The layout of the 4-D activations of `func`: the first convolution's, or
/// the first BN's channel axis.
TensorLayout activationLayout(func::FuncOp func) {
  std::optional<TensorLayout> layout;
  func.walk([&](Operation *op) {
    if (auto conv = dyn_cast<nn::Conv2DOp>(op)) {
      layout = conv.getLayout() == nn::Layout::nchw ? TensorLayout::NCHW
                                                   : TensorLayout::NHWC;
    } else if (std::optional<int64_t> dim = channelDimOf4DBatchNorm(op)) {
      if (*dim == 1)
        layout = TensorLayout::NCHW;
      else if (*dim == 3)
        layout = TensorLayout::NHWC;
    }
    return layout ? WalkResult::interrupt() : WalkResult::advance();
  });
  return layout.value_or(TensorLayout::Plain);
}

/// The static f32 shape of `type`, or an error at `func`.
FailureOr<SmallVector<int64_t>> staticShape(func::FuncOp func, Type type,
                                            StringRef what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() || !tensor.getElementType().isF32()) {
    func.emitError("cannot compile @")
        << func.getName() << " ahead of time: " << what << " has type "
        << type << "; compiled entry points take and return f32 tensors of "
        << "static shape";
    return failure();
  }
  return SmallVector<int64_t>(tensor.getShape());
}

/// Adds state entry `name` or checks that it agrees with the one there.
LogicalResult addStateEntry(func::FuncOp func, StateEntry entry,
                            std::vector<StateEntry> &state,
                            llvm::StringMap<size_t> &index) {
  auto [it, inserted] = index.try_emplace(entry.name, state.size());
  if (inserted) {
    state.push_back(std::move(entry));
    return success();
  }
  StateEntry &existing = state[it->second];
  if (existing.shape != entry.shape)
    return func.emitError("state entry \"")
           << entry.name << "\" has shape [" << existing.shape
           << "] in one entry point and [" << entry.shape << "] in @"
           << func.getName() << "; one name is one tensor";
  // An entry point that knows what reads the entry (the training one, before
  // folding) decides its initial value.
  if (existing.init == StateInit::Zeros && entry.init != StateInit::Zeros)
    existing = std::move(entry);
  return success();
}

FailureOr<EntryPointInterface>
describeEntryPoint(func::FuncOp func, std::vector<StateEntry> &state,
                   llvm::StringMap<size_t> &stateIndex) {
  EntryPointInterface entry;
  entry.name = func.getName().str();
  entry.mode = *bn::getEntryMode(func);
  TensorLayout layout = activationLayout(func);
  auto layoutOf = [&](ArrayRef<int64_t> shape) {
    return shape.size() == 4 ? layout : TensorLayout::Plain;
  };

  for (BlockArgument argument : func.getArguments()) {
    unsigned i = argument.getArgNumber();
    FailureOr<SmallVector<int64_t>> shape = staticShape(
        func, argument.getType(), "argument #" + std::to_string(i));
    if (failed(shape))
      return failure();
    InterfaceValue value{InterfaceValue::Kind::Input, "input" + std::to_string(i),
                         *shape};
    if (StringAttr stateName = bn::getArgumentStateName(func, i)) {
      value.kind = InterfaceValue::Kind::State;
      value.name = stateName.str();
      StateEntry stateEntry{value.name, value.shape};
      // Counted from the name where no use says more (after folding).
      if (StringRef(value.name).ends_with(".running_var"))
        stateEntry.init = StateInit::Ones;
      forEachUse(argument, [&](OpOperand &use) {
        if (std::optional<Init> init = initForUse(use)) {
          stateEntry.init = init->kind;
          stateEntry.uniformBound = init->uniformBound;
        }
      });
      if (failed(addStateEntry(func, std::move(stateEntry), state, stateIndex)))
        return failure();
    } else {
      if (StringAttr name = bn::getArgumentName(func, i))
        value.name = name.str();
      value.layout = layoutOf(value.shape);
    }
    entry.values.push_back(std::move(value));
  }

  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i) {
    FailureOr<SmallVector<int64_t>> shape = staticShape(
        func, func.getResultTypes()[i], "result #" + std::to_string(i));
    if (failed(shape))
      return failure();
    InterfaceValue value{InterfaceValue::Kind::Output,
                         "output" + std::to_string(i), *shape};
    if (StringAttr stateName = bn::getResultStateName(func, i)) {
      value.kind = InterfaceValue::Kind::StateUpdate;
      value.name = stateName.str();
      if (std::optional<std::string> counter = counterFor(value.name))
        entry.counters.push_back(*counter);
    } else {
      if (StringAttr name = bn::getResultName(func, i))
        value.name = name.str();
      value.layout = layoutOf(value.shape);
    }
    entry.values.push_back(std::move(value));
  }
  return entry;
}

/// Adds `L.num_batches_tracked` for each `L.running_mean`, right after the
/// last entry of layer L, where PyTorch's state_dict has it.
std::vector<StateEntry> withCounters(std::vector<StateEntry> state) {
  std::vector<std::string> counters;
  for (const StateEntry &entry : state)
    if (std::optional<std::string> counter = counterFor(entry.name))
      counters.push_back(*counter);
  for (const std::string &counter : counters) {
    StringRef layer = StringRef(counter).drop_back(strlen("num_batches_tracked"));
    auto lastOfLayer =
        std::find_if(state.rbegin(), state.rend(), [&](const StateEntry &e) {
          return StringRef(e.name).starts_with(layer);
        });
    state.insert(lastOfLayer.base(), StateEntry{counter, {}, /*isCounter=*/true});
  }
  return state;
}

} // namespace

FailureOr<ModelInterface> bnc::describeModel(ModuleOp module) {
  ModelInterface model;
  llvm::StringMap<size_t> stateIndex;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || func.isPrivate() || !bn::getEntryMode(func))
      continue;
    FailureOr<EntryPointInterface> entry =
        describeEntryPoint(func, model.state, stateIndex);
    if (failed(entry))
      return failure();
    model.entryPoints.push_back(std::move(*entry));
  }
  if (model.entryPoints.empty()) {
    module.emitError("no entry point to compile: mark the public functions "
                     "to compile with bn.mode = \"train\" or \"infer\"");
    return failure();
  }
  model.state = withCounters(std::move(model.state));
  return model;
}
