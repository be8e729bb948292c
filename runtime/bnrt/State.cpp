//===- State.cpp - A model's named parameters and statistics --------------===//
//
// Part of bnrt. See State.h.
//
//===----------------------------------------------------------------------===//

#include "bnrt/State.h"

#include <algorithm>
#include <random>

using namespace bnrt;

namespace {

std::string describeSpec(const StateEntrySpec &spec) {
  return std::string(toString(spec.dtype)) + " " + formatShape(spec.shape);
}

/// Checks that `value` fits entry `spec`.
Status checkFits(const StateEntrySpec &spec, const Tensor &value) {
  if (value.dtype() == spec.dtype && value.shape() == spec.shape)
    return Status::success();
  return Status::error("state entry '" + spec.name + "' must be " +
                       describeSpec(spec) + ", but got " + value.describe());
}

void initialize(const StateEntrySpec &spec, Tensor &value,
                std::mt19937_64 &generator) {
  if (spec.dtype != DType::F32)
    return; // counters start at zero
  float *data = value.f32();
  for (int64_t i = 0; i < value.numElements(); ++i) {
    switch (spec.init) {
    case Init::Zeros:
      data[i] = 0.0f;
      break;
    case Init::Ones:
      data[i] = 1.0f;
      break;
    case Init::Uniform: {
      // 53 random bits to [0, 1), then to [-bound, bound): the standard
      // distributions differ between libraries, this does not.
      double unit = static_cast<double>(generator() >> 11) * 0x1.0p-53;
      data[i] = static_cast<float>((2.0 * unit - 1.0) * spec.uniformBound);
      break;
    }
    }
  }
}

} // namespace

State::State(std::vector<StateEntrySpec> spec, uint64_t seed)
    : spec_(std::move(spec)) {
  std::mt19937_64 generator(seed);
  values.reserve(spec_.size());
  for (size_t i = 0; i < spec_.size(); ++i) {
    if (!index.emplace(spec_[i].name, i).second)
      throw Error("state entry '" + spec_[i].name + "' is declared twice");
    values.emplace_back(spec_[i].shape, spec_[i].dtype);
    initialize(spec_[i], values.back(), generator);
  }
}

std::vector<std::string> State::names() const {
  std::vector<std::string> result;
  for (const StateEntrySpec &entry : spec_)
    result.push_back(entry.name);
  return result;
}

bool State::contains(const std::string &name) const {
  return index.count(name) != 0;
}

Status State::find(const std::string &name, size_t &position) const {
  auto it = index.find(name);
  if (it != index.end()) {
    position = it->second;
    return Status::success();
  }
  std::string known;
  for (const StateEntrySpec &entry : spec_)
    known += (known.empty() ? "" : ", ") + entry.name;
  return Status::error("no state entry '" + name + "'; the model has " +
                       (known.empty() ? "none" : known));
}

const Tensor &State::get(const std::string &name) const {
  size_t position = 0;
  throwIfError(find(name, position));
  return values[position];
}

Status State::set(const std::string &name, Tensor value) {
  Transaction transaction(*this);
  if (Status status = transaction.stage(name, std::move(value)); !status)
    return status;
  transaction.commit();
  return Status::success();
}

Status Transaction::stage(const std::string &name, Tensor value) {
  size_t position = 0;
  if (Status status = state.find(name, position); !status)
    return status;
  if (Status status = checkFits(state.spec_[position], value); !status)
    return status;
  value.setLayout(Layout::Plain);
  staged.emplace_back(position, std::move(value));
  return Status::success();
}

Status Transaction::stageIncrement(const std::string &name) {
  size_t position = 0;
  if (Status status = state.find(name, position); !status)
    return status;
  Tensor counter = state.values[position];
  if (counter.dtype() != DType::I64 || counter.numElements() != 1)
    return Status::error("state entry '" + name +
                         "' is not a counter (i64 [])");
  ++counter.i64()[0];
  staged.emplace_back(position, std::move(counter));
  return Status::success();
}

void Transaction::commit() noexcept {
  for (auto &[position, value] : staged)
    std::swap(state.values[position], value);
  staged.clear();
}
