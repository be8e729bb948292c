//===- BNDialect.cpp - The Batch Normalization dialect --------------------===//
//
// Part of bnc. Registers the bn ops and attributes with the dialect.
//
//===----------------------------------------------------------------------===//

#include "dialects/bn/IR/BNDialect.h"

#include "dialects/bn/IR/BNOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bnc::bn;

#include "dialects/bn/IR/BNDialect.cpp.inc"

#include "dialects/bn/IR/BNEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/bn/IR/BNAttrs.cpp.inc"

void BNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/bn/IR/BNOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/bn/IR/BNAttrs.cpp.inc"
      >();
}

std::optional<EntryMode> bnc::bn::getEntryMode(Operation *op) {
  auto mode = op->getAttrOfType<StringAttr>(BNDialect::kModeAttrName);
  if (!mode)
    return std::nullopt;
  if (mode.getValue() == "train")
    return EntryMode::Train;
  if (mode.getValue() == "infer")
    return EntryMode::Infer;
  return std::nullopt;
}

void bnc::bn::setEntryMode(Operation *op, EntryMode mode) {
  op->setAttr(BNDialect::kModeAttrName,
              StringAttr::get(op->getContext(), stringifyEntryMode(mode)));
}

StringRef bnc::bn::stringifyEntryMode(EntryMode mode) {
  return mode == EntryMode::Train ? "train" : "infer";
}

Operation *bnc::bn::findFirstBNOp(Operation *root) {
  Operation *found = nullptr;
  root->walk([&](Operation *op) {
    if (!isa<BNDialect>(op->getDialect()))
      return WalkResult::advance();
    found = op;
    return WalkResult::interrupt();
  });
  return found;
}

LogicalResult BNDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attribute) {
  if (attribute.getName() == kDerivedFromAttrName) {
    if (!isa<FlatSymbolRefAttr>(attribute.getValue()))
      return op->emitError("bn.derived_from must name the training entry "
                           "point, like @train_step, but got ")
             << attribute.getValue();
    return success();
  }
  if (attribute.getName() != kModeAttrName)
    return op->emitError("unknown bn dialect attribute '")
           << attribute.getName().getValue()
           << "'; bn knows 'bn.mode' and 'bn.derived_from' on entry-point "
              "functions";
  auto mode = dyn_cast<StringAttr>(attribute.getValue());
  if (!mode || (mode.getValue() != "train" && mode.getValue() != "infer"))
    return op->emitError("bn.mode must be \"train\" or \"infer\", but got ")
           << attribute.getValue();
  if (!isa<SymbolOpInterface>(op))
    return op->emitError("bn.mode marks an entry point, so it belongs on a "
                         "function, not on '")
           << op->getName() << "'";
  return success();
}
