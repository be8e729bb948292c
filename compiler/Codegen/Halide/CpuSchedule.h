//===- CpuSchedule.h - Where and how a lowered pipeline runs on CPU -*- C++ -*-===//
//
// Part of bnc. The CPU schedule of a lowered pipeline, kept apart from the
// algorithm (Lowering.h).
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_CPUSCHEDULE_H
#define BNC_COMPILER_CODEGEN_HALIDE_CPUSCHEDULE_H

#include "compiler/Codegen/Halide/CpuTunables.h"
#include "compiler/Codegen/Halide/Lowering.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>

namespace bnc::halide {

/// Schedules `pipeline` (as `halidePipeline`, to which it may add lowering
/// passes) for `target`'s CPU at its natural vector width, deciding by
/// `tunables` (CpuTunables.h; its defaults are the measured ones). A pipeline
/// separable per channel whose channel lies outside contiguous rows (NCHW
/// training forward, backward) runs channel by channel, blocks of channels
/// in parallel tasks (a channel's sums, H x W in the vector lanes, then its
/// outputs, while its slice is in cache and the next channel is
/// prefetched) where a channel's rows are long or the tensor is small,
/// and in groups of channels whose rows in an image are long together
/// where the rows are short.
/// Otherwise element-wise work is inlined; per-channel values are computed
/// once; sums are streamed through memory in order, parts of the batch in
/// parallel (NCHW with long rows, and contiguous channels, which are the
/// vector lanes), made across channels (NCHW with runs of a few vectors),
/// or one channel per task; layers are computed in register tiles (vectors
/// of output channels times a few pixels), with the output that reads them
/// element by element where there is one, else on their own; and every
/// other output streams: dense rows vectorised, about eight parallel tasks.
void scheduleForCpu(LoweredPipeline &pipeline, Halide::Pipeline &halidePipeline,
                    const Halide::Target &target,
                    const CpuTunables &tunables);

/// The contiguous row in which the CPU schedule stores a tensor of `shape`
/// (MLIR order), whose channel is dimension `*channelDim` if it has one: its
/// innermost `dimensions`, `elements` long. With a channel, the dimensions
/// inside it (NCHW: H x W, a streaming row and a channel's run channel by
/// channel), and the channel too where those all have extent 1 (NHWC, and
/// NCHW with H = W = 1: the channels); without one, the innermost
/// dimensions until the row is at least `minElements` long (the streaming
/// schedule asks for four vectors).
struct StoredRow {
  int dimensions = 0;
  int64_t elements = 1;
};
StoredRow storedRow(llvm::ArrayRef<int64_t> shape,
                    std::optional<int64_t> channelDim, int64_t minElements);

/// How many of `rowCount` rows of `rowElements` each the streaming schedule
/// gives one parallel task: about `tunables.streamingTasks` tasks of 64 KiB
/// to 4 MiB of f32, at least one row, then the rows spread evenly over that
/// many tasks (which may leave them a little under 64 KiB); `rowCount`
/// where the rows make one task.
int64_t streamingRowsPerTask(int64_t rowElements, int64_t rowCount,
                             const CpuTunables &tunables);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_CPUSCHEDULE_H
