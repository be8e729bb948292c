//===- BncKernels.cpp - bnc's contenders in bn-bench ----------------------===//
//
// Part of bnc. See BncKernels.h.
//
//===----------------------------------------------------------------------===//

#include "BncKernels.h"

#include "compiler/Codegen/Halide/CpuSchedule.h"
#include "compiler/Codegen/Halide/Jit.h"
#include "compiler/Codegen/Halide/NativeCode.h"
#include "compiler/InitAll.h"
#include "dialects/bn/IR/BNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <algorithm>
#include <deque>
#include <sstream>

using namespace bnc;
using namespace bnc::bench;

namespace {

/// The MLIR text of one kernel of bn-bench on `workload`'s shape and layout.
class ModelWriter {
public:
  explicit ModelWriter(const Workload &workload) : workload(workload) {
    const Shape &s = workload.shape;
    nhwc = workload.layout == Layout::Nhwc;
    std::ostringstream t;
    if (nhwc)
      t << "tensor<" << s.n << "x" << s.h << "x" << s.w << "x" << s.c
        << "xf32>";
    else
      t << "tensor<" << s.n << "x" << s.c << "x" << s.h << "x" << s.w
        << "xf32>";
    activation = t.str();
    channels = "tensor<" + std::to_string(s.c) + "xf32>";
    featureAxis = nhwc ? "feature_axis = -1 : i64" : "feature_axis = 1 : i64";
  }

  std::string write(Kernel kernel) const {
    switch (kernel) {
    case Kernel::FwdTrain:
    case Kernel::FwdTrainRelu:
    case Kernel::FwdTrainAddRelu:
      return training(kernel);
    case Kernel::Bwd:
      return backward();
    case Kernel::FwdInfer:
      return inference();
    case Kernel::Conv:
    case Kernel::ConvBnFolded:
      return convolution(kernel == Kernel::ConvBnFolded);
    default:
      return "";
    }
  }

private:
  std::string training(Kernel kernel) const {
    const std::string &t = activation, &v = channels;
    bool residual = kernel == Kernel::FwdTrainAddRelu;
    std::ostringstream os;
    os << "func.func @" << kernelName(kernel) << "(%x: " << t
       << ", %scale: " << v << ", %offset: " << v << ", %mean: " << v
       << ", %var: " << v << (residual ? ", %residual: " + t : "") << ")\n"
       << "    -> (" << t << ", " << v << ", " << v << ", " << v << ", " << v
       << ") attributes {bn.mode = \"train\"} {\n"
       << "  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %scale, %offset, "
          "%mean, %var {epsilon = 1.0e-05 : f32, momentum = 1.0e-01 : f32, "
       << featureAxis << "} : " << t << ", " << v << "\n";
    std::string out = "%y";
    if (residual) {
      os << "  %sum = nn.add %y, %residual : " << t << "\n";
      out = "%sum";
    }
    if (kernel != Kernel::FwdTrain) {
      os << "  %relu = nn.relu " << out << " : " << t << "\n";
      out = "%relu";
    }
    os << "  return " << out << ", %nm, %nv, %bm, %bi : " << t << ", " << v
       << ", " << v << ", " << v << ", " << v << "\n}\n";
    return os.str();
  }

  std::string backward() const {
    const std::string &t = activation, &v = channels;
    std::ostringstream os;
    os << "func.func @bwd(%x: " << t << ", %scale: " << v << ", %mean: " << v
       << ", %inv_std: " << v << ", %dy: " << t << ")\n"
       << "    -> (" << t << ", " << v << ", " << v
       << ") attributes {bn.mode = \"train\"} {\n"
       << "  %dx, %dscale, %doffset = bn.batch_norm_grad %x, %scale, %mean, "
          "%inv_std, %dy {"
       << featureAxis << "} : " << t << ", " << v << "\n"
       << "  return %dx, %dscale, %doffset : " << t << ", " << v << ", " << v
       << "\n}\n";
    return os.str();
  }

