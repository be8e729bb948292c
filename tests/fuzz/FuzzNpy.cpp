//===- FuzzNpy.cpp - Fuzz target: the .npy reader -----------------------===//
//
// Part of bnc. Any bytes through bn-run's .npy parser: an error or a tensor
// whose size matches its shape, never a crash or a huge allocation.
//
//===----------------------------------------------------------------------===//

#include "compiler/Support/Npy.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bnc::HostTensor tensor;
  std::string error;
  if (!bnc::parseNpy(std::string(reinterpret_cast<const char *>(data), size),
                     tensor, error))
    return 0;
  size_t count = 1;
  for (int64_t extent : tensor.shape)
    count *= static_cast<size_t>(extent);
  if (count != tensor.data.size())
    std::abort(); // a tensor that lies about its size
  return 0;
}
