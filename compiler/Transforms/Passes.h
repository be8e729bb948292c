//===- Passes.h - The bnc passes --------------------------------*- C++ -*-===//
//
// Part of bnc. Declares the passes of Passes.td, the rewrite patterns they
// gather, and the named pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_TRANSFORMS_PASSES_H
#define BNC_COMPILER_TRANSFORMS_PASSES_H

#include "dialects/bn/IR/BNOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace bnc {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

/// bn.batch_norm_infer -> bn.affine (bn-fold-inference).
void populateFoldInferencePatterns(mlir::RewritePatternSet &patterns);

/// Constant bn.affine after nn.conv2d / nn.dense -> rescaled layer
/// (bn-fold-into-producer).
void populateFoldIntoProducerPatterns(mlir::RewritePatternSet &patterns);

/// bn.batch_norm_train / bn.batch_norm_grad -> bn.stats, bn.affine and arith
/// (bn-decompose).
void populateDecomposePatterns(mlir::RewritePatternSet &patterns);

/// Registers bn-inference-pipeline and bn-training-pipeline.
void registerPipelines();

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

} // namespace bnc

#endif // BNC_COMPILER_TRANSFORMS_PASSES_H