  std::string inference() const {
    const std::string &t = activation, &v = channels;
    std::ostringstream os;
    os << "func.func @fwd_infer(%x: " << t << ", %scale: " << v
       << ", %offset: " << v << ", %mean: " << v << ", %var: " << v << ") -> "
       << t << " attributes {bn.mode = \"infer\"} {\n"
       << "  %y = bn.batch_norm_infer %x, %scale, %offset, %mean, %var {"
       << featureAxis << "} : " << t << ", " << v << "\n"
       << "  return %y : " << t << "\n}\n";
    return os.str();
  }

  /// A 1x1, C -> C convolution with constant weights, and for `withBn` a
  /// frozen inference BN after it, which bn-inference-pipeline folds in.
  std::string convolution(bool withBn) const {
    const std::string &t = activation, &v = channels;
    int64_t c = workload.shape.c;
    std::string filter = nhwc ? "tensor<1x1x" + std::to_string(c) + "x" +
                                    std::to_string(c) + "xf32>"
                              : "tensor<" + std::to_string(c) + "x" +
                                    std::to_string(c) + "x1x1xf32>";
    std::ostringstream os;
    os << "func.func @" << (withBn ? "conv_bn_folded" : "conv") << "(%x: " << t
       << ") -> " << t << " attributes {bn.mode = \"infer\"} {\n"
       << "  %w = arith.constant dense<0.03125> : " << filter << "\n"
       << "  %conv = nn.conv2d %x, %w {layout = #nn.layout<"
       << (nhwc ? "nhwc" : "nchw") << ">} : " << t << ", " << filter << " -> "
       << t << "\n";
    if (!withBn) {
      os << "  return %conv : " << t << "\n}\n";
      return os.str();
    }
    os << "  %scale = arith.constant " << constant(workload.scale) << " : " << v
       << "\n  %offset = arith.constant " << constant(workload.offset) << " : "
       << v << "\n  %mean = arith.constant " << constant(workload.runningMean)
       << " : " << v << "\n  %var = arith.constant "
       << constant(workload.runningVar) << " : " << v << "\n"
       << "  %y = bn.batch_norm_infer %conv, %scale, %offset, %mean, %var {"
       << featureAxis << "} : " << t << ", " << v << "\n"
       << "  return %y : " << t << "\n}\n";
    return os.str();
  }

  static std::string constant(const Floats &values) {
    std::ostringstream os;
    os.precision(9);
    os << "dense<[";
    for (size_t i = 0; i < values.size(); ++i)
      os << (i ? ", " : "") << std::scientific << values[i];
    os << "]>";
    return os.str();
  }

  const Workload &workload;
  bool nhwc;
  std::string activation, channels, featureAxis;
};

/// Halide buffers over caller-owned memory: the workload's inputs, its
/// shared activation output, and per-channel outputs owned here.
class HalideKernel : public CompiledKernel {
public:
  const Floats &output() const override { return *activation; }
  std::vector<Span> inputSpans() const override { return spansOf(inputs); }
  std::vector<Span> outputSpans() const override { return spansOf(outputs); }
  bool runOnItsThreads(int threads, const std::function<void(int)> &work,
                       std::string & /*error*/) override {
    halide::JitKernel::runOnEveryThread(threads, work);
    return true;
  }

protected:
  /// Wraps `data` (an activation of the workload, or a per-channel vector)
  /// as the next input.
  void addInput(Floats &data, const std::vector<int> &extents) {
    inputs.emplace_back(data.data(), extents);
  }
  /// Adds the next output: the first activation-sized one is the
  /// workload's shared `y`, any other is owned here.
  void addOutput(Workload &w, const std::vector<int> &extents) {
    size_t count = 1;
    for (int extent : extents)
      count *= static_cast<size_t>(extent);
    Floats *data = &w.y;
    if (count != w.y.size() || activation)
      data = &owned.emplace_back(count, 0.0f);
    else
      activation = data;
    outputs.emplace_back(data->data(), extents);
  }

