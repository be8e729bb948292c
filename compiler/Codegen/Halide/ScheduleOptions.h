//===- ScheduleOptions.h - --schedule and friends, for tools ----*- C++ -*-===//
//
// Part of bnc. The command-line options that choose a schedule, for every
// tool that compiles with Halide (bn-run, bn-translate).
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
            llvm::cl::init("Mullapudi2016"), llvm::cl::cat(category)),
        cpuTunablesDescription(
            "Sizes and thresholds of bnc's CPU schedule, for experiments "
            "(they change how kernels run, not what they compute), "
            "name=value,...:\n" +
            cpuTunablesHelp()),
        cpuTunables("cpu-tunables", llvm::cl::desc(cpuTunablesDescription),
                    llvm::cl::value_desc("name=value,..."),
                    llvm::cl::cat(category)) {}

  /// The configuration the options say; false with `error` set where
  /// --cpu-tunables does not parse.
  bool config(ScheduleConfig &config, std::string &error) const {
    config.scheduler = scheduler;
    config.autoscheduler = autoscheduler;
    return parseCpuTunables(cpuTunables, config.cpu, error);
  }

  llvm::cl::opt<Scheduler> scheduler;
  llvm::cl::opt<std::string> autoscheduler;
  std::string cpuTunablesDescription; // cl::desc keeps a reference
  llvm::cl::opt<std::string> cpuTunables;
};

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_SCHEDULEOPTIONS_H
