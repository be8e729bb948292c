//===- bn-opt.cpp - The bnc optimizer driver -------------------------------===//
//
// Part of bnc. Parses, verifies, transforms and prints bn/nn programs.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitAll.h"
#include "compiler/Support/ToolOptions.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

int main(int argc, char **argv) {
  bnc::hideLibraryOptions();

  // A BN diagnostic points at the op in the user's file; the op printed again
  // in generic form after it is noise. --mlir-print-op-on-diagnostic turns it
  // back on.
  std::vector<char *> args(argv, argv + argc);
  bool userChoseOpPrinting = false;
  for (llvm::StringRef arg : llvm::ArrayRef<char *>(argv, argc))
    userChoseOpPrinting |= arg.ltrim('-').starts_with("mlir-print-op-on-diagnostic");
  static char quietDiagnostics[] = "--mlir-print-op-on-diagnostic=false";
  if (!userChoseOpPrinting)
    args.insert(args.begin() + 1, quietDiagnostics);

  mlir::DialectRegistry registry;
  bnc::registerAllDialects(registry);
  bnc::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      static_cast<int>(args.size()), args.data(),
      "bnc optimizer: checks BN modes, derives inference programs and folds "
      "BN away\n",
      registry));
}
