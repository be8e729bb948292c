//===- OneDnnKernels.cpp - oneDNN's batch normalization in bn-bench -------===//
//
// Part of bnc. See OneDnnKernels.h.
//
//===----------------------------------------------------------------------===//

#include "OneDnnKernels.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <initializer_list>
#include <unordered_map>

using namespace bnc::bench;
using dnnl::memory;
using dnnl::normalization_flags;
using dnnl::prop_kind;

namespace {

memory::format_tag formatTag(Layout layout) {
  switch (layout) {
  case Layout::Nchw:
    return memory::format_tag::nchw;
  case Layout::Nhwc:
    return memory::format_tag::nhwc;
  case Layout::NChw8c:
    return memory::format_tag::nChw8c;
  }
  return memory::format_tag::any;
}

class OneDnnKernel : public CompiledKernel {
public:
  OneDnnKernel(Kernel kernel, Layout layout, Workload &w)
      : engine(dnnl::engine::kind::cpu, 0), stream(engine) {
    const Shape &s = w.shape;
    memory::dims dims = {s.n, s.c, s.h, s.w};
    memory::desc userMd(dims, memory::data_type::f32, formatTag(w.layout));
    memory::desc md(dims, memory::data_type::f32, formatTag(layout));
    memory::desc channelMd({s.c}, memory::data_type::f32, memory::format_tag::x);
    auto wrap = [&](const memory::desc &desc, Floats &data) {
      return memory(desc, engine, data.data());
    };
    // Activations in oneDNN's layout: the workload's own memory, or a
    // blocked copy made once.
    auto activation = [&](Floats &data) {
      if (layout == w.layout)
        return wrap(md, data);
      memory user = wrap(userMd, data), blocked(md, engine);
      dnnl::reorder(user, blocked).execute(stream, user, blocked);
      stream.wait();
      return blocked;
    };
    // The output: the workload's shared activation, or in a blocked
    // layout a buffer of its own, reordered back on request.
    blockedOutput = layout != w.layout;
    userOutputMd = userMd;
    output_ = &w.y;
    if (blockedOutput) {
      reorderedOutput.assign(w.y.size(), 0.0f);
      output_ = &reorderedOutput;
    }

    memory x = activation(w.x);
    memory y = blockedOutput ? memory(md, engine) : wrap(md, w.y);
    memory scale = wrap(channelMd, w.scale), offset = wrap(channelMd, w.offset);
    auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
    switch (kernel) {
    case Kernel::FwdTrain:
    case Kernel::FwdTrainRelu: {
      if (kernel == Kernel::FwdTrainRelu)
        flags = flags | normalization_flags::fuse_norm_relu;
      dnnl::batch_normalization_forward::primitive_desc pd(
          {prop_kind::forward_training, md, Workload::epsilon, flags}, engine);
      primitive = dnnl::batch_normalization_forward(pd);
      args = {{DNNL_ARG_SRC, x},
              {DNNL_ARG_DST, y},
              {DNNL_ARG_SCALE, scale},
              {DNNL_ARG_SHIFT, offset},
              {DNNL_ARG_MEAN, memory(pd.mean_desc(), engine)},
              {DNNL_ARG_VARIANCE, memory(pd.variance_desc(), engine)}};
      if (kernel == Kernel::FwdTrainRelu)
        args.insert({DNNL_ARG_WORKSPACE, memory(pd.workspace_desc(), engine)});
      break;
    }
    case Kernel::FwdInfer: {
      dnnl::batch_normalization_forward::primitive_desc pd(
          {prop_kind::forward_inference, md, Workload::epsilon,
           flags | normalization_flags::use_global_stats},
          engine);
      primitive = dnnl::batch_normalization_forward(pd);
      args = {{DNNL_ARG_SRC, x},
              {DNNL_ARG_DST, y},
              {DNNL_ARG_SCALE, scale},
              {DNNL_ARG_SHIFT, offset},
              {DNNL_ARG_MEAN, wrap(channelMd, w.runningMean)},
              {DNNL_ARG_VARIANCE, wrap(channelMd, w.runningVar)}};
      break;
    }
    case Kernel::Bwd: {
      dnnl::batch_normalization_forward::primitive_desc hint(
          {prop_kind::forward_training, md, Workload::epsilon, flags}, engine);
      dnnl::batch_normalization_backward::primitive_desc pd(
          {prop_kind::backward, md, md, Workload::epsilon, flags}, engine,
          hint);
      primitive = dnnl::batch_normalization_backward(pd);
      args = {{DNNL_ARG_SRC, x},
              {DNNL_ARG_DIFF_DST, activation(w.dy)},
              {DNNL_ARG_MEAN, wrap(channelMd, w.batchMean)},
              {DNNL_ARG_VARIANCE, wrap(channelMd, w.batchVar)},
              {DNNL_ARG_SCALE, scale},
              {DNNL_ARG_SHIFT, offset},
              {DNNL_ARG_DIFF_SRC, y},
              {DNNL_ARG_DIFF_SCALE, memory(channelMd, engine)},
              {DNNL_ARG_DIFF_SHIFT, memory(channelMd, engine)}};
      break;
    }
    default:
      break;
    }
    result = y;
  }

