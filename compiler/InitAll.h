//===- InitAll.h - Everything the bnc tools register ------------*- C++ -*-===//
//
// Part of bnc. One place that lists the dialects and passes of the tools, so
// bn-opt, bn-translate and the tests agree on them.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_INITALL_H
#define BNC_COMPILER_INITALL_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/LLVM.h"

#include <memory>
#include <string>

namespace bnc {

/// Adds the bn and nn dialects and the upstream dialects that bnc programs use
/// beside them (func, arith, tensor, math).
void registerAllDialects(mlir::DialectRegistry &registry);

/// A registry of the dialects of registerAllDialects: what a context for
/// bnc programs is made with.
mlir::DialectRegistry dialectRegistry();

/// Registers the bnc passes and pipelines and the upstream cleanups they use
/// (canonicalize, cse, symbol-dce) with the global pass registry.
void registerAllPasses();

/// Runs the textual pass pipeline `pipeline` ("bn-fuse,bn-schedule", with or
/// without a builtin.module(...) anchor) on `module`. If the text does not
/// parse, fails with `error` saying why; if a pass fails, fails with `error`
/// empty (the pass reported through the context's diagnostics).
mlir::LogicalResult runPassPipeline(mlir::ModuleOp module,
                                    llvm::StringRef pipeline,
                                    std::string &error);

/// A bnc program read from a file ("-": standard input) into a context of
/// its own with the dialects of registerAllDialects; diagnostics print
/// against the file, without the op reprinted. What the tools do first.
class ProgramFile {
public:
  explicit ProgramFile(llvm::StringRef path);
  ~ProgramFile();

  /// The program; null if the file could not be read or parsed (the
  /// diagnostic is out already).
  mlir::ModuleOp module() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace bnc

#endif // BNC_COMPILER_INITALL_H