  std::vector<Halide::Buffer<float>> inputs, outputs;

private:
  static std::vector<Span>
  spansOf(const std::vector<Halide::Buffer<float>> &buffers) {
    std::vector<Span> spans;
    for (const Halide::Buffer<float> &buffer : buffers)
      spans.push_back({buffer.data(), buffer.size_in_bytes()});
    return spans;
  }

  std::deque<Floats> owned;
  const Floats *activation = nullptr;
};

class BncKernel : public HalideKernel {
public:
  BncKernel(halide::LoweredPipeline lowered,
            const halide::ScheduleConfig &config, std::string &error)
      : jit(std::move(lowered), error, config) {}

  bool valid() const { return jit.valid(); }
  bool run(std::string &error) override {
    return jit.run(inputs, outputs, error);
  }

  /// Binds the workload's data to the arguments of `func`, in order.
  bool bind(Kernel kernel, Workload &w, mlir::func::FuncOp func,
            std::string &error) {
    std::vector<int> activation = halideExtents(w.shape, w.layout);
    std::vector<int> channels = {static_cast<int>(w.shape.c)};
    std::vector<Floats *> args;
    switch (kernel) {
    case Kernel::FwdTrain:
    case Kernel::FwdTrainRelu:
    case Kernel::FwdInfer:
      args = {&w.x, &w.scale, &w.offset, &w.runningMean, &w.runningVar};
      break;
    case Kernel::FwdTrainAddRelu:
      args = {&w.x,           &w.scale,      &w.offset,
              &w.runningMean, &w.runningVar, &w.residual};
      break;
    case Kernel::Bwd:
      args = {&w.x, &w.scale, &w.batchMean, &w.batchInvStd, &w.dy};
      break;
    default:
      args = {&w.x};
      break;
    }
    if (func.getNumArguments() != args.size()) {
      error = "@" + func.getName().str() + " takes " +
              std::to_string(func.getNumArguments()) +
              " arguments after bn-opt, not " + std::to_string(args.size());
      return false;
    }
    for (Floats *arg : args)
      addInput(*arg, arg->size() == w.x.size() ? activation : channels);
    for (mlir::Type type : func.getResultTypes()) {
      auto tensor = mlir::cast<mlir::RankedTensorType>(type);
      addOutput(w, tensor.getRank() == 4 ? activation : channels);
    }
    return true;
  }

private:
  halide::JitPipeline jit;
};

/// Copy and scale-shift with a plain schedule: the memory roofline. They
/// are compiled as bnc's kernels are (Jit.h), non-temporal stores where
/// bnc would make them.
class RooflineKernel : public HalideKernel {
public:
  RooflineKernel(Kernel kernel, Workload &w, std::string &error) {
    using Halide::Func;
    using Halide::Var;
    const Shape &s = w.shape;
    // A 2-D view: channels innermost (NHWC, or NCHW with H = W = 1), or a
    // row of H * W values per (n, c) pair (NCHW).
    bool channelsInner = w.layout == Layout::Nhwc || s.h * s.w == 1;
    int inner = static_cast<int>(channelsInner ? s.c : s.h * s.w);
    int outer = static_cast<int>(s.elements() / inner);
    int channels = static_cast<int>(s.c);
    Halide::ImageParam x(Halide::Float(32), 2, "x");
    Var i("i"), j("j"), jo("jo"), ji("ji");
    Func y("roofline");
    addInput(w.x, {inner, outer});
    addOutput(w, {inner, outer});
    params.push_back(x);
    if (kernel == Kernel::Copy) {
      y(i, j) = x(i, j);
    } else {
      Halide::ImageParam a(Halide::Float(32), 1, "a"),
          b(Halide::Float(32), 1, "b");
      addInput(w.scale, {channels});
      addInput(w.offset, {channels});
      params.push_back(a);
      params.push_back(b);
      Halide::Expr c = channelsInner ? Halide::Expr(i) : j % channels;
      y(i, j) = x(i, j) * a(c) + b(c);
    }
    // Tasks of rows as bnc's streaming schedule makes them, measured best
    // for both.
    int rows = static_cast<int>(std::min<int64_t>(
        outer,
        halide::streamingRowsPerTask(inner, outer, halide::CpuTunables())));
    int vector = halide::JitKernel::target().natural_vector_size<float>();
    y.split(j, jo, ji, rows, Halide::TailStrategy::GuardWithIf).parallel(jo);
    if (inner >= vector)
      y.vectorize(i, vector, Halide::TailStrategy::GuardWithIf);
    // Exact dense bounds, as bnc's kernels declare them: no run-time
    // strides or extents in the loops.
    auto dense = [&](Halide::OutputImageParam buffer) {
      buffer.dim(0).set_bounds(0, inner).set_stride(1);
      buffer.dim(1).set_bounds(0, outer).set_stride(inner);
    };
    dense(x);
    dense(y.output_buffer());
    for (size_t k = 1; k < params.size(); ++k)
      params[k].dim(0).set_bounds(0, channels).set_stride(1);
    std::vector<std::string> nonTemporal;
    if (halide::storesNonTemporally(4 * s.elements(), 4 * int64_t(inner),
                                    halide::CpuTunables()))
      nonTemporal.push_back(y.name());
    std::vector<Halide::Argument> arguments(params.begin(), params.end());
    jit = halide::JitKernel(y, arguments, "roofline", nonTemporal, error);
  }

