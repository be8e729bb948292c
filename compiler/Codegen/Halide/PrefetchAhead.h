//===- PrefetchAhead.h - Prefetching a fixed distance ahead -----*- C++ -*-===//
//
// Part of bnc. A Halide lowering pass that prefetches what a loop will read
// a fixed number of elements later, for the CPU schedule (CpuSchedule.h).
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_PREFETCHAHEAD_H
#define BNC_COMPILER_CODEGEN_HALIDE_PREFETCHAHEAD_H

#include <cstdint>
#include <string>
#include <vector>

namespace Halide {
class Pipeline;
} // namespace Halide

namespace bnc::halide {

/// Makes `pipeline` prefetch, wherever it stores a vector to `output`, each
/// dense vector that store reads from one of `inputs` (in the stored value
/// itself, as Halide lowered it), `distance` elements further on in
/// memory. Halide's own prefetch directive cannot say "the
/// same position in the next channel" where the channel loop is split into
/// parallel blocks (its offset applies to a loop variable that the split
/// has already consumed), hence a lowering pass over the flattened loads.
void prefetchAhead(Halide::Pipeline &pipeline, const std::string &output,
                   const std::vector<std::string> &inputs, int64_t distance);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_PREFETCHAHEAD_H
