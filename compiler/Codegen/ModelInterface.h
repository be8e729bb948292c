//===- ModelInterface.h - What a compiled model looks like to an app -*- C++ -*-===//
//
// Part of bnc. The entry points of a module as the runtime sees them: which
// arguments are data and which are state (by their `bn.state` names), which
// results are outputs and which are new state, and the model's state with its
// initial values. Ahead-of-time emission turns this into the generated C++
// wrapper; it knows nothing of Halide.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_MODELINTERFACE_H
#define BNC_COMPILER_CODEGEN_MODELINTERFACE_H

#include "dialects/bn/IR/BNDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace bnc {

/// How a 4-D activation is laid out; everything else is Plain.
enum class TensorLayout { Plain, NCHW, NHWC };

/// PyTorch's default initial value of a state entry, by what uses it.
enum class StateInit {
  Zeros,   // BN bias and running_mean; num_batches_tracked
  Ones,    // BN weight and running_var
  Uniform, // conv and dense weights and biases: U(-b, b), b = 1/sqrt(fan_in)
};

/// One entry of a model's state, as in PyTorch's state_dict.
struct StateEntry {
  std::string name;
  llvm::SmallVector<int64_t> shape;
  bool isCounter = false; // an int64 num_batches_tracked, not f32
  StateInit init = StateInit::Zeros;
  double uniformBound = 0.0;
};

/// One argument or result of an entry point.
struct InterfaceValue {
  enum class Kind {
    Input,       // data in: a `bn.name` or `input<i>`
    State,       // an argument read from the state: its `bn.state`
    Output,      // data out: a `bn.name` or `output<i>`
    StateUpdate, // a result committed to the state after success
  };
  Kind kind;
  std::string name;
  llvm::SmallVector<int64_t> shape;
  TensorLayout layout = TensorLayout::Plain;
  /// The shape of the kernel's buffer for it, where the back end lowers
  /// the tensor onto a view of fewer dimensions (the same elements, dense,
  /// in the same order); empty where the buffer has the tensor's shape.
  llvm::SmallVector<int64_t> bufferShape;
};

/// One public function with a `bn.mode`.
struct EntryPointInterface {
  std::string name;
  bn::EntryMode mode;
  /// Arguments then results: the order of the compiled pipeline's buffers.
  std::vector<InterfaceValue> values;
  /// The num_batches_tracked entries a successful call increments: one per
  /// `L.running_mean` the entry point updates.
  std::vector<std::string> counters;
};

/// Every entry point of a module and the state they share, in the order of
/// a PyTorch state_dict (first use, counters after their layer's entries).
struct ModelInterface {
  std::vector<StateEntry> state;
  std::vector<EntryPointInterface> entryPoints;
};

/// Describes `module`. Emits an error at the function or argument that
/// cannot be described: a dynamic or non-f32 tensor, state entries of one
/// name with different shapes across entry points, no entry point at all.
mlir::FailureOr<ModelInterface> describeModel(mlir::ModuleOp module);

} // namespace bnc

#endif // BNC_COMPILER_CODEGEN_MODELINTERFACE_H
