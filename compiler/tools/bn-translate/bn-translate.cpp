//===- bn-translate.cpp - Translate bn programs out of MLIR ----------------===//
//
// Part of bnc. `bn-translate --bn-to-halide-aot -o PREFIX model.mlir` compiles
// every entry point of a model (after the bn-opt pipeline of the user's
// choice) into PREFIX.a, PREFIX.halide.h and the C++ wrapper PREFIX.h.
//
// Not mlirTranslateMain: a translation there writes one output stream, and
// this one writes a library and two headers named after a prefix.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Aot.h"
#include "compiler/Codegen/Halide/ScheduleOptions.h"
#include "compiler/InitAll.h"
#include "compiler/Support/ToolOptions.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace bnc;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("bn-translate options");

enum class Translation { HalideAot };
cl::opt<Translation> translation(
    cl::desc("Translation:"), cl::Required,
    cl::values(clEnumValN(
        Translation::HalideAot, "bn-to-halide-aot",
        "Every entry point (public function with bn.mode) to one Halide "
        "pipeline; writes PREFIX.a (kernels and Halide runtime), "
        "PREFIX.halide.h (their C declarations) and PREFIX.h (the C++ class "
        "apps use, on the bnrt runtime)")),
    cl::cat(category));
cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.mlir>"),
                               cl::init("-"), cl::cat(category));
cl::opt<std::string>
    prefix("o",
           cl::desc("Output path prefix; its file name is the model's name "
                    "and must be a C identifier: -o build/conv_bn_relu"),
           cl::value_desc("PREFIX"), cl::Required, cl::cat(category));
cl::opt<std::string>
    target("target",
           cl::desc("Halide target: host (the default: this machine's CPU "
                    "and vector features), or a Halide target string such "
                    "as x86-64-linux-avx2"),
           cl::init("host"), cl::cat(category));
enum class Extra { StmtHtml };
cl::list<Extra> extras(
    "emit", cl::desc("Extra outputs:"), cl::CommaSeparated,
    cl::values(clEnumValN(Extra::StmtHtml, "stmt_html",
                          "PREFIX.stmt.html: Halide's view of the lowered, "
                          "scheduled loops")),
    cl::cat(category));
halide::ScheduleOptions scheduleOptions(category);

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  hideLibraryOptions({&category});
  cl::ParseCommandLineOptions(
      argc, argv,
      "bn-translate: translates a bn program, after bn-opt, into what apps "
      "link\n\n"
      "  bn-opt --bn-training-pipeline model.mlir -o model.opt.mlir\n"
      "  bn-translate --bn-to-halide-aot model.opt.mlir -o build/model\n");

  if (prefix.empty() || llvm::sys::path::is_separator(prefix.getValue().back())) {
    llvm::errs() << "bn-translate: -o needs a file name after the directory, "
                    "like build/conv_bn_relu\n";
    return 1;
  }
  // Halide writes nothing, and says nothing, where the directory is missing.
  llvm::StringRef directory = llvm::sys::path::parent_path(prefix.getValue());
  if (!directory.empty() && !llvm::sys::fs::is_directory(directory)) {
    llvm::errs() << "bn-translate: -o " << prefix << ": no directory "
                 << directory << " to write into\n";
    return 1;
  }

  ProgramFile program(modelPath);
  if (!program.module())
    return 1;

  halide::AotOptions options;
  std::string error;
  if (!scheduleOptions.config(options.schedule, error)) {
    llvm::errs() << "bn-translate: " << error << "\n";
    return 1;
  }
  options.prefix = prefix;
  options.target = target;
  options.emitStmtHtml = llvm::is_contained(extras, Extra::StmtHtml);
  if (failed(halide::compileAheadOfTime(program.module(), options)))
    return 1;
  return 0;
}
