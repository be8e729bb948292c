//===- ScheduleOptions.h - --schedule and --autoscheduler for tools -*- C++ -*-===//
//
// Part of bnc. The two command-line options that choose a schedule, for
// every tool that compiles with Halide (bn-run, bn-translate).
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_SCHEDULEOPTIONS_H
#define BNC_COMPILER_CODEGEN_HALIDE_SCHEDULEOPTIONS_H

#include "compiler/Codegen/Halide/Schedule.h"

#include "llvm/Support/CommandLine.h"

namespace bnc::halide {

/// Define one at namespace scope of a tool, in the tool's option category.
struct ScheduleOptions {
  explicit ScheduleOptions(llvm::cl::OptionCategory &category)
      : scheduler(
            "schedule", llvm::cl::desc("Which schedule the kernels get"),
            llvm::cl::init(Scheduler::Hand),
            llvm::cl::values(
                clEnumValN(Scheduler::Hand, "hand",
                           "bnc's CPU schedule, except for kernels marked "
                           "#bn.schedule<auto> (default)"),
                clEnumValN(Scheduler::Auto, "auto",
                           "Halide's autoscheduler for everything, for "
                           "comparison")),
            llvm::cl::cat(category)),
        autoscheduler(
            "autoscheduler",
            llvm::cl::desc("The Halide autoscheduler for --schedule=auto and "
                           "kernels marked #bn.schedule<auto>: "
                           "Mullapudi2016, Adams2019 or Li2018"),
            llvm::cl::init("Mullapudi2016"), llvm::cl::cat(category)) {}

  llvm::cl::opt<Scheduler> scheduler;
  llvm::cl::opt<std::string> autoscheduler;
};

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_SCHEDULEOPTIONS_H
