//===- NNDialect.cpp - The nn dialect -------------------------------------===//
//
// Part of bnc. Registers the nn ops and attributes with the dialect.
//
//===----------------------------------------------------------------------===//

#include "dialects/nn/IR/NNDialect.h"

#include "dialects/nn/IR/NNOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bnc::nn;

#include "dialects/nn/IR/NNDialect.cpp.inc"

#include "dialects/nn/IR/NNEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/nn/IR/NNAttrs.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/nn/IR/NNOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/nn/IR/NNAttrs.cpp.inc"
      >();
}
