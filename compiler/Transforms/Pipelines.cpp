//===- Pipelines.cpp - The named bn-opt pipelines -------------------------===//
//
// Part of bnc. bn-inference-pipeline and bn-training-pipeline.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void bnc::registerPipelines() {
  PassPipelineRegistration<>(
      "bn-inference-pipeline",
      "Check modes, derive inference entry points and fold BN away: "
      "bn-verify-modes, bn-derive-inference, bn-fold-inference, "
      "bn-fold-into-producer, canonicalize, cse",
      [](OpPassManager &pm) {
        pm.addPass(createBNVerifyModesPass());
        pm.addPass(createBNDeriveInferencePass());
        pm.addPass(createBNFoldInferencePass());
        pm.addPass(createBNFoldIntoProducerPass());
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
      });

  PassPipelineRegistration<>(
      "bn-training-pipeline",
      "Check modes and batch sizes of training programs and clean up: "
      "bn-verify-modes, bn-check-batch-size, canonicalize, cse",
      [](OpPassManager &pm) {
        pm.addPass(createBNVerifyModesPass());
        pm.addPass(createBNCheckBatchSizePass());
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
      });
}
