//===- EntryPoint.cpp - Calling an ahead-of-time compiled entry point ------===//
//
// Part of bnrt. See EntryPoint.h.
//
//===----------------------------------------------------------------------===//

#include "bnrt/EntryPoint.h"

#include <mutex>

using namespace bnrt;

namespace {

// Halide reports errors through one process-wide handler, from whichever
// thread failed (a worker of a parallel loop, say), so the message is kept
// process-wide too. Concurrent failing calls may see each other's message.
std::mutex halideErrorMutex;
std::string lastHalideError;

std::string expectedTensor(const ValueSpec &value) {
  std::string text = "f32 " + formatShape(value.shape);
  if (value.layout != Layout::Plain)
    text += std::string(" (") + toString(value.layout) + ")";
  return text;
}

Status checkInput(const EntryPointSpec &entry, const ValueSpec &value,
                  const Tensor *tensor) {
  std::string what = entry.name + ": input '" + value.name + "'";
  if (!tensor)
    return Status::error(what + " is missing (a null pointer)");
  bool layoutFits = tensor->layout() == Layout::Plain ||
                    tensor->layout() == value.layout;
  if (tensor->dtype() == DType::F32 && tensor->shape() == value.shape &&
      layoutFits)
    return Status::success();
  return Status::error(what + " must be " + expectedTensor(value) +
                       ", but got " + tensor->describe());
}

const char *describeKind(ValueSpec::Kind kind) {
  switch (kind) {
  case ValueSpec::Kind::Input:
    return "input";
  case ValueSpec::Kind::State:
    return "state entry";
  case ValueSpec::Kind::Output:
    return "output";
  case ValueSpec::Kind::StateUpdate:
    break;
  }
  return "new state entry";
}

/// With checkFinite, an error naming the first non-finite value of `tensor`.
Status checkFinite(const EntryPointSpec &entry, const CallOptions &options,
                   const ValueSpec &value, const Tensor &tensor) {
  if (!options.checkFinite)
    return Status::success();
  std::string found = findNonFinite(tensor);
  if (found.empty())
    return Status::success();
  return Status::error(entry.name + ": " + describeKind(value.kind) + " '" +
                       value.name + "' holds " + found +
                       "; the state is unchanged");
}

/// The Halide message without its trailing newline.
std::string takeHalideError() {
  std::lock_guard<std::mutex> lock(halideErrorMutex);
  std::string message = std::move(lastHalideError);
  lastHalideError.clear();
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  return message;
}

} // namespace

void bnrt::captureHalideError(void *, const char *message) {
  std::lock_guard<std::mutex> lock(halideErrorMutex);
  lastHalideError += message ? message : "";
}

Status bnrt::call(const EntryPointSpec &entry, State &state,
                  const std::vector<const Tensor *> &inputs,
                  std::vector<Tensor> &outputs, const CallOptions &options) {
  try {
    size_t expectedInputs = 0;
    for (const ValueSpec &value : entry.values)
      expectedInputs += value.kind == ValueSpec::Kind::Input;
    if (inputs.size() != expectedInputs)
      return Status::error(entry.name + " takes " +
                           std::to_string(expectedInputs) + " inputs, but " +
                           std::to_string(inputs.size()) + " were given");

    // Every buffer, in the kernel's order; new state goes to fresh tensors
    // (the second buffer), never over the current state.
    std::vector<Tensor> produced;
    produced.reserve(entry.values.size());
    std::vector<BufferView> views;
    views.reserve(entry.values.size());
    size_t nextInput = 0;
    for (const ValueSpec &value : entry.values) {
      switch (value.kind) {
      case ValueSpec::Kind::Input: {
        const Tensor *tensor = inputs[nextInput++];
        if (Status status = checkInput(entry, value, tensor); !status)
          return status;
        if (Status status = checkFinite(entry, options, value, *tensor); !status)
          return status;
        views.emplace_back(*tensor, value.bufferShape);
        break;
      }
      case ValueSpec::Kind::State: {
        size_t position = 0;
        if (Status status = state.find(value.name, position); !status)
          return Status::error(entry.name + ": " + status.message());
        const Tensor &tensor = state.at(position);
        if (tensor.dtype() != DType::F32 || tensor.shape() != value.shape)
          return Status::error(entry.name + ": state entry '" + value.name +
                               "' must be " + expectedTensor(value) +
                               ", but is " + tensor.describe());
        if (Status status = checkFinite(entry, options, value, tensor); !status)
          return status;
        views.emplace_back(tensor, value.bufferShape);
        break;
      }
      case ValueSpec::Kind::Output:
      case ValueSpec::Kind::StateUpdate:
        produced.emplace_back(value.shape, DType::F32, value.layout);
        views.emplace_back(produced.back(), value.bufferShape);
        break;
      }
    }

    std::vector<void *> arguments;
    for (BufferView &view : views)
      arguments.push_back(view.get());
    takeHalideError();
    if (int code = entry.kernel(arguments.data()); code != 0) {
      std::string message = takeHalideError();
      return Status::error(entry.name + " failed in its kernel (Halide error " +
                           std::to_string(code) + ")" +
                           (message.empty() ? "" : ": " + message) +
                           "; the state is unchanged");
    }

    Transaction transaction(state);
    std::vector<Tensor> results;
    size_t nextProduced = 0;
    for (const ValueSpec &value : entry.values) {
      if (value.kind == ValueSpec::Kind::Output ||
          value.kind == ValueSpec::Kind::StateUpdate)
        if (Status status =
                checkFinite(entry, options, value, produced[nextProduced]);
            !status)
          return status;
      if (value.kind == ValueSpec::Kind::Output)
        results.push_back(std::move(produced[nextProduced++]));
      else if (value.kind == ValueSpec::Kind::StateUpdate) {
        if (Status status =
                transaction.stage(value.name, std::move(produced[nextProduced++]));
            !status)
          return Status::error(entry.name + ": " + status.message());
      }
    }
    for (const std::string &counter : entry.counters)
      if (Status status = transaction.stageIncrement(counter); !status)
        return Status::error(entry.name + ": " + status.message());
    transaction.commit();
    outputs = std::move(results);
    return Status::success();
  } catch (const std::exception &e) {
    // Allocation failures and the like: nothing was committed.
    return Status::error(entry.name + ": " + e.what() +
                         "; the state is unchanged");
  }
}
