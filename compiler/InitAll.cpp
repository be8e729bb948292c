//===- InitAll.cpp - Everything the bnc tools register ---------------------===//
//
// Part of bnc. Registers exactly the dialects and passes bnc uses, no more:
// registering all of MLIR would cost link and start-up time for nothing.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitAll.h"

#include "compiler/Transforms/Passes.h"
#include "dialects/bn/IR/BNDialect.h"
#include "dialects/nn/IR/NNDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/SourceMgr.h"

void bnc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<bn::BNDialect, nn::NNDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect>();
}

mlir::DialectRegistry bnc::dialectRegistry() {
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  return registry;
}

void bnc::registerAllPasses() {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  registerBNCPasses();
  registerPipelines();
}

mlir::LogicalResult bnc::runPassPipeline(mlir::ModuleOp module,
                                         llvm::StringRef pipeline,
                                         std::string &error) {
  // The passes run on the module, whether or not the text says so.
  std::string text = pipeline.str();
  if (!pipeline.starts_with("builtin.module("))
    text = "builtin.module(" + text + ")";
  llvm::raw_string_ostream errors(error);
  mlir::FailureOr<mlir::OpPassManager> passes =
      mlir::parsePassPipeline(text, errors);
  if (mlir::failed(passes))
    return mlir::failure();
  mlir::PassManager pm(module.getContext());
  static_cast<mlir::OpPassManager &>(pm) = *passes;
  return pm.run(module);
}

struct bnc::ProgramFile::Impl {
  explicit Impl(llvm::StringRef path)
      : context(dialectRegistry()), diagnostics(sourceMgr, &context) {
    // Diagnostics point at the user's file; the op reprinted is noise.
    context.printOpOnDiagnostic(false);
    module = mlir::parseSourceFile<mlir::ModuleOp>(path, sourceMgr, &context);
  }

  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

bnc::ProgramFile::ProgramFile(llvm::StringRef path)
    : impl(std::make_unique<Impl>(path)) {}

bnc::ProgramFile::~ProgramFile() = default;

mlir::ModuleOp bnc::ProgramFile::module() const {
  return impl->module ? *impl->module : mlir::ModuleOp();
}
