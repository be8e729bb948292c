//===- Jit.cpp - Run a lowered pipeline in this process -------------------===//
//
// Part of bnc. See Jit.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Jit.h"
#include "compiler/Codegen/Halide/NativeCode.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <atomic>
#include <mutex>

using namespace bnc;
using namespace bnc::halide;

namespace {

std::vector<int> halideExtents(const std::vector<int64_t> &shape) {
  return std::vector<int>(shape.rbegin(), shape.rend());
}

/// The messages of Halide's runtime since they were last taken.
std::mutex runtimeErrorMutex;
std::string runtimeErrors;

void collectRuntimeError(void * /*userContext*/, const char *message) {
  std::lock_guard<std::mutex> lock(runtimeErrorMutex);
  runtimeErrors += message;
}

std::string takeRuntimeErrors() {
  std::lock_guard<std::mutex> lock(runtimeErrorMutex);
  std::string errors;
  errors.swap(runtimeErrors);
  while (!errors.empty() && errors.back() == '\n')
    errors.pop_back();
  return errors;
}

/// bnc's LLVM JIT, one per process: Halide's runtime once, compiled for
/// the JIT target, and every kernel beside it.
class KernelJit {
public:
  /// The process's JIT, made on first use and kept until the process ends
  /// (kernels are not removed either); null with `error` set if it cannot
  /// be made.
  static KernelJit *get(std::string &error) {
    static std::string initError;
    static KernelJit *jit = [] {
      auto made = std::make_unique<KernelJit>();
      return made->initialize(initError) ? made.release() : nullptr;
    }();
    error = initError;
    return jit;
  }

  /// Compiles `module` into the JIT; returns its argv-style entry point.
  int (*add(const Halide::Module &module,
            const std::vector<std::string> &nonTemporalBuffers,
            std::string &error))(void **) {
    if (!addModule(module, nonTemporalBuffers, error))
      return nullptr;
    return lookup<int(void **)>(module.name() + "_argv", error);
  }

private:
  bool initialize(std::string &error) {
    Halide::Target target =
        JitKernel::target().without_feature(Halide::Target::NoRuntime);
    MachineDescription machine;
    if (!describeMachine(target, machine, error))
      return false;
    llvm::orc::JITTargetMachineBuilder machineBuilder{
        llvm::Triple(machine.triple)};
    machineBuilder.setCPU(machine.cpu)
        .setFeatures(machine.features)
        .setRelocationModel(llvm::Reloc::PIC_);
    llvm::Expected<std::unique_ptr<llvm::orc::LLJIT>> made =
        llvm::orc::LLJITBuilder()
            .setJITTargetMachineBuilder(std::move(machineBuilder))
            .create();
    if (!made) {
      error = "cannot start LLVM's JIT: " + toString(made.takeError());
      return false;
    }
    jit = std::move(*made);
    // libc, libm and pthreads for Halide's runtime.
    auto process =
        llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
            jit->getDataLayout().getGlobalPrefix());
    if (!process) {
      error = "cannot search this process's symbols: " +
              toString(process.takeError());
      return false;
    }
    jit->getMainJITDylib().addGenerator(std::move(*process));
    if (!addModule(Halide::Module("bnc_halide_runtime", target), {}, error))
      return false;
    auto setErrorHandler = lookup<void *(void (*)(void *, const char *))>(
        "halide_set_error_handler", error);
    if (!setErrorHandler)
      return false;
    setErrorHandler(collectRuntimeError);
    return true;
  }

  bool addModule(const Halide::Module &module,
                 const std::vector<std::string> &nonTemporalBuffers,
                 std::string &error) {
    auto context = std::make_unique<llvm::LLVMContext>();
    std::unique_ptr<llvm::Module> finished =
        finishHalideModule(module, nonTemporalBuffers, *context, error);
    if (!finished)
      return false;
    finished->setDataLayout(jit->getDataLayout());
    std::lock_guard<std::mutex> lock(mutex);
    if (llvm::Error failed = jit->addIRModule(llvm::orc::ThreadSafeModule(
            std::move(finished), std::move(context)))) {
      error = "LLVM's JIT refused " + module.name() + ": " +
              toString(std::move(failed));
      return false;
    }
    return true;
  }

  template <typename Function>
  Function *lookup(const std::string &name, std::string &error) {
    std::lock_guard<std::mutex> lock(mutex);
    llvm::Expected<llvm::orc::ExecutorAddr> address = jit->lookup(name);
    if (!address) {
      error = "cannot find " + name + ": " + toString(address.takeError());
      return nullptr;
    }
    return address->toPtr<Function *>();
  }

  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::mutex mutex;
};

} // namespace

const Halide::Target &JitKernel::target() {
  static const Halide::Target target =
      Halide::get_jit_target_from_environment()
          .without_feature(Halide::Target::JIT)
          .with_feature(Halide::Target::NoRuntime);
  return target;
}

