//===- BNOps.h - Operations of the bn dialect -------------------*- C++ -*-===//
//
// Part of bnc. Declares the bn ops, their attributes and enumerations.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_BN_IR_BNOPS_H
#define BNC_DIALECTS_BN_IR_BNOPS_H

#include "dialects/bn/IR/BNDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace bnc::bn {

/// Resolves a possibly negative `feature_axis` against a tensor rank
/// (-1 is the last dimension). The result is only meaningful for axes that
/// the op verifier accepts, that is in [-rank, rank).
inline int64_t resolveFeatureAxis(int64_t featureAxis, int64_t rank) {
  return featureAxis < 0 ? featureAxis + rank : featureAxis;
}

/// The number of elements per channel, `m`: the product of every dimension of
/// `type` but `channelDim`. std::nullopt when one of them is dynamic.
std::optional<int64_t> getStaticSamplesPerChannel(mlir::RankedTensorType type,
                                                  int64_t channelDim);

} // namespace bnc::bn

#include "dialects/bn/IR/BNEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/bn/IR/BNAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/bn/IR/BNOps.h.inc"

#endif // BNC_DIALECTS_BN_IR_BNOPS_H