  bool run(std::string &error) override {
    try {
      primitive.execute(stream, args);
      stream.wait();
    } catch (const dnnl::error &e) {
      error = e.what();
      return false;
    }
    return true;
  }

  // The batch statistics (MEAN, VARIANCE) are inputs of the inference and
  // the backward, outputs of the training forward: listed as both.
  std::vector<Span> inputSpans() const override {
    return spansOf({DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE,
                    DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE});
  }
  std::vector<Span> outputSpans() const override {
    return spansOf({DNNL_ARG_DST, DNNL_ARG_DIFF_SRC, DNNL_ARG_WORKSPACE,
                    DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT, DNNL_ARG_MEAN,
                    DNNL_ARG_VARIANCE});
  }

  bool runOnItsThreads(int threads, const std::function<void(int)> &work,
                       std::string & /*error*/) override {
    // oneDNN's threads are OpenMP's: one share each, every share run
    // even where OpenMP gives the team fewer threads.
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int share = 0; share < threads; ++share)
      work(share);
    return true;
  }

  const Floats &output() const override {
    if (blockedOutput) {
      memory user(userOutputMd, engine, output_->data()), blocked = result;
      dnnl::reorder(blocked, user).execute(stream, blocked, user);
      stream.wait();
    }
    return *output_;
  }

private:
  /// The memory of those of `kinds` (DNNL_ARG_...) the primitive takes.
  std::vector<Span> spansOf(std::initializer_list<int> kinds) const {
    std::vector<Span> spans;
    for (int kind : kinds) {
      auto found = args.find(kind);
      if (found != args.end())
        spans.push_back({found->second.get_data_handle(),
                         found->second.get_desc().get_size()});
    }
    return spans;
  }

  dnnl::engine engine;
  mutable dnnl::stream stream;
  dnnl::primitive primitive;
  std::unordered_map<int, memory> args;
  memory result;
  memory::desc userOutputMd;
  bool blockedOutput = false;
  Floats *output_ = nullptr;
  Floats reorderedOutput;
};

} // namespace

bool bnc::bench::oneDnnHas(Kernel kernel) {
  return kernel == Kernel::FwdTrain || kernel == Kernel::FwdTrainRelu ||
         kernel == Kernel::FwdInfer || kernel == Kernel::Bwd;
}

std::unique_ptr<CompiledKernel>
bnc::bench::createOneDnnKernel(Kernel kernel, Layout layout,
                               Workload &workload, std::string &error) {
  if (!oneDnnHas(kernel)) {
    error = std::string("oneDNN has no ") + kernelName(kernel);
    return nullptr;
  }
  try {
    return std::make_unique<OneDnnKernel>(kernel, layout, workload);
  } catch (const dnnl::error &e) {
    error = e.what();
    return nullptr;
  }
}

std::string bnc::bench::oneDnnVersion() {
  const dnnl_version_t *version = dnnl_version();
  return std::to_string(version->major) + "." +
         std::to_string(version->minor) + "." + std::to_string(version->patch);
}