JitKernel::JitKernel(Halide::Pipeline pipeline,
                     const std::vector<Halide::Argument> &arguments,
                     const std::string &kernelName,
                     const std::vector<std::string> &nonTemporalOutputs,
                     std::string &error)
    : name(kernelName) {
  KernelJit *jit = KernelJit::get(error);
  if (!jit)
    return;
  // Kernels share the JIT's namespace: each gets a symbol of its own.
  static std::atomic<int> kernelCount{0};
  std::string symbol = "bnc_jit_" + std::to_string(kernelCount++) + "_" + name;
  try {
    Halide::Module module =
        pipeline.compile_to_module(arguments, symbol, target());
    entry = jit->add(module, nonTemporalOutputs, error);
  } catch (const Halide::Error &e) {
    error = "Halide could not compile @" + name + ": " + e.what();
  }
}

bool JitKernel::run(const std::vector<Halide::Buffer<float>> &inputs,
                    const std::vector<Halide::Buffer<float>> &outputs,
                    std::string &error) {
  if (!entry) {
    error = "@" + name + " was not compiled";
    return false;
  }
  // Halide's argv convention: the inputs, then the outputs.
  std::vector<void *> arguments;
  for (const Halide::Buffer<float> &buffer : inputs)
    arguments.push_back(const_cast<halide_buffer_t *>(buffer.raw_buffer()));
  for (const Halide::Buffer<float> &buffer : outputs)
    arguments.push_back(const_cast<halide_buffer_t *>(buffer.raw_buffer()));
  if (int status = entry(arguments.data())) {
    error = "running @" + name + " failed (Halide error " +
            std::to_string(status) + ")";
    std::string messages = takeRuntimeErrors();
    if (!messages.empty())
      error += ": " + messages;
    return false;
  }
  return true;
}

JitPipeline::JitPipeline(LoweredPipeline loweredPipeline, std::string &error,
                         const ScheduleConfig &config)
    : lowered(std::move(loweredPipeline)) {
  try {
    Halide::Pipeline pipeline = lowered.pipeline();
    if (!schedulePipeline(lowered, pipeline, JitKernel::target(), config,
                          error))
      return;
    std::vector<Halide::Argument> arguments(lowered.inputs.begin(),
                                            lowered.inputs.end());
    kernel = JitKernel(pipeline, arguments, lowered.name,
                       nonTemporalOutputs(lowered, config.cpu), error);
  } catch (const Halide::Error &e) {
    error = "Halide could not compile @" + lowered.name + ": " + e.what();
  }
}

bool JitPipeline::run(const std::vector<HostTensor> &inputs,
                      std::vector<HostTensor> &outputs, std::string &error) {
  if (inputs.size() != lowered.inputs.size()) {
    error = "@" + lowered.name + " takes " +
            std::to_string(lowered.inputs.size()) + " inputs, but " +
            std::to_string(inputs.size()) + " were given";
    return false;
  }
  std::vector<Halide::Buffer<float>> inputBuffers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    llvm::ArrayRef<int64_t> expected = lowered.inputShapes[i];
    if (llvm::ArrayRef<int64_t>(inputs[i].shape) != expected) {
      error = "input #" + std::to_string(i) + " of @" + lowered.name +
              " must have shape " + formatShape(expected) + ", but has " +
              formatShape(inputs[i].shape);
      return false;
    }
    // Halide only reads its inputs; the buffer wraps the caller's memory.
    inputBuffers.emplace_back(const_cast<float *>(inputs[i].data.data()),
                              halideExtents(inputs[i].shape));
  }

  outputs.clear();
  std::vector<Halide::Buffer<float>> outputBuffers;
  for (const LoweredTensor &output : lowered.outputs) {
    HostTensor tensor;
    tensor.shape.assign(output.shape.begin(), output.shape.end());
    tensor.data.resize(output.elements());
    outputs.push_back(std::move(tensor));
  }
  for (HostTensor &tensor : outputs)
    outputBuffers.emplace_back(tensor.data.data(), halideExtents(tensor.shape));
  return run(inputBuffers, outputBuffers, error);
}

bool JitPipeline::run(const std::vector<Halide::Buffer<float>> &inputs,
                      const std::vector<Halide::Buffer<float>> &outputs,
                      std::string &error) {
  if (inputs.size() != lowered.inputs.size() ||
      outputs.size() != lowered.outputs.size()) {
    error = "@" + lowered.name + " takes " +
            std::to_string(lowered.inputs.size()) + " inputs and " +
            std::to_string(lowered.outputs.size()) + " outputs, but got " +
            std::to_string(inputs.size()) + " and " +
            std::to_string(outputs.size());
    return false;
  }
  return kernel.run(inputs, outputs, error);
}