  bool valid() const { return jit.valid(); }
  bool run(std::string &error) override {
    return jit.run(inputs, outputs, error);
  }

private:
  std::vector<Halide::ImageParam> params;
  halide::JitKernel jit;
};

} // namespace

struct BncCompiler::Impl {
  Impl() : context(dialectRegistry()) {
    context.loadAllAvailableDialects();
    // Keep errors; bn-check-batch-size's warnings about small batches are
    // expected for some of the shapes.
    context.getDiagEngine().registerHandler([this](mlir::Diagnostic &diag) {
      if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
        diagnostics += diag.str() + "\n";
    });
  }
  mlir::MLIRContext context;
  std::string diagnostics;
};

BncCompiler::BncCompiler() : impl(std::make_unique<Impl>()) {
  registerAllPasses();
}
BncCompiler::~BncCompiler() = default;

const char *BncCompiler::passPipeline(Kernel kernel) {
  switch (kernel) {
  case Kernel::FwdTrain:
  case Kernel::FwdTrainRelu:
  case Kernel::FwdTrainAddRelu:
  case Kernel::Bwd:
    return "bn-training-pipeline,bn-fuse,bn-schedule";
  default:
    return "bn-inference-pipeline,bn-fuse,bn-schedule";
  }
}

std::unique_ptr<CompiledKernel>
BncCompiler::compile(Kernel kernel, Workload &workload, bool autoSchedule,
                     const halide::CpuTunables &tunables, std::string &error) {
  error.clear();
  std::string text = ModelWriter(workload).write(kernel);
  if (text.empty()) {
    error = std::string("bnc has no model for ") + kernelName(kernel);
    return nullptr;
  }
  impl->diagnostics.clear();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &impl->context);
  if (!module ||
      failed(runPassPipeline(*module, passPipeline(kernel), error))) {
    error += impl->diagnostics + "in:\n" + text;
    return nullptr;
  }
  auto func = *module->getOps<mlir::func::FuncOp>().begin();
  if (kernel == Kernel::ConvBnFolded) {
    bool folded = true;
    func.walk([&](mlir::Operation *op) {
      if (llvm::isa<bn::BatchNormInferOp, bn::AffineOp>(op))
        folded = false;
    });
    if (!folded) {
      error = "bn-inference-pipeline did not fold the BN into the convolution";
      return nullptr;
    }
  }
  mlir::FailureOr<halide::LoweredPipeline> lowered =
      halide::lowerToHalide(func);
  if (failed(lowered)) {
    error = impl->diagnostics;
    return nullptr;
  }
  halide::ScheduleConfig config;
  config.scheduler =
      autoSchedule ? halide::Scheduler::Auto : halide::Scheduler::Hand;
  config.cpu = tunables;
  auto compiled =
      std::make_unique<BncKernel>(std::move(*lowered), config, error);
  if (!compiled->valid() || !compiled->bind(kernel, workload, func, error))
    return nullptr;
  return compiled;
}

