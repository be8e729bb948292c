//===- BNSchedule.cpp - Attach schedules to kernels -----------------------===//
//
// Part of bnc. The bn-schedule pass: the choice of schedule, as an attribute
// that code generation follows and tests can see.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "dialects/bn/IR/BNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace bnc {
#define GEN_PASS_DEF_BNSCHEDULEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

struct BNSchedulePass : public bnc::impl::BNSchedulePassBase<BNSchedulePass> {
  using BNSchedulePassBase::BNSchedulePassBase;

  void runOnOperation() override {
    getOperation()->walk([&](bn::KernelOp kernel) {
      if (!kernel.getSchedule() || override)
        kernel.setSchedule(target);
    });
  }
};

} // namespace
