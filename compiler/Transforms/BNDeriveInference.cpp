//===- BNDeriveInference.cpp - Inference entry points from training ones --===//
//
// Part of bnc. The bn-derive-inference pass: @f_infer is derived from @f, so
// the training and the inference program cannot disagree.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "dialects/bn/IR/BNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"

namespace bnc {
#define GEN_PASS_DEF_BNDERIVEINFERENCEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

/// The ops of `func` that compute from training-only values: the new running
/// statistics and the batch statistics of its bn.batch_norm_train ops.
llvm::SetVector<Operation *> opsUsingTrainingState(func::FuncOp func) {
  SmallVector<Value> worklist;
  func.walk([&](bn::BatchNormTrainOp op) {
    llvm::append_range(worklist, op->getResults().drop_front());
  });
  llvm::SetVector<Operation *> tainted;
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (tainted.insert(user))
        llvm::append_range(worklist, user->getResults());
    }
  }
  return tainted;
}

/// Turns the clone of a training entry point into its inference version.
void convertToInference(func::FuncOp func) {
  llvm::SetVector<Operation *> tainted = opsUsingTrainingState(func);

  // Drop the results that depend on training state, with their attributes.
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  llvm::BitVector trainingOnlyResults(ret.getNumOperands());
  for (auto [index, operand] : llvm::enumerate(ret.getOperands())) {
    Operation *def = operand.getDefiningOp();
    if (def && (tainted.contains(def) ||
                (isa<bn::BatchNormTrainOp>(def) &&
                 cast<OpResult>(operand).getResultNumber() != 0)))
      trainingOnlyResults.set(index);
  }
  ret->eraseOperands(trainingOnlyResults);
  (void)func.eraseResults(trainingOnlyResults);
  tainted.remove(ret);
  IRRewriter rewriter(func.getContext());

  // Erase what computed from training state. Every user of a tainted op is
  // tainted too, so none is left behind with a dangling operand.
  for (Operation *op : tainted)
    op->dropAllUses();
  for (Operation *op : tainted)
    rewriter.eraseOp(op);

  func.walk([&](bn::BatchNormTrainOp train) {
    rewriter.setInsertionPoint(train);
    auto infer = bn::BatchNormInferOp::create(
        rewriter, train.getLoc(), train.getX(), train.getScale(),
        train.getOffset(), train.getRunningMean(), train.getRunningVar(),
        train.getEpsilonAttr(), train.getFeatureAxisAttr(),
        /*frozen=*/nullptr);
    rewriter.replaceAllUsesWith(train.getY(), infer.getY());
    rewriter.eraseOp(train);
  });

  // What only fed the removed results (gradients, say) is dead now, and so
  // are the arguments only training read (the incoming gradient, say).
  (void)runRegionDCE(rewriter, func->getRegions());
  llvm::BitVector unusedArguments(func.getNumArguments());
  for (BlockArgument argument : func.getArguments())
    if (argument.use_empty())
      unusedArguments.set(argument.getArgNumber());
  (void)func.eraseArguments(unusedArguments);
}

/// The first bn.kernel in `func`, if any.
bn::KernelOp findKernel(func::FuncOp func) {
  bn::KernelOp found;
  func.walk([&](bn::KernelOp kernel) {
    found = kernel;
    return WalkResult::interrupt();
  });
  return found;
}

/// Whether `func` calls a function that contains BN ops.
func::CallOp findCallIntoBN(func::FuncOp func, SymbolTableCollection &symbols) {
  func::CallOp found;
  func.walk([&](func::CallOp call) {
    auto callee =
        symbols.lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
    if (!callee || callee.isExternal() || !bn::findFirstBNOp(callee))
      return WalkResult::advance();
    found = call;
    return WalkResult::interrupt();
  });
  return found;
}

struct BNDeriveInferencePass
    : public bnc::impl::BNDeriveInferencePassBase<BNDeriveInferencePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbolTable(module);
    SymbolTableCollection symbols;

    SmallVector<func::FuncOp> trainEntries;
    for (auto func : module.getOps<func::FuncOp>())
      if (bn::getEntryMode(func) == bn::EntryMode::Train && !func.isExternal())
        trainEntries.push_back(func);

    for (func::FuncOp entry : trainEntries) {
      std::string name = (entry.getName() + "_infer").str();
      if (Operation *existing = symbolTable.lookup(name)) {
        auto derivedFrom = existing->getAttrOfType<FlatSymbolRefAttr>(
            bn::BNDialect::kDerivedFromAttrName);
        if (!derivedFrom || derivedFrom.getValue() != entry.getName()) {
          InFlightDiagnostic diag =
              entry.emitError()
              << "cannot derive inference entry point @" << name << " from @"
              << entry.getName()
              << ": a symbol of that name exists and was not derived from "
                 "it; rename one of them";
          diag.attachNote(existing->getLoc()) << "existing @" << name;
          signalPassFailure();
          continue;
        }
        // Derived before: derive it again from the current @f.
        symbolTable.erase(existing);
      }
      if (bn::KernelOp kernel = findKernel(entry)) {
        InFlightDiagnostic diag =
            entry.emitError()
            << "cannot derive inference entry point @" << name << ": @"
            << entry.getName()
            << " is already fused into bn.kernel ops; derive the inference "
               "program before bn-fuse";
        diag.attachNote(kernel.getLoc()) << "kernel here";
        signalPassFailure();
        continue;
      }
      if (func::CallOp call = findCallIntoBN(entry, symbols)) {
        InFlightDiagnostic diag =
            entry.emitError()
            << "cannot derive inference entry point @" << name
            << ": @" << entry.getName()
            << " reaches BN ops through a call; inline the callee first";
        diag.attachNote(call.getLoc()) << "call here";
        signalPassFailure();
        continue;
      }

      auto derived = cast<func::FuncOp>(entry->clone());
      derived.setName(name);
      bn::setEntryMode(derived, bn::EntryMode::Infer);
      derived->setAttr(bn::BNDialect::kDerivedFromAttrName,
                       FlatSymbolRefAttr::get(entry.getNameAttr()));
      symbolTable.insert(derived, std::next(Block::iterator(entry)));
      convertToInference(derived);
    }
  }
};

} // namespace
