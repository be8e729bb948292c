//===- FuzzBnOpt.cpp - Fuzz target: parse, verify, inference pipeline ---===//
//
// Part of bnc. Any text through what `bn-opt --bn-inference-pipeline` does:
// parse (which verifies), then verify modes, derive inference, fold BN into
// scale/shift and into convolutions, canonicalize, cse. Errors are fine;
// crashes, assertion failures and leaks are bugs.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitAll.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <cstdint>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool registered = (bnc::registerAllPasses(), true);
  (void)registered;
  DialectRegistry registry;
  bnc::registerAllDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  // Diagnostics are expected; printing them would only slow the fuzzer.
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
  // MLIR's lexer reads up to a terminating NUL, as files loaded through
  // llvm::MemoryBuffer (bn-opt's) have; libFuzzer's bytes have none, so the
  // text is copied into a string, which does (found by this fuzzer).
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  if (!module)
    return 0;
  std::string error;
  (void)bnc::runPassPipeline(*module, "bn-inference-pipeline", error);
  return 0;
}
