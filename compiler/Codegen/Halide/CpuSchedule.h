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

/// Schedules `pipeline` for `target`'s CPU: element-wise work is inlined into
/// its consumers; per-channel sums and statistics are computed once, in
/// parallel over channels; layers and outputs run in parallel over their
/// outermost dimension and are vectorised along the contiguous one, at
/// `target`'s natural vector width.
void scheduleForCpu(LoweredPipeline &pipeline, const Halide::Target &target);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_CPUSCHEDULE_H
