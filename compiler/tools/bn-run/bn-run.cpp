//===- bn-run.cpp - Run an entry point of a bn program ---------------------===//
//
// Part of bnc. Runs one entry point on .npy inputs, through Halide's JIT or
// the reference evaluator, and writes its results as .npy files.
//
//===----------------------------------------------------------------------===//

#include "bnrt/Checkpoint.h"
#include "bnrt/ThreadPool.h"
#include "compiler/Codegen/Halide/Jit.h"
#include "compiler/Codegen/Halide/ScheduleOptions.h"
#include "compiler/Codegen/ModelInterface.h"
#include "compiler/InitAll.h"
#include "compiler/Reference/Evaluator.h"
#include "compiler/Support/Npy.h"
#include "compiler/Support/ToolOptions.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <random>

using namespace mlir;
using namespace bnc;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("bn-run options");

cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> entryName("entry",
                               cl::desc("The entry point (function) to run"),
                               cl::Required, cl::cat(category));
enum class Backend { Halide, Reference };
cl::opt<Backend> backend(
    "backend", cl::desc("How to run it"), cl::init(Backend::Halide),
    cl::values(clEnumValN(Backend::Halide, "halide",
                          "Halide JIT with bnc's CPU schedule (default)"),
               clEnumValN(Backend::Reference, "reference",
                          "the reference evaluator: slow, double precision")),
    cl::cat(category));
cl::opt<std::string>
    pipelineText("pipeline",
                 cl::desc("bn-opt passes to run first, as for --pass-pipeline, e.g. "
                          "'bn-inference-pipeline' or "
                          "'bn-fold-inference,canonicalize'"),
                 cl::init(""), cl::cat(category));
cl::list<std::string> inputPaths(
    "input", cl::desc("A .npy input; one per argument, in argument order"),
    cl::cat(category));
cl::opt<int> randomSeed(
    "random-inputs",
    cl::desc("Instead of --input files, run on random inputs from this seed: "
             "1-D arguments (per-channel parameters, statistics) uniform in "
             "[0.5, 1.5], the others standard normal"),
    cl::init(-1), cl::cat(category));
cl::opt<std::string> outDir("out",
                            cl::desc("Directory for the results: 0.npy, 1.npy, ..."),
                            cl::Required, cl::cat(category));
halide::ScheduleOptions scheduleOptions(category);
cl::opt<std::string> statePath(
    "state",
    cl::desc("A safetensors checkpoint with the entry point's state (the "
             "arguments marked bn.state), loaded strictly; --input files or "
             "--random-inputs then give only the other arguments"),
    cl::value_desc("CKPT"), cl::init(""), cl::cat(category));
cl::opt<std::string> saveStatePath(
    "save-state",
    cl::desc("After the run, write the state with the step's updates "
             "committed (and num_batches_tracked counted) to this "
             "safetensors checkpoint"),
    cl::value_desc("CKPT"), cl::init(""), cl::cat(category));
cl::opt<bool> checkFinite(
    "check-finite",
    cl::desc("Fail at the first NaN or infinity in an input, the state or a "
             "result, naming the tensor and the index"),
    cl::init(false), cl::cat(category));
cl::opt<unsigned> repeat("repeat",
                         cl::desc("Timed runs; the median is reported"),
                         cl::init(5), cl::cat(category));
cl::opt<unsigned> kernelThreads(
    "kernel-threads",
    cl::desc("Threads for the kernels' parallel loops (--backend=halide), "
             "bnrt's pool: default HL_NUM_THREADS, else the machine's"),
    cl::value_desc("N"), cl::init(0), cl::cat(category));

int fail(const std::string &message) {
  llvm::errs() << "bn-run: error: " << message << "\n";
  return 1;
}

/// Seeded random inputs for the argument types of `func`, or false with
/// `error` set when an argument has no static shape.
bool randomInputs(func::FuncOp func, unsigned seed,
                  std::vector<HostTensor> &inputs, std::string &error) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> positive(0.5f, 1.5f);
  for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto tensorType = dyn_cast<RankedTensorType>(type);
    if (!tensorType || !tensorType.hasStaticShape()) {
      error = "--random-inputs needs static shapes; argument #" +
              std::to_string(index) + " of @" + func.getName().str() +
              " has none";
      return false;
    }
    HostTensor tensor;
    tensor.shape.assign(tensorType.getShape().begin(),
                        tensorType.getShape().end());
    tensor.data.resize(tensorType.getNumElements());
    for (float &value : tensor.data)
      value = tensorType.getRank() == 1 ? positive(generator) : normal(generator);
    inputs.push_back(std::move(tensor));
  }
  return true;
}

