//===- Npy.h - NumPy .npy files of float32 tensors --------------*- C++ -*-===//
//
// Part of bnc. Reads and writes the .npy files that bn-run takes and gives.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_SUPPORT_NPY_H
#define BNC_COMPILER_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bnc {

/// A dense row-major float32 tensor in host memory.
struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// Reads a C-ordered little-endian float32 (`<f4`) or float64 (`<f8`,
/// converted) .npy file, version 1 to 3. Returns false and sets `error` on
/// anything else, and on files whose header or size do not add up.
bool readNpy(const std::string &path, HostTensor &tensor, std::string &error);

/// The same, from the bytes of a .npy file (untrusted: every length is
/// checked).
bool parseNpy(const std::string &bytes, HostTensor &tensor, std::string &error);

/// Writes `tensor` as a version 1.0 `<f4` .npy file.
bool writeNpy(const std::string &path, const HostTensor &tensor,
              std::string &error);

/// "[2, 3, 4]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace bnc

#endif // BNC_COMPILER_SUPPORT_NPY_H
