//===- BNDialect.cpp - The Batch Normalization dialect --------------------===//
//
// Part of bnc. Registers the bn ops and attributes with the dialect.
//
//===----------------------------------------------------------------------===//

#include "dialects/bn/IR/BNDialect.h"

#include "dialects/bn/IR/BNOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"
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
              "functions, and 'bn.state' and 'bn.name' on their arguments "
              "and results";
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

//===----------------------------------------------------------------------===//
// bn.state and bn.name on arguments and results
//===----------------------------------------------------------------------===//

namespace {

/// PyTorch's state_dict keys: dot-separated module path and tensor name,
/// `layer1.0.bn1.running_mean`.
bool isStateName(StringRef name) {
  SmallVector<StringRef> parts;
  name.split(parts, '.');
  return llvm::all_of(parts, [](StringRef part) {
    return !part.empty() && llvm::all_of(part, [](char c) {
      return llvm::isAlnum(c) || c == '_';
    });
  });
}

StringAttr getStringAttr(DictionaryAttr attrs, StringRef name) {
  return attrs ? attrs.getAs<StringAttr>(name) : StringAttr();
}

/// Checks the value of a `bn.name` and that no other argument or result of
/// `func` has it.
LogicalResult verifyDataName(FunctionOpInterface func, NamedAttribute attribute,
                             bool onResult, unsigned index) {
  auto name = dyn_cast<StringAttr>(attribute.getValue());
  if (!name || !isIdentifier(name.getValue()))
    return func.emitError("bn.name must be a C identifier, like \"x\", but "
                          "got ")
           << attribute.getValue();
  auto clashes = [&](StringAttr other, bool otherOnResult, unsigned i) {
    return other == name && (otherOnResult != onResult || i != index);
  };
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    if (clashes(getStringAttr(func.getArgAttrDict(i),
                              BNDialect::kNameAttrName),
                false, i))
      return func.emitError("bn.name \"")
             << name.getValue() << "\" names more than one argument or "
             << "result; give each its own name";
  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
    if (clashes(getStringAttr(func.getResultAttrDict(i),
                              BNDialect::kNameAttrName),
                true, i))
      return func.emitError("bn.name \"")
             << name.getValue() << "\" names more than one argument or "
             << "result; give each its own name";
  return success();
}

} // namespace

LogicalResult BNDialect::verifyRegionArgAttribute(Operation *op,
                                                  unsigned regionIndex,
                                                  unsigned argIndex,
                                                  NamedAttribute attribute) {
  auto func = dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return op->emitError("'")
           << attribute.getName().getValue()
           << "' belongs on the arguments of a function";
  if (attribute.getName() == kNameAttrName)
    return verifyDataName(func, attribute, /*onResult=*/false, argIndex);
  if (attribute.getName() != kStateAttrName)
    return op->emitError("unknown bn dialect argument attribute '")
           << attribute.getName().getValue()
           << "'; bn knows 'bn.state' and 'bn.name'";

  auto name = dyn_cast<StringAttr>(attribute.getValue());
  if (!name || !isStateName(name.getValue()))
    return op->emitError("bn.state of argument #")
           << argIndex
           << " must be a state_dict name like \"layer1.bn1.running_mean\", "
              "but got "
           << attribute.getValue();
  if (name.getValue().ends_with(".num_batches_tracked") ||
      name.getValue() == "num_batches_tracked")
    return op->emitError("bn.state of argument #")
           << argIndex << " is \"" << name.getValue()
           << "\", which the runtime keeps and counts itself; remove the "
              "argument";
  if (getStringAttr(func.getArgAttrDict(argIndex), kNameAttrName))
    return op->emitError("argument #")
           << argIndex
           << " has both bn.state and bn.name; a state entry is named by "
              "bn.state alone";
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    if (i != argIndex &&
        getStringAttr(func.getArgAttrDict(i), kStateAttrName) == name)
      return op->emitError("bn.state \"")
             << name.getValue() << "\" is on arguments #" << std::min(i, argIndex)
             << " and #" << std::max(i, argIndex)
             << "; each state entry is one argument";
  return success();
}

LogicalResult BNDialect::verifyRegionResultAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned resultIndex,
                                                     NamedAttribute attribute) {
  auto func = dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return op->emitError("'")
           << attribute.getName().getValue()
           << "' belongs on the results of a function";
  if (attribute.getName() == kNameAttrName)
    return verifyDataName(func, attribute, /*onResult=*/true, resultIndex);
  if (attribute.getName() != kStateAttrName)
    return op->emitError("unknown bn dialect result attribute '")
           << attribute.getName().getValue()
           << "'; bn knows 'bn.state' and 'bn.name'";

  auto name = dyn_cast<StringAttr>(attribute.getValue());
  if (!name)
    return op->emitError("bn.state of result #")
           << resultIndex << " must be a string, but got "
           << attribute.getValue();
  if (getStringAttr(func.getResultAttrDict(resultIndex), kNameAttrName))
    return op->emitError("result #")
           << resultIndex
           << " has both bn.state and bn.name; a state update is named by "
              "bn.state alone";
  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
    if (i != resultIndex &&
        getStringAttr(func.getResultAttrDict(i), kStateAttrName) == name)
      return op->emitError("bn.state \"")
             << name.getValue() << "\" is on results #"
             << std::min(i, resultIndex) << " and #"
             << std::max(i, resultIndex)
             << "; a step updates each state entry once";
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    if (getStringAttr(func.getArgAttrDict(i), kStateAttrName) != name)
      continue;
    Type argType = func.getArgumentTypes()[i];
    Type resultType = func.getResultTypes()[resultIndex];
    if (argType != resultType)
      return op->emitError("result #")
             << resultIndex << " updates state \"" << name.getValue()
             << "\" of type " << argType << " (argument #" << i
             << "), but has type " << resultType;
    return success();
  }
  return op->emitError("result #")
         << resultIndex << " updates state \"" << name.getValue()
         << "\", but no argument reads it; add bn.state = \""
         << name.getValue() << "\" to the argument it replaces";
}

bool bnc::bn::isIdentifier(StringRef name) {
  if (name.empty() || llvm::isDigit(name.front()))
    return false;
  return llvm::all_of(
      name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

StringAttr bnc::bn::getArgumentStateName(Operation *func, unsigned index) {
  return getStringAttr(cast<FunctionOpInterface>(func).getArgAttrDict(index),
                       BNDialect::kStateAttrName);
}

StringAttr bnc::bn::getResultStateName(Operation *func, unsigned index) {
  return getStringAttr(
      cast<FunctionOpInterface>(func).getResultAttrDict(index),
      BNDialect::kStateAttrName);
}

StringAttr bnc::bn::getArgumentName(Operation *func, unsigned index) {
  return getStringAttr(cast<FunctionOpInterface>(func).getArgAttrDict(index),
                       BNDialect::kNameAttrName);
}

StringAttr bnc::bn::getResultName(Operation *func, unsigned index) {
  return getStringAttr(
      cast<FunctionOpInterface>(func).getResultAttrDict(index),
      BNDialect::kNameAttrName);
}