/// What reads an activation after the kernel that wrote it, as the next
/// layer would: a sum of every value, in parallel tasks, each summing into
/// four vectors of partial sums. Compiled as bnc's kernels are.
class ReaderKernel : public HalideKernel {
public:
  ReaderKernel(Workload &w, std::string &error) {
    using Halide::Func;
    using Halide::Var;
    int vector = halide::JitKernel::target().natural_vector_size<float>();
    int lanes = 4 * vector;
    int64_t elements = w.shape.elements();
    if (elements % lanes != 0)
      lanes = vector = 1;
    // Tasks that divide the activation into whole vectors of lanes, so
    // that the sums read every value.
    int tasks = 8;
    while (tasks > 1 && elements % (int64_t(tasks) * lanes) != 0)
      tasks /= 2;
    int perTask = static_cast<int>(elements / tasks);
    Halide::ImageParam y(Halide::Float(32), 1, "y");
    y.dim(0).set_bounds(0, static_cast<int>(elements)).set_stride(1);
    Var lane("lane"), task("task");
    Halide::RDom chunk(0, perTask / lanes, "chunk");
    Func sums("reader");
    sums(lane, task) = 0.0f;
    sums(lane, task) += y(task * perTask + chunk * lanes + lane);
    sums.compute_root().vectorize(lane, vector);
    sums.update()
        .reorder(lane, chunk, task)
        .parallel(task)
        .vectorize(lane, vector)
        .unroll(lane);
    sums.output_buffer().dim(0).set_bounds(0, lanes).set_stride(1);
    addInput(w.y, {static_cast<int>(elements)});
    partialSums.assign(size_t(lanes) * tasks, 0.0f);
    outputs.emplace_back(partialSums.data(), std::vector<int>{lanes, tasks});
    jit = halide::JitKernel(sums, {y}, "reader", {}, error);
  }

  bool valid() const { return jit.valid(); }
  bool run(std::string &error) override {
    return jit.run(inputs, outputs, error);
  }
  const Floats &output() const override { return partialSums; }

private:
  Floats partialSums;
  halide::JitKernel jit;
};

namespace {

/// A `Compiled` kernel made from `args` (and `error`); null with `error`
/// set if Halide cannot compile it.
template <typename Compiled, typename... Args>
std::unique_ptr<CompiledKernel> compileHalideKernel(std::string &error,
                                                   Args &...args) {
  try {
    auto compiled = std::make_unique<Compiled>(args..., error);
    if (!compiled->valid())
      return nullptr;
    return compiled;
  } catch (const Halide::Error &e) {
    error = e.what();
    return nullptr;
  }
}

} // namespace

std::unique_ptr<CompiledKernel>
bnc::bench::compileReader(Workload &workload, std::string &error) {
  return compileHalideKernel<ReaderKernel>(error, workload);
}

std::unique_ptr<CompiledKernel>
bnc::bench::compileRoofline(Kernel kernel, Workload &workload,
                            std::string &error) {
  return compileHalideKernel<RooflineKernel>(error, kernel, workload);
}
