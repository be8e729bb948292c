//===- Schedule.h - Choosing the schedule of a lowered pipeline -*- C++ -*-===//
//
// Part of bnc. One place that decides how a lowered pipeline is scheduled,
// for the JIT and for ahead-of-time compilation alike: bnc's hand schedule
// for the target, or one of Halide's autoschedulers for comparison.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_SCHEDULE_H
#define BNC_COMPILER_CODEGEN_HALIDE_SCHEDULE_H

#include "compiler/Codegen/Halide/CpuTunables.h"
#include "compiler/Codegen/Halide/Lowering.h"

#include <string>

namespace bnc::halide {

/// How a pipeline is scheduled.
enum class Scheduler {
  Hand, // bnc's CPU schedule (CpuSchedule.h), unless a kernel asks for auto
  Auto, // Halide's autoscheduler, for comparison
};

/// Who schedules a pipeline, and with what.
struct ScheduleConfig {
  Scheduler scheduler = Scheduler::Hand;
  /// The Halide plugin used for Scheduler::Auto or for kernels scheduled
  /// #bn.schedule<auto>: Mullapudi2016, Adams2019 or Li2018.
  std::string autoscheduler = "Mullapudi2016";
  /// What bnc's CPU schedule and code generation decide by.
  CpuTunables cpu;
};

/// Schedules `pipeline`, made by `lowered.pipeline()`, for `target` as
/// `config` says. Returns false with `error` set when it cannot; Halide
/// errors are caught.
bool schedulePipeline(LoweredPipeline &lowered, Halide::Pipeline &pipeline,
                      const Halide::Target &target,
                      const ScheduleConfig &config, std::string &error);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_SCHEDULE_H
