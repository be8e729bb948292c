//===- Jit.cpp - Run a lowered pipeline in this process -------------------===//
//
// Part of bnc. See Jit.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/Jit.h"
#include "compiler/Codegen/Halide/NativeCode.h"

#include "bnrt/ThreadPool.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <atomic>
#include <chrono>
#include <mutex>

using namespace bnc;
using namespace bnc::halide;

namespace {

std::vector<int> halideExtents(llvm::ArrayRef<int64_t> shape) {
  return std::vector<int>(shape.rbegin(), shape.rend());
}

/// Halide's dimensions (innermost first) of a dense buffer of `shape`.
std::vector<halide_dimension_t> denseDims(llvm::ArrayRef<int64_t> shape) {
  std::vector<halide_dimension_t> dims;
  int32_t stride = 1;
  for (int64_t extent : llvm::reverse(shape)) {
    dims.emplace_back(0, static_cast<int32_t>(extent), stride);
    stride *= static_cast<int32_t>(extent);
  }
  return dims;
}

/// Whether `buffer` is dense with exactly the dimensions `dims`.
bool hasDims(const halide_buffer_t &buffer,
             const std::vector<halide_dimension_t> &dims) {
  if (buffer.dimensions != static_cast<int32_t>(dims.size()))
    return false;
  for (size_t d = 0; d < dims.size(); ++d)
    if (buffer.dim[d] != dims[d])
      return false;
  return true;
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
    // The kernels' parallel loops run on bnrt's pool, as in the
    // ahead-of-time libraries' wrappers (bnrt/ThreadPool.h).
    auto setParallelFor = lookup<halide_do_par_for_t(halide_do_par_for_t)>(
        "halide_set_custom_do_par_for", error);
    if (!setParallelFor)
      return false;
    setParallelFor(bnrt::parallelFor);
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

namespace {

/// The tasks of JitKernel::runOnEveryThread: each counts itself in, waits
/// until all have (or until the deadline), then does its share.
struct EveryThread {
  const std::function<void(int)> *work;
  int threads;
  std::atomic<int> started{0};
  std::chrono::steady_clock::time_point deadline;
};

int runShare(void * /*userContext*/, int index, uint8_t *closure) {
  auto *every = reinterpret_cast<EveryThread *>(closure);
  every->started.fetch_add(1);
  while (every->started.load() < every->threads &&
         std::chrono::steady_clock::now() < every->deadline) {
  }
  (*every->work)(index);
  return 0;
}

} // namespace

void JitKernel::runOnEveryThread(int threads,
                                 const std::function<void(int)> &work) {
  EveryThread every;
  every.work = &work;
  every.threads = threads;
  every.deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
  bnrt::parallelFor(nullptr, runShare, 0, threads,
                    reinterpret_cast<uint8_t *>(&every));
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
  // Halide's argv convention: the inputs, then the outputs.
  std::vector<void *> arguments;
  for (const Halide::Buffer<float> &buffer : inputs)
    arguments.push_back(const_cast<halide_buffer_t *>(buffer.raw_buffer()));
  for (const Halide::Buffer<float> &buffer : outputs)
    arguments.push_back(const_cast<halide_buffer_t *>(buffer.raw_buffer()));
  return run(arguments, error);
}

bool JitKernel::run(std::vector<void *> &arguments, std::string &error) {
  if (!entry) {
    error = "@" + name + " was not compiled";
    return false;
  }
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
    // Only buffers that view their tensors are remade on every run; the
    // rest are the caller's, which Halide checks itself.
    for (auto [buffer, tensor] :
         llvm::zip(lowered.bufferShapes(), lowered.tensorShapes)) {
      bool isView = buffer != tensor;
      tensorDims.push_back(isView ? denseDims(tensor)
                                  : std::vector<halide_dimension_t>());
      bufferDims.push_back(isView ? denseDims(buffer)
                                  : std::vector<halide_dimension_t>());
    }
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
  // The kernel's buffers, in the tensors' memory.
  std::vector<Halide::Buffer<float>> inputBuffers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    llvm::ArrayRef<int64_t> expected = lowered.tensorShapes[i];
    if (llvm::ArrayRef<int64_t>(inputs[i].shape) != expected) {
      error = "input #" + std::to_string(i) + " of @" + lowered.name +
              " must have shape " + formatShape(expected) + ", but has " +
              formatShape(inputs[i].shape);
      return false;
    }
    // Halide only reads its inputs; the buffer wraps the caller's memory.
    inputBuffers.emplace_back(const_cast<float *>(inputs[i].data.data()),
                              halideExtents(lowered.inputShapes[i]));
  }

  outputs.clear();
  std::vector<Halide::Buffer<float>> outputBuffers;
  for (auto [output, shape] :
       llvm::zip(lowered.outputs, llvm::ArrayRef(lowered.tensorShapes)
                                      .drop_front(lowered.inputs.size()))) {
    HostTensor tensor;
    tensor.shape.assign(shape.begin(), shape.end());
    tensor.data.resize(output.elements());
    outputs.push_back(std::move(tensor));
    outputBuffers.emplace_back(outputs.back().data.data(),
                               halideExtents(output.shape));
  }
  return kernel.run(inputBuffers, outputBuffers, error);
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
  // Each tensor as its kernel's buffer: the caller's, or where the buffer
  // views the tensor, a copy of it with the buffer's dimensions.
  // (On the stack, not in the JitPipeline: runs may overlap.)
  llvm::SmallVector<halide_buffer_t, 8> views(bufferDims.size());
  std::vector<void *> arguments;
  arguments.reserve(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    bool isInput = i < inputs.size();
    const halide_buffer_t &given =
        *(isInput ? inputs[i] : outputs[i - inputs.size()]).raw_buffer();
    if (bufferDims[i].empty()) {
      arguments.push_back(const_cast<halide_buffer_t *>(&given));
      continue;
    }
    if (!hasDims(given, tensorDims[i])) {
      error = std::string(isInput ? "input" : "output") + " #" +
              std::to_string(isInput ? i : i - inputs.size()) + " of @" +
              lowered.name + " must be a dense buffer of shape " +
              formatShape(lowered.tensorShapes[i]);
      return false;
    }
    views[i] = given;
    views[i].dimensions = static_cast<int32_t>(bufferDims[i].size());
    views[i].dim = bufferDims[i].data();
    arguments.push_back(&views[i]);
  }
  return kernel.run(arguments, error);
}
