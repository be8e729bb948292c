//===- BNVerifyModes.cpp - Check BN modes per entry point -----------------===//
//
// Part of bnc. The bn-verify-modes pass: the mode bugs of BN as compile-time
// diagnostics.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "dialects/bn/IR/BNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"

namespace bnc {
#define GEN_PASS_DEF_BNVERIFYMODESPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

/// A function reachable from an entry point, with the call that first
/// reached it (null for the entry point itself).
struct ReachedFunction {
  func::FuncOp func;
  func::CallOp via;
};

/// The functions with bodies reachable from `entry` through func.call,
/// `entry` first.
SmallVector<ReachedFunction> reachableFunctions(func::FuncOp entry,
                                                SymbolTableCollection &symbols) {
  SmallVector<ReachedFunction> reached = {{entry, nullptr}};
  llvm::SmallPtrSet<Operation *, 8> seen = {entry};
  for (size_t next = 0; next < reached.size(); ++next) {
    reached[next].func.walk([&](func::CallOp call) {
      auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (callee && !callee.isExternal() && seen.insert(callee).second)
        reached.push_back({callee, call});
    });
  }
  return reached;
}

/// Whether `value` flows into a result of `entry`: through the results of any
/// op that uses it, and through calls and returns of the functions between.
bool reachesEntryResult(Value value, func::FuncOp entry,
                        SymbolTableCollection &symbols,
                        const DenseMap<Operation *, SmallVector<func::CallOp>>
                            &callersOf) {
  SmallVector<Value> worklist = {value};
  DenseSet<Value> seen = {value};
  auto push = [&](ValueRange values) {
    for (Value v : values)
      if (seen.insert(v).second)
        worklist.push_back(v);
  };
  while (!worklist.empty()) {
    Value current = worklist.pop_back_val();
    for (OpOperand &use : current.getUses()) {
      Operation *user = use.getOwner();
      unsigned index = use.getOperandNumber();
      if (isa<func::ReturnOp>(user)) {
        Operation *func = user->getParentOp();
        if (func == entry.getOperation())
          return true;
        auto callers = callersOf.find(func);
        if (callers != callersOf.end())
          for (func::CallOp call : callers->second)
            push(call->getResult(index));
        continue;
      }
      if (auto kernel = dyn_cast<bn::KernelOp>(user)) {
        push(kernel.getBody().getArgument(index));
        continue;
      }
      if (auto yield = dyn_cast<bn::YieldOp>(user)) {
        push(yield->getParentOp()->getResult(index));
        continue;
      }
      if (auto call = dyn_cast<func::CallOp>(user)) {
        auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        if (callee && !callee.isExternal())
          push(callee.getArgument(index));
        continue;
      }
      push(user->getResults());
      // A value yielded from a region flows into the results of its parent.
      if (user->hasTrait<OpTrait::IsTerminator>())
        push(user->getParentOp()->getResults());
    }
  }
  return false;
}

/// Checks the entry points of one module; `failed` says whether it emitted
/// an error.
class ModeChecker {
public:
  explicit ModeChecker(ModuleOp module);
  void checkEntry(func::FuncOp entry, bn::EntryMode mode);
  void checkUndeclared(func::FuncOp func);
  bool failed = false;

private:
  static void noteEntry(InFlightDiagnostic &diag, func::FuncOp entry,
                        func::CallOp via);

  SymbolTableCollection symbols;
  DenseMap<Operation *, SmallVector<func::CallOp>> callersOf;
};

ModeChecker::ModeChecker(ModuleOp module) {
  module.walk([&](func::CallOp call) {
    if (auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr()))
      callersOf[callee].push_back(call);
  });
}

void ModeChecker::noteEntry(InFlightDiagnostic &diag, func::FuncOp entry,
                                  func::CallOp via) {
  diag.attachNote(entry.getLoc())
      << "in entry point @" << entry.getName() << ", declared bn.mode = \""
      << bn::stringifyEntryMode(*bn::getEntryMode(entry)) << "\" here";
  if (via)
    diag.attachNote(via.getLoc()) << "reached through this call";
}

void ModeChecker::checkEntry(func::FuncOp entry, bn::EntryMode mode) {
  for (auto [func, via] : reachableFunctions(entry, symbols)) {
    func.walk([&](Operation *op) {
      if (auto train = dyn_cast<bn::BatchNormTrainOp>(op)) {
        if (mode == bn::EntryMode::Infer) {
          InFlightDiagnostic diag =
              train.emitError()
              << "bn.batch_norm_train in inference entry point @"
              << entry.getName()
              << ": it would normalise with the statistics of each batch; "
                 "use bn.batch_norm_infer with the running statistics (the "
                 "bn-derive-inference pass derives it from the training "
                 "program)";
          noteEntry(diag, entry, via);
          failed = true;
          return;
        }
        SmallVector<StringRef> dropped;
        if (!reachesEntryResult(train.getNewRunningMean(), entry, symbols,
                                callersOf))
          dropped.push_back("new_running_mean (result #1)");
        if (!reachesEntryResult(train.getNewRunningVar(), entry, symbols,
                                callersOf))
          dropped.push_back("new_running_var (result #2)");
        if (!dropped.empty()) {
          InFlightDiagnostic diag =
              train.emitError()
              << "the running statistics of this bn.batch_norm_train are "
                 "dropped: "
              << llvm::join(dropped, " and ") << " never reach"
              << (dropped.size() == 1 ? "es" : "")
              << " a result of training entry point @" << entry.getName()
              << ", so training would never update them; return "
              << (dropped.size() == 1 ? "it" : "them") << " from @"
              << entry.getName();
          noteEntry(diag, entry, via);
          failed = true;
        }
        return;
      }
      if (auto infer = dyn_cast<bn::BatchNormInferOp>(op)) {
        if (mode == bn::EntryMode::Train && !infer.getFrozen()) {
          InFlightDiagnostic diag =
              infer.emitWarning()
              << "bn.batch_norm_infer in training entry point @"
              << entry.getName()
              << " normalises with fixed statistics, so this BN does not "
                 "train; use bn.batch_norm_train, or mark the op `frozen` if "
                 "the BN is frozen on purpose";
          noteEntry(diag, entry, via);
        }
      }
    });
  }
}

void ModeChecker::checkUndeclared(func::FuncOp func) {
  if (func.isPrivate() || func.isExternal())
    return;
  for (auto [reached, via] : reachableFunctions(func, symbols)) {
    Operation *bnOp = bn::findFirstBNOp(reached);
    if (!bnOp)
      continue;
    InFlightDiagnostic diag =
        func.emitError()
        << "public function @" << func.getName()
        << " uses BN but declares no mode; add attributes {bn.mode = "
           "\"train\"} or {bn.mode = \"infer\"}, or make it private if it is "
           "a helper of entry points";
    diag.attachNote(bnOp->getLoc()) << "BN op here";
    if (via)
      diag.attachNote(via.getLoc()) << "reached through this call";
    failed = true;
    return;
  }
}

struct BNVerifyModesPass
    : public bnc::impl::BNVerifyModesPassBase<BNVerifyModesPass> {
  void runOnOperation() override {
    ModeChecker checker(getOperation());
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (std::optional<bn::EntryMode> mode = bn::getEntryMode(func))
        checker.checkEntry(func, *mode);
      else
        checker.checkUndeclared(func);
    }
    if (checker.failed)
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
