//===- BNFuse.cpp - Group BN ops and their consumers into kernels ---------===//
//
// Part of bnc. The bn-fuse pass.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "dialects/bn/IR/BNOps.h"
#include "dialects/nn/IR/NNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

namespace bnc {
#define GEN_PASS_DEF_BNFUSEPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace bnc

using namespace mlir;
using namespace bnc;

namespace {

/// The value of `anchor` that element-wise consumers continue from.
Value mainResult(Operation *anchor) {
  if (auto train = dyn_cast<bn::BatchNormTrainOp>(anchor))
    return train.getY();
  if (auto grad = dyn_cast<bn::BatchNormGradOp>(anchor))
    return grad.getDx();
  return anchor->getResult(0);
}

/// Whether every use of a result of `group` outside it comes after `point`,
/// so the group can move there.
bool outsideUsesFollow(ArrayRef<Operation *> group, Operation *point) {
  llvm::SmallPtrSet<Operation *, 8> members(group.begin(), group.end());
  for (Operation *op : group)
    for (Operation *user : op->getUsers())
      if (!members.contains(user) && !point->isBeforeInBlock(user) &&
          user != point)
        return false;
  return true;
}

/// `anchor` and the chain of single-use relu / residual-add consumers after
/// it that can join it in one kernel.
SmallVector<Operation *> collectGroup(Operation *anchor) {
  SmallVector<Operation *> group = {anchor};
  Value tail = mainResult(anchor);
  while (tail.hasOneUse()) {
    Operation *user = *tail.getUsers().begin();
    if (!isa<nn::ReluOp, nn::AddOp>(user) ||
        user->getBlock() != anchor->getBlock())
      break;
    group.push_back(user);
    if (!outsideUsesFollow(group, user)) {
      group.pop_back();
      break;
    }
    tail = user->getResult(0);
  }
  return group;
}

/// Moves `group` (in program order) into a new bn.kernel at its last op.
void outlineIntoKernel(ArrayRef<Operation *> group, IRRewriter &rewriter) {
  llvm::SmallPtrSet<Operation *, 8> members(group.begin(), group.end());
  llvm::SetVector<Value> inputs;
  SmallVector<Value> outputs;
  SmallVector<Location> locations;
  for (Operation *op : group) {
    locations.push_back(op->getLoc());
    for (Value operand : op->getOperands())
      if (!members.contains(operand.getDefiningOp()))
        inputs.insert(operand);
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !members.contains(user);
          }))
        outputs.push_back(result);
  }

  rewriter.setInsertionPoint(group.back());
  SmallVector<Type> resultTypes;
  for (Value output : outputs)
    resultTypes.push_back(output.getType());
  auto kernel = bn::KernelOp::create(rewriter, rewriter.getFusedLoc(locations),
                                     resultTypes, inputs.getArrayRef());
  Block &body = kernel.getBody().front();
  IRMapping mapping;
  mapping.map(inputs.getArrayRef(), body.getArguments());
  rewriter.setInsertionPointToStart(&body);
  for (Operation *op : group)
    rewriter.clone(*op, mapping);
  SmallVector<Value> yielded;
  for (Value output : outputs)
    yielded.push_back(mapping.lookup(output));
  bn::YieldOp::create(rewriter, kernel.getLoc(), yielded);

  for (auto [output, result] : llvm::zip(outputs, kernel.getResults()))
    rewriter.replaceUsesWithIf(output, result, [&](OpOperand &use) {
      return !members.contains(use.getOwner());
    });
  for (Operation *op : llvm::reverse(group))
    rewriter.eraseOp(op);
}

struct BNFusePass : public bnc::impl::BNFusePassBase<BNFusePass> {
  void runOnOperation() override {
    SmallVector<Operation *> anchors;
    getOperation()->walk([&](Operation *op) {
      if (isa<bn::BatchNormTrainOp, bn::BatchNormInferOp, bn::AffineOp,
              bn::BatchNormGradOp>(op) &&
          !op->getParentOfType<bn::KernelOp>())
        anchors.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *anchor : anchors)
      outlineIntoKernel(collectGroup(anchor), rewriter);
  }
};

} // namespace
