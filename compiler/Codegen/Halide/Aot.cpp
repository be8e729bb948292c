//===- Aot.cpp - Ahead-of-time compilation of a model with Halide ---------===//
//
// Part of bnc. See Aot.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Aot.h"

#include "compiler/Codegen/CppWrapper.h"
#include "compiler/Codegen/Halide/NativeCode.h"
#include "compiler/Codegen/ModelInterface.h"
#include "compiler/Support/Npy.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace bnc;
using namespace bnc::halide;

namespace {

FailureOr<Halide::Target> parseTarget(ModuleOp module,
                                      const std::string &text) {
  if (text != "host" && !Halide::Target::validate_target_string(text)) {
    module.emitError("unknown Halide target '")
        << text << "'; use host, or a Halide target string like "
        << "x86-64-linux-avx2";
    return failure();
  }
  Halide::Target target =
      text == "host" ? Halide::get_host_target() : Halide::Target(text);
  if (target.has_gpu_feature()) {
    module.emitError("target '")
        << text << "' asks for a GPU; bnc's GPU (CUDA) schedules are not "
        << "written yet, so compile for the host CPU";
    return failure();
  }
  return target;
}

/// Lowers every entry point of `model`, and notes in it the shapes of the
/// kernels' buffers that view their tensors (Lowering.h).
FailureOr<std::vector<LoweredPipeline>>
lowerEntryPoints(ModuleOp module, ModelInterface &model) {
  std::vector<LoweredPipeline> pipelines;
  for (EntryPointInterface &entry : model.entryPoints) {
    FailureOr<LoweredPipeline> lowered =
        lowerToHalide(module.lookupSymbol<func::FuncOp>(entry.name));
    if (failed(lowered))
      return failure();
    // The values are the pipeline's buffers in order: inputs, then outputs.
    for (auto [value, shape] : llvm::zip(entry.values, lowered->bufferShapes()))
      if (value.shape != shape)
        value.bufferShape = shape;
    pipelines.push_back(std::move(*lowered));
  }
  return pipelines;
}

/// The kernels of every entry point, one Halide module each, for `target`.
FailureOr<std::vector<NativeKernel>>
compileEntryPoints(ModuleOp module, std::vector<LoweredPipeline> &pipelines,
                   const std::string &modelName, const Halide::Target &target,
                   const AotOptions &options) {
  std::vector<NativeKernel> kernels;
  for (LoweredPipeline &lowered : pipelines) {
    Halide::Pipeline pipeline = lowered.pipeline();
    std::string error;
    if (!schedulePipeline(lowered, pipeline, target, options.schedule, error)) {
      module.lookupSymbol<func::FuncOp>(lowered.name).emitError(error);
      return failure();
    }
    std::vector<Halide::Argument> arguments(lowered.inputs.begin(),
                                            lowered.inputs.end());
    kernels.push_back(
        {pipeline.compile_to_module(
             arguments, kernelName(modelName, lowered.name), target),
         nonTemporalOutputs(lowered, options.schedule.cpu)});
  }
  return kernels;
}

const char *kindName(InterfaceValue::Kind kind) {
  switch (kind) {
  case InterfaceValue::Kind::Input:
    return "input";
  case InterfaceValue::Kind::State:
    return "state";
  case InterfaceValue::Kind::Output:
    return "output";
  case InterfaceValue::Kind::StateUpdate:
    return "new state";
  }
  return "";
}

/// The comment bnc puts before Halide's declarations in PREFIX.halide.h:
/// each kernel's buffers in order, with their shapes, so that whoever
/// calls a kernel directly need not read the C++ class's spec.
std::string kernelsComment(const ModelInterface &model,
                           const std::string &modelName) {
  std::string text = "// The kernels of " + modelName +
                     R"(.h's class, written by bnc. Each takes
// one dense halide_buffer_t per value, in the order below, of the shape
// listed (outermost dimension first; a halide_buffer_t lists its dimensions
// innermost first). A value marked "viewing" is the tensor of that shape,
// its elements in the same order, dimensions merged.
)";
  for (const EntryPointInterface &entry : model.entryPoints) {
    text += "//\n// " + kernelName(modelName, entry.name) + ":\n";
    for (const InterfaceValue &value : entry.values) {
      text += "//   " + value.name + " (" + kindName(value.kind) + "): " +
              formatShape(value.bufferShape.empty() ? value.shape
                                                    : value.bufferShape);
      if (!value.bufferShape.empty())
        text += ", viewing " + formatShape(value.shape);
      text += "\n";
    }
  }
  return text + "\n";
}

