//===- CpuSchedule.h - Where and how a lowered pipeline runs on CPU -*- C++ -*-===//
//
// Part of bnc. The CPU schedule of a lowered pipeline, kept apart from the
// algorithm (Lowering.h).
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_CPUSCHEDULE_H
#define BNC_COMPILER_CODEGEN_HALIDE_CPUSCHEDULE_H

#include "compiler/Codegen/Halide/Lowering.h"

namespace bnc::halide {

/// Schedules `pipeline` for `target`'s CPU at its natural vector width.
/// A pipeline separable per channel whose channel lies outside contiguous
/// rows (NCHW training forward, backward) runs channel by channel, blocks
/// of channels in parallel tasks: a channel's sums (H x W fused into the
/// vector lanes), then its outputs, while the channel's slice is in cache.
/// Otherwise element-wise work is inlined, per-channel values and sums are
/// computed once (sums over contiguous channels in parallel over parts of
/// the batch), layers on their own, and every output streams: dense rows
/// vectorised, rows in parallel tasks of about 64 KiB.
void scheduleForCpu(LoweredPipeline &pipeline, const Halide::Target &target);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_CPUSCHEDULE_H
