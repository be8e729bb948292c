//===- FuzzCheckpoint.cpp - Fuzz target: the checkpoint loader ----------===//
//
// Part of bnc. Any bytes, loaded strictly and not strictly into the state of
// a conv -> BN block: an error or a load, never a crash, a leak or a huge
// allocation.
//
//===----------------------------------------------------------------------===//

#include "bnrt/Checkpoint.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::vector<bnrt::StateEntrySpec> spec = {
      {"conv.weight", {16, 3, 3, 3}, bnrt::DType::F32, bnrt::Init::Zeros},
      {"bn.weight", {16}, bnrt::DType::F32, bnrt::Init::Ones},
      {"bn.bias", {16}, bnrt::DType::F32, bnrt::Init::Zeros},
      {"bn.running_mean", {16}, bnrt::DType::F32, bnrt::Init::Zeros},
      {"bn.running_var", {16}, bnrt::DType::F32, bnrt::Init::Ones},
      {"bn.num_batches_tracked", {}, bnrt::DType::I64, bnrt::Init::Zeros}};
  for (bool strict : {true, false}) {
    bnrt::State state(spec);
    bnrt::LoadOptions options;
    options.strict = strict;
    bnrt::LoadReport report;
    (void)bnrt::loadFromMemory(data, size, state, options, &report);
  }
  return 0;
}
