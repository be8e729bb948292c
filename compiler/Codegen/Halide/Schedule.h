//===- Schedule.h - Choosing the schedule of a lowered pipeline -*- C++ -*-===//
//
// Part of bnc. One place that decides how a lowered pipeline is scheduled,
// for the JIT and for ahead-of-time compilation alike: bnc's hand schedule
// for the target, or one of Halide's autoschedulers for comparison.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_SCHEDULE_H
#define BNC_COMPILER_CODEGEN_HALIDE_SCHEDULE_H

#include "compiler/Codegen/Halide/Lowering.h"

#include <string>

namespace bnc::halide {

/// How a pipeline is scheduled.
enum class Scheduler {
  Hand, // bnc's CPU schedule (CpuSchedule.h), unless a kernel asks for auto
  Auto, // Halide's autoscheduler, for comparison
};

/// Schedules `pipeline`, made by `lowered.pipeline()`, for `target`.
/// `autoscheduler` names the Halide plugin used for Scheduler::Auto or for
/// kernels scheduled #bn.schedule<auto>: Mullapudi2016, Adams2019 or Li2018.
/// Returns false with `error` set when it cannot; Halide errors are caught.
bool schedulePipeline(LoweredPipeline &lowered, Halide::Pipeline &pipeline,
                      const Halide::Target &target, Scheduler scheduler,
                      const std::string &autoscheduler, std::string &error);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_SCHEDULE_H
