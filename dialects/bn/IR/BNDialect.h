//===- BNDialect.h - The Batch Normalization dialect ------------*- C++ -*-===//
//
// Part of bnc. Declares the `bn` dialect class.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_BN_IR_BNDIALECT_H
#define BNC_DIALECTS_BN_IR_BNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/bn/IR/BNDialect.h.inc"

#endif // BNC_DIALECTS_BN_IR_BNDIALECT_H