/// Checks `inputs` against the argument types of `func`.
bool checkInputs(func::FuncOp func, const std::vector<HostTensor> &inputs,
                 std::string &error) {
  if (inputs.size() != func.getNumArguments()) {
    error = "@" + func.getName().str() + " takes " +
            std::to_string(func.getNumArguments()) + " arguments, but " +
            std::to_string(inputs.size()) + " --input files were given";
    return false;
  }
  for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto tensorType = dyn_cast<RankedTensorType>(type);
    bool fits = tensorType && tensorType.getRank() ==
                                  static_cast<int64_t>(inputs[index].shape.size());
    for (int64_t d = 0; fits && d < tensorType.getRank(); ++d)
      fits = tensorType.isDynamicDim(d) ||
             tensorType.getDimSize(d) == inputs[index].shape[d];
    if (!fits) {
      std::string expected;
      llvm::raw_string_ostream os(expected);
      os << type;
      std::string path = statePath.empty() && index < inputPaths.size()
                             ? " (" + inputPaths[index] + ")"
                             : "";
      error = "argument #" + std::to_string(index) + path + " must be " +
              expected + ", but has shape " + formatShape(inputs[index].shape);
      return false;
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// State: --state, --save-state
//===----------------------------------------------------------------------===//

/// The model's state as bnrt declares it.
std::vector<bnrt::StateEntrySpec> runtimeSpec(const ModelInterface &model) {
  std::vector<bnrt::StateEntrySpec> spec;
  for (const StateEntry &entry : model.state)
    spec.push_back({entry.name,
                    {entry.shape.begin(), entry.shape.end()},
                    entry.isCounter ? bnrt::DType::I64 : bnrt::DType::F32,
                    entry.init == StateInit::Ones      ? bnrt::Init::Ones
                    : entry.init == StateInit::Uniform ? bnrt::Init::Uniform
                                                       : bnrt::Init::Zeros,
                    entry.uniformBound});
  return spec;
}

bnrt::Tensor toRuntime(const HostTensor &tensor) {
  return bnrt::Tensor::fromValues(tensor.shape, tensor.data);
}

HostTensor toHost(const bnrt::Tensor &tensor) {
  return {tensor.shape(),
          std::vector<float>(tensor.f32(), tensor.f32() + tensor.numElements())};
}

/// Fills the state arguments of `entry` from `state` (--state) or `state`
/// from them (no --state): either way, `inputs` and `state` agree after.
bool bindState(const EntryPointInterface &entry, bool fromCheckpoint,
               std::vector<HostTensor> &inputs, bnrt::State &state,
               std::string &error) {
  std::vector<HostTensor> arguments;
  size_t nextData = 0;
  for (const InterfaceValue &value : entry.values) {
    if (value.kind == InterfaceValue::Kind::Input) {
      if (nextData >= inputs.size())
        break;
      arguments.push_back(inputs[nextData++]);
    } else if (value.kind == InterfaceValue::Kind::State) {
      if (fromCheckpoint) {
        arguments.push_back(toHost(state.get(value.name)));
      } else {
        size_t index = arguments.size();
        if (index >= inputs.size())
          break;
        bnrt::Status status = state.set(value.name, toRuntime(inputs[index]));
        if (!status.ok()) {
          error = status.message();
          return false;
        }
        arguments.push_back(inputs[index]);
      }
    }
  }
  if (fromCheckpoint) {
    size_t dataArguments = llvm::count_if(entry.values, [](auto &value) {
      return value.kind == InterfaceValue::Kind::Input;
    });
    if (inputs.size() != dataArguments) {
      error = "with --state, @" + entry.name + " takes " +
              std::to_string(dataArguments) +
              " data inputs (the arguments without bn.state), but " +
              std::to_string(inputs.size()) + " were given";
      return false;
    }
    inputs = std::move(arguments);
  }
  return true;
}

/// Commits the state updates among `outputs` and counts the step.
bool commitState(const EntryPointInterface &entry,
                 const std::vector<HostTensor> &outputs, bnrt::State &state,
                 std::string &error) {
  bnrt::Transaction transaction(state);
  size_t result = 0;
  for (const InterfaceValue &value : entry.values) {
    if (value.kind == InterfaceValue::Kind::Input ||
        value.kind == InterfaceValue::Kind::State)
      continue;
    if (value.kind == InterfaceValue::Kind::StateUpdate) {
      bnrt::Status status =
          transaction.stage(value.name, toRuntime(outputs[result]));
      if (!status.ok()) {
        error = status.message();
        return false;
      }
    }
    ++result;
  }
  for (const std::string &counter : entry.counters)
    if (bnrt::Status status = transaction.stageIncrement(counter); !status) {
      error = status.message();
      return false;
    }
  transaction.commit();
  return true;
}

/// With --check-finite, the first non-finite value among `tensors`.
bool checkAllFinite(const std::vector<HostTensor> &tensors, const char *what,
                    std::string &error) {
  if (!checkFinite)
    return true;
  for (auto [index, tensor] : llvm::enumerate(tensors)) {
    std::string found = bnrt::findNonFinite(tensor.data.data(), tensor.shape);
    if (!found.empty()) {
      error = std::string(what) + " #" + std::to_string(index) + " holds " +
              found;
      return false;
    }
  }
  return true;
}

double medianSeconds(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times.empty() ? 0.0 : times[times.size() / 2];
}

/// Runs `func` with the reference evaluator, converting to and from double.
bool runReference(func::FuncOp func, const std::vector<HostTensor> &inputs,
                  std::vector<HostTensor> &outputs, double &seconds) {
  SmallVector<reference::Tensor> arguments;
  for (const HostTensor &input : inputs)
    arguments.push_back(reference::fromHost(input));
  auto start = std::chrono::steady_clock::now();
  FailureOr<SmallVector<reference::Tensor>> results =
      reference::evaluate(func, arguments);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                .count();
  if (failed(results))
    return false;
  outputs.clear();
  for (const reference::Tensor &result : *results)
    outputs.push_back(reference::toHost(result));
  return true;
}

bool runHalide(func::FuncOp func, const std::vector<HostTensor> &inputs,
               std::vector<HostTensor> &outputs, double &seconds,
               std::string &error) {
  halide::ScheduleConfig config;
  if (!scheduleOptions.config(config, error))
    return false;
  if (kernelThreads > 0) {
    int wanted = static_cast<int>(std::min(kernelThreads.getValue(), 4096u));
    if (bnrt::setThreadCount(wanted) != wanted) {
      error = "--kernel-threads=" + std::to_string(kernelThreads) +
              ": bnrt runs at most " + std::to_string(bnrt::threadCount()) +
              " threads here";
      return false;
    }
  }
  FailureOr<halide::LoweredPipeline> lowered = halide::lowerToHalide(func);
  if (failed(lowered))
    return false;
  halide::JitPipeline jit(std::move(*lowered), error, config);
  if (!jit.valid() || !jit.run(inputs, outputs, error))
    return false;
  std::vector<double> times;
  for (unsigned i = 0; i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!jit.run(inputs, outputs, error))
      return false;
    times.push_back(std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  seconds = medianSeconds(times);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  hideLibraryOptions({&category});
  registerAllPasses();
  cl::ParseCommandLineOptions(
      argc, argv,
      "bn-run: runs an entry point of a bn program on .npy inputs and writes "
      "its results to DIR/0.npy, DIR/1.npy, ...\n\n"
      "  bn-run model.mlir --entry train_step --input x.npy ... --out DIR\n");

  ProgramFile program(modelPath);
  ModuleOp module = program.module();
  if (!module)
    return 1;
  if (!pipelineText.empty()) {
    std::string message;
    if (failed(runPassPipeline(module, pipelineText, message)))
      return message.empty() ? 1 : fail("bad --pipeline: " + message);
  }
  auto func = module.lookupSymbol<func::FuncOp>(entryName);
  if (!func) {
    std::string names;
    for (auto candidate : module.getOps<func::FuncOp>())
      names += " @" + candidate.getName().str();
    return fail("no function @" + entryName + " in " + modelPath +
                "; it has:" + (names.empty() ? " none" : names));
  }

  std::vector<HostTensor> inputs;
  std::string error;
  if (randomSeed >= 0) {
    if (!inputPaths.empty())
      return fail("give either --input files or --random-inputs, not both");
    if (!randomInputs(func, static_cast<unsigned>(randomSeed), inputs, error))
      return fail(error);
  } else {
    inputs.resize(inputPaths.size());
    for (size_t i = 0; i < inputPaths.size(); ++i)
      if (!readNpy(inputPaths[i], inputs[i], error))
        return fail(error);
  }

  // The state, when asked for: from the checkpoint, or from the inputs.
  std::optional<ModelInterface> model;
  const EntryPointInterface *entry = nullptr;
  bnrt::State state;
  if (!statePath.empty() || !saveStatePath.empty()) {
    FailureOr<ModelInterface> described = describeModel(module);
    if (failed(described))
      return 1;
    model = std::move(*described);
    for (const EntryPointInterface &candidate : model->entryPoints)
      if (candidate.name == entryName)
        entry = &candidate;
    if (!entry)
      return fail("--state and --save-state need @" + entryName +
                  " to be an entry point (a public function with bn.mode)");
    state = bnrt::State(runtimeSpec(*model));
    if (!statePath.empty()) {
      if (bnrt::Status status = bnrt::load(statePath, state); !status)
        return fail(status.message());
      if (randomSeed >= 0) {
        // Random values for the data arguments only; arguments come first
        // in the entry point's values.
        std::vector<HostTensor> data;
        for (size_t i = 0; i < inputs.size(); ++i)
          if (entry->values[i].kind == InterfaceValue::Kind::Input)
            data.push_back(inputs[i]);
        inputs = std::move(data);
      }
    }
    if (!bindState(*entry, !statePath.empty(), inputs, state, error))
      return fail(error);
  }
  if (randomSeed < 0 && !checkInputs(func, inputs, error))
    return fail(error);
  if (!checkAllFinite(inputs, "argument", error))
    return fail(error);

  std::vector<HostTensor> outputs;
  double seconds = 0.0;
  bool ok;
  try {
    ok = backend == Backend::Reference
             ? runReference(func, inputs, outputs, seconds)
             : runHalide(func, inputs, outputs, seconds, error);
  } catch (const Halide::Error &e) {
    ok = false;
    error = std::string("Halide: ") + e.what();
  }
  if (!ok)
    return error.empty() ? 1 : fail(error);
  if (!checkAllFinite(outputs, "result", error))
    return fail(error + "; nothing written");

  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return fail("cannot create " + outDir + ": " + ec.message());
  for (auto [index, output] : llvm::enumerate(outputs)) {
    llvm::SmallString<128> path(outDir);
    llvm::sys::path::append(path, std::to_string(index) + ".npy");
    if (!writeNpy(std::string(path), output, error))
      return fail(error);
    float lo = 0, hi = 0;
    double sum = 0;
    if (!output.data.empty()) {
      auto [minIt, maxIt] = std::minmax_element(output.data.begin(), output.data.end());
      lo = *minIt;
      hi = *maxIt;
      for (float value : output.data)
        sum += value;
    }
    llvm::outs() << "result #" << index << ": shape " << formatShape(output.shape)
                 << " min " << lo << " max " << hi << " mean "
                 << (output.data.empty() ? 0.0 : sum / output.data.size())
                 << " -> " << path << "\n";
  }
  if (!saveStatePath.empty()) {
    if (!commitState(*entry, outputs, state, error))
      return fail(error);
    if (bnrt::Status status = bnrt::save(state, saveStatePath); !status)
      return fail(status.message());
    llvm::outs() << "state (" << state.size() << " entries) -> "
                 << saveStatePath << "\n";
  }
  std::string how = "one run";
  if (backend == Backend::Halide) {
    int count = bnrt::threadCount();
    how = "median of " + std::to_string(repeat) + " runs, " +
          std::to_string(count) + (count == 1 ? " thread" : " threads");
  }
  llvm::outs() << llvm::format("%s time: %.3f ms (%s)\n",
                               backend == Backend::Reference ? "reference"
                                                             : "kernel",
                               seconds * 1e3, how.c_str());
  return 0;
}