/// Puts `text` before the contents of the file `path`.
bool prependToFile(const std::string &path, const std::string &text,
                   std::string &error) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> contents =
      llvm::MemoryBuffer::getFile(path);
  if (!contents) {
    error = "cannot read " + path + ": " + contents.getError().message();
    return false;
  }
  std::string original = (*contents)->getBuffer().str();
  std::error_code ec;
  llvm::raw_fd_ostream file(path, ec);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  file << text << original;
  return true;
}

} // namespace

LogicalResult bnc::halide::compileAheadOfTime(ModuleOp module,
                                              const AotOptions &options) {
  std::string modelName = llvm::sys::path::filename(options.prefix).str();
  FailureOr<ModelInterface> model = describeModel(module);
  if (failed(model))
    return failure();
  FailureOr<Halide::Target> target = parseTarget(module, options.target);
  if (failed(target))
    return failure();

  // Lowered first, for the buffers' shapes; then the wrapper, which checks
  // that every name can be a C++ name, before anything is compiled.
  FailureOr<std::vector<LoweredPipeline>> pipelines;
  try {
    pipelines = lowerEntryPoints(module, *model);
  } catch (const Halide::Error &e) {
    return module.emitError("Halide could not lower the model: ") << e.what();
  }
  if (failed(pipelines))
    return failure();
  std::string wrapper, error;
  llvm::raw_string_ostream wrapperText(wrapper);
  if (!emitCppWrapper(*model, {modelName, modelName + ".halide.h"}, wrapperText,
                      error))
    return module.emitError(error);

  // bnc's LLVM generates the code where it can (NativeCode.h), as for the
  // JIT; for other targets Halide does, without non-temporal stores.
  MachineDescription machine;
  std::string notNative;
  bool native = describeMachine(*target, machine, notNative);
  Halide::Target kernelTarget =
      native ? target->with_feature(Halide::Target::NoRuntime) : *target;
  try {
    FailureOr<std::vector<NativeKernel>> kernels = compileEntryPoints(
        module, *pipelines, modelName, kernelTarget, options);
    if (failed(kernels))
      return failure();
    std::vector<Halide::Module> modules;
    for (const NativeKernel &kernel : *kernels)
      modules.push_back(kernel.module);
    std::map<Halide::OutputFileType, std::string> files = {
        {Halide::OutputFileType::c_header, options.prefix + ".halide.h"}};
    if (!native)
      files[Halide::OutputFileType::static_library] = options.prefix + ".a";
    if (options.emitStmtHtml)
      files[Halide::OutputFileType::stmt_html] = options.prefix + ".stmt.html";
    Halide::link_modules(modelName, modules).compile(files);
    if (!prependToFile(options.prefix + ".halide.h",
                       kernelsComment(*model, modelName), error))
      return module.emitError(error);
    if (native && !writeStaticLibrary(*kernels, *target, machine,
                                      options.prefix + ".a", error))
      return module.emitError(error);
  } catch (const Halide::Error &e) {
    return module.emitError("Halide could not compile the model: ") << e.what();
  }

  std::error_code ec;
  llvm::raw_fd_ostream header(options.prefix + ".h", ec);
  if (ec)
    return module.emitError("cannot write ")
           << options.prefix << ".h: " << ec.message();
  header << wrapper;
  return success();
}
