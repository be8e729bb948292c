//===- NNDialect.h - The nn dialect ----------------------------*- C++ -*-===//
//
// Part of bnc. Declares the `nn` dialect class.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_NN_IR_BNDIALECT_H
#define BNC_DIALECTS_NN_IR_BNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/nn/IR/NNDialect.h.inc"

#endif // BNC_DIALECTS_NN_IR_BNDIALECT_H
