//===- State.h - A model's named parameters and statistics ------*- C++ -*-===//
//
// Part of bnrt, the bnc runtime. The state of a model: every parameter and
// BN statistic under its PyTorch state_dict name (`bn1.weight`,
// `bn1.running_mean`, `bn1.num_batches_tracked`, ...), in state_dict order.
// The shapes and types are fixed by the model: what does not fit is refused
// with a message, so a statistic can never be silently replaced by a
// tensor of the wrong shape.
//
//===----------------------------------------------------------------------===//

#ifndef BNRT_STATE_H
#define BNRT_STATE_H

#include "bnrt/Status.h"
#include "bnrt/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bnrt {

/// PyTorch's default initial value of an entry.
enum class Init {
  Zeros,   // BN bias, running_mean, num_batches_tracked
  Ones,    // BN weight, running_var
  Uniform, // conv and linear weights and biases: U(-bound, bound)
};

/// One entry as the compiled model declares it.
struct StateEntrySpec {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
  Init init = Init::Zeros;
  double uniformBound = 0.0;
};

class State {
public:
  State() = default;
  /// Every entry of `spec` at its initial value. Uniform entries come from a
  /// generator seeded with `seed`, the same numbers on every platform.
  explicit State(std::vector<StateEntrySpec> spec, uint64_t seed = 0);

  const std::vector<StateEntrySpec> &spec() const { return spec_; }
  /// The names, in state_dict order.
  std::vector<std::string> names() const;
  size_t size() const { return spec_.size(); }
  bool contains(const std::string &name) const;

  /// The entry `name`; throws Error naming it if there is none.
  const Tensor &get(const std::string &name) const;
  /// Replaces entry `name` by `value`, which must have its shape and type.
  Status set(const std::string &name, Tensor value);

  /// Where entry `name` is, or an error that names it and lists the entries.
  Status find(const std::string &name, size_t &index) const;
  const StateEntrySpec &specAt(size_t index) const { return spec_[index]; }
  const Tensor &at(size_t index) const { return values[index]; }

private:
  friend class Transaction;

  std::vector<StateEntrySpec> spec_;
  std::vector<Tensor> values;
  std::map<std::string, size_t> index;
};

/// Changes to a State that all happen or none does: staged tensors are
/// swapped in by commit(), which cannot fail. A Transaction that is not
/// committed changes nothing.
class Transaction {
public:
  explicit Transaction(State &state) : state(state) {}

  /// Stages `value` as the new entry `name`; checks the name, shape and type.
  Status stage(const std::string &name, Tensor value);
  /// Stages num_batches_tracked entry `name` + 1.
  Status stageIncrement(const std::string &name);
  /// Applies every staged change.
  void commit() noexcept;

private:
  State &state;
  std::vector<std::pair<size_t, Tensor>> staged;
};

} // namespace bnrt

#endif // BNRT_STATE_H
