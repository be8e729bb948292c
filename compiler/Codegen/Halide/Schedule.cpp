//===- Schedule.cpp - Choosing the schedule of a lowered pipeline ---------===//
//
// Part of bnc. See Schedule.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Schedule.h"

#include "compiler/Codegen/Halide/CpuSchedule.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <set>

using namespace bnc;
using namespace bnc::halide;

namespace {

/// Gives the autoscheduler the (static) sizes of every input and output.
void setEstimates(LoweredPipeline &lowered) {
  auto region = [](llvm::ArrayRef<int64_t> shape) {
    Halide::Region region;
    for (int64_t size : llvm::reverse(shape))
      region.emplace_back(0, static_cast<int>(size));
    return region;
  };
  for (auto [input, shape] : llvm::zip(lowered.inputs, lowered.inputShapes))
    input.set_estimates(region(shape));
  for (LoweredTensor &output : lowered.outputs)
    output.func.set_estimates(region(output.shape));
}

/// Loads the plugin of autoscheduler `name` once; false if it cannot.
bool loadAutoscheduler(const std::string &name, std::string &error) {
  static std::set<std::string> loaded;
  if (loaded.count(name))
    return true;
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  std::string path =
      std::string(BNC_HALIDE_AUTOSCHEDULER_DIR) + "/libautoschedule_" + lower + ".so";
  try {
    Halide::load_plugin(path);
  } catch (const Halide::Error &e) {
    error = "cannot load the " + name + " autoscheduler from " + path + ": " +
            e.what();
    return false;
  }
  loaded.insert(name);
  return true;
}

} // namespace

bool bnc::halide::schedulePipeline(LoweredPipeline &lowered,
                                   Halide::Pipeline &pipeline,
                                   const Halide::Target &target,
                                   const ScheduleConfig &config,
                                   std::string &error) {
  try {
    if (config.scheduler == Scheduler::Auto || lowered.autoSchedule) {
      if (!loadAutoscheduler(config.autoscheduler, error))
        return false;
      setEstimates(lowered);
      pipeline.auto_schedule(config.autoscheduler, target,
                             Halide::MachineParams::generic());
    } else {
      scheduleForCpu(lowered, pipeline, target, config.cpu);
    }
  } catch (const Halide::Error &e) {
    error = "Halide could not schedule @" + lowered.name + ": " + e.what();
    return false;
  }
  return true;
}
