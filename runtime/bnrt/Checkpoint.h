//===- Checkpoint.h - Saving and loading a model's state ---------*- C++ -*-===//
//
// Part of bnrt, the bnc runtime. Checkpoints are safetensors files (an
// 8-byte little-endian header size, a JSON header, raw little-endian data)
// with PyTorch's state_dict names and dtypes (f32; int64 for
// num_batches_tracked), so they move between bnc and PyTorch.
//
// Saving is atomic: a crash or a full disk leaves the previous file intact.
// Loading is strict and all-or-nothing: a missing, unexpected, mis-shaped or
// mistyped entry is an error naming every such key, and the state is only
// changed when everything checks out. A file is untrusted input: every
// length and offset is checked before it is used.
//
//===----------------------------------------------------------------------===//

#ifndef BNRT_CHECKPOINT_H
#define BNRT_CHECKPOINT_H

#include "bnrt/State.h"
#include "bnrt/Status.h"

#include <string>
#include <vector>

namespace bnrt {

/// Writes every entry of `state` to `path`: to a temporary file in the same
/// directory, flushed to disk, then renamed over `path`.
Status save(const State &state, const std::string &path);

struct LoadOptions {
  /// Strict (the default): the file must hold exactly the entries of the
  /// state, with their shapes and dtypes. Not strict: entries that fit are
  /// loaded, the others are skipped and listed in the report.
  bool strict = true;
};

/// What a non-strict load left out, one line per key and reason.
struct LoadReport {
  std::vector<std::string> skipped;
};

/// Reads the checkpoint at `path` into `state`, whose entries say what the
/// model needs. On any error `state` is unchanged. A corrupt file (header
/// too large, bad JSON, offsets outside the data, sizes that do not match
/// shapes) is an error even when not strict.
Status load(const std::string &path, State &state,
            const LoadOptions &options = {}, LoadReport *report = nullptr);

/// The same, from the `size` bytes of a checkpoint at `data`.
Status loadFromMemory(const void *data, size_t size, State &state,
                      const LoadOptions &options = {},
                      LoadReport *report = nullptr);

} // namespace bnrt

#endif // BNRT_CHECKPOINT_H
