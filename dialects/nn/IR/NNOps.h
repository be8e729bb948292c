//===- NNOps.h - Operations of the nn dialect -------------------*- C++ -*-===//
//
// Part of bnc. Declares the nn ops, their attributes and enumerations.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_NN_IR_NNOPS_H
#define BNC_DIALECTS_NN_IR_NNOPS_H

#include "dialects/nn/IR/NNDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/nn/IR/NNEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/nn/IR/NNAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/nn/IR/NNOps.h.inc"

#endif // BNC_DIALECTS_NN_IR_NNOPS_H
