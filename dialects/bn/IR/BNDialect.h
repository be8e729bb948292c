//===- BNDialect.h - The Batch Normalization dialect ------------*- C++ -*-===//
//
// Part of bnc. Declares the `bn` dialect class.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_BN_IR_BNDIALECT_H
#define BNC_DIALECTS_BN_IR_BNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/bn/IR/BNDialect.h.inc"

namespace bnc::bn {

/// The mode an entry point declares with `bn.mode`.
enum class EntryMode { Train, Infer };

/// The `bn.mode` of `op`, or std::nullopt when it declares none.
std::optional<EntryMode> getEntryMode(mlir::Operation *op);

/// Marks `op` as an entry point of `mode`.
void setEntryMode(mlir::Operation *op, EntryMode mode);

/// The spelling of `mode` in `bn.mode`: "train" or "infer".
llvm::StringRef stringifyEntryMode(EntryMode mode);

/// Whether `name` is a C identifier: what `bn.name` accepts, and what the
/// generated C++ of a model needs of its names.
bool isIdentifier(llvm::StringRef name);

/// The `bn.state` name of argument `index` of function `func`, or null.
mlir::StringAttr getArgumentStateName(mlir::Operation *func, unsigned index);

/// The `bn.state` name of result `index` of function `func`, or null.
mlir::StringAttr getResultStateName(mlir::Operation *func, unsigned index);

/// The `bn.name` of argument `index` of function `func`, or null.
mlir::StringAttr getArgumentName(mlir::Operation *func, unsigned index);

/// The `bn.name` of result `index` of function `func`, or null.
mlir::StringAttr getResultName(mlir::Operation *func, unsigned index);

/// The first op of the bn dialect nested in `root` (or `root` itself), or
/// null if there is none.
mlir::Operation *findFirstBNOp(mlir::Operation *root);

} // namespace bnc::bn

#endif // BNC_DIALECTS_BN_IR_BNDIALECT_H
