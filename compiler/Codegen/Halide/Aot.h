//===- Aot.h - Ahead-of-time compilation of a model with Halide -*- C++ -*-===//
//
// Part of bnc. What `bn-translate --bn-to-halide-aot` does: every entry
// point of a module becomes a Halide pipeline, all of them one static
// library with Halide's C header, plus the C++ wrapper class (CppWrapper.h)
// that apps include. Apps need that, bnrt and HalideRuntime.h: no MLIR, no
// libHalide. A kernel's buffer may view its tensor in fewer dimensions
// (LoweredPipeline in Lowering.h); the class's spec lists those shapes
// (bnrt::ValueSpec::bufferShape), and bnrt passes the tensors so. Whoever
// calls the kernels of PREFIX.halide.h directly passes buffers of them: a
// comment at the top of that header lists each kernel's buffers, in order,
// with their shapes.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_AOT_H
#define BNC_COMPILER_CODEGEN_HALIDE_AOT_H

#include "compiler/Codegen/Halide/Schedule.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace bnc::halide {

struct AotOptions {
  /// Output path prefix: PREFIX.a, PREFIX.halide.h, PREFIX.h. Its file name
  /// is the model's name, a C identifier.
  std::string prefix;
  /// Halide target: "host", or a Halide target string.
  std::string target = "host";
  /// Also write Halide's HTML view of the lowered code, PREFIX.stmt.html.
  bool emitStmtHtml = false;
  ScheduleConfig schedule;
};

/// Compiles every entry point of `module` (public functions with a
/// bn.mode). Emits a located error and fails when it cannot.
mlir::LogicalResult compileAheadOfTime(mlir::ModuleOp module,
                                       const AotOptions &options);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_AOT_H
