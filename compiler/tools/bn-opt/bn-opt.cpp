//===- bn-opt.cpp - The bnc optimizer driver -------------------------------===//
//
// Part of bnc. Parses, verifies, transforms and prints bn/nn programs.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitAll.h"
#include "compiler/Support/ToolOptions.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  bnc::hideLibraryOptions();
  mlir::DialectRegistry registry;
  bnc::registerAllDialects(registry);
  bnc::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv,
      "bnc optimizer: checks BN modes, derives inference programs and folds "
      "BN away\n",
      registry));
}
