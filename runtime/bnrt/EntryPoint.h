//===- EntryPoint.h - Calling an ahead-of-time compiled entry point -*- C++ -*-===//
//
// Part of bnrt, the bnc runtime. What the C++ wrapper that bn-translate
// generates calls: it describes each entry point (its kernel and which
// buffers are data and which are state), and call() checks the inputs,
// lends the tensors to the kernel and commits the new state only when the
// kernel succeeded.
//
//===----------------------------------------------------------------------===//

#ifndef BNRT_ENTRYPOINT_H
#define BNRT_ENTRYPOINT_H

#include "bnrt/State.h"
#include "bnrt/Status.h"
#include "bnrt/Tensor.h"

#include <string>
#include <vector>

namespace bnrt {

/// One buffer of a compiled entry point, in the kernel's argument order.
struct ValueSpec {
  enum class Kind {
    Input,       // a tensor the caller passes
    State,       // read from the state entry `name`
    Output,      // a tensor returned to the caller
    StateUpdate, // the new value of state entry `name`, committed on success
  };
  Kind kind;
  std::string name;
  std::vector<int64_t> shape;
  Layout layout = Layout::Plain;
  /// The shape of the kernel's buffer, where it views the tensor in fewer
  /// dimensions (the same elements, in the same order); empty: `shape`.
  std::vector<int64_t> bufferShape = {};
};

/// The `_argv` function of a Halide AOT pipeline: one pointer per buffer.
using KernelFunction = int (*)(void **arguments);

struct EntryPointSpec {
  std::string name;
  KernelFunction kernel = nullptr;
  std::vector<ValueSpec> values;
  /// num_batches_tracked entries a successful call increments.
  std::vector<std::string> counters;
};

/// Checks a caller asks for.
struct CallOptions {
  /// Fail the call at the first NaN or infinity in an input, the state it
  /// reads, an output or a new state value, naming the tensor and index.
  /// New state with a non-finite value is never committed.
  bool checkFinite = false;
};

/// Runs `entry` on `inputs` (the Input values, in order) and `state`, and
/// returns its Output values in `outputs`. The new state and counters are
/// committed only if everything succeeded; on any error, `state` is exactly
/// as it was and the Status says what went wrong.
Status call(const EntryPointSpec &entry, State &state,
            const std::vector<const Tensor *> &inputs,
            std::vector<Tensor> &outputs, const CallOptions &options = {});

/// A Halide error handler (halide_set_error_handler) that keeps the message
/// for the Status of the failing call instead of printing it.
void captureHalideError(void *userContext, const char *message);

} // namespace bnrt

#endif // BNRT_ENTRYPOINT_H
