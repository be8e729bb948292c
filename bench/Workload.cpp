//===- Workload.cpp - What bn-bench measures, and the data it uses --------===//
//
// Part of bnc. See Workload.h.
//
//===----------------------------------------------------------------------===//

#include "Workload.h"

#include <cmath>
#include <cstdio>
#include <random>

using namespace bnc::bench;

std::string Shape::str() const {
  return std::to_string(n) + "x" + std::to_string(c) + "x" +
         std::to_string(h) + "x" + std::to_string(w) + (cold ? ":cold" : "");
}

std::optional<Shape> bnc::bench::parseShape(const std::string &text) {
  Shape shape;
  long long n, c, h, w;
  char rest[16] = {0};
  int fields = std::sscanf(text.c_str(), "%lldx%lldx%lldx%lld%15s", &n, &c,
                           &h, &w, rest);
  if (fields < 4 || n <= 0 || c <= 0 || h <= 0 || w <= 0)
    return std::nullopt;
  if (fields == 5 && std::string(rest) != ":cold")
    return std::nullopt;
  // Halide indexes with 32-bit integers.
  if (n * c * h * w >= (1ll << 31))
    return std::nullopt;
  shape.n = n, shape.c = c, shape.h = h, shape.w = w;
  shape.cold = fields == 5;
  return shape;
}

const char *bnc::bench::layoutName(Layout layout) {
  switch (layout) {
  case Layout::Nchw:
    return "nchw";
  case Layout::Nhwc:
    return "nhwc";
  case Layout::NChw8c:
    return "nChw8c";
  }
  return "?";
}

const char *bnc::bench::kernelName(Kernel kernel) {
  switch (kernel) {
  case Kernel::FwdTrain:
    return "fwd_train";
  case Kernel::FwdTrainRelu:
    return "fwd_train_relu";
  case Kernel::FwdTrainAddRelu:
    return "fwd_train_add_relu";
  case Kernel::Bwd:
    return "bwd";
  case Kernel::FwdInfer:
    return "fwd_infer";
  case Kernel::Conv:
    return "conv";
  case Kernel::ConvBnFolded:
    return "conv_bn_folded";
  case Kernel::Copy:
    return "copy";
  case Kernel::ScaleShift:
    return "scale_shift";
  }
  return "?";
}

int bnc::bench::tensorsMoved(Kernel kernel) {
  switch (kernel) {
  case Kernel::FwdTrainAddRelu:
  case Kernel::Bwd:
    return 3;
  default:
    return 2;
  }
}

std::vector<int> bnc::bench::halideExtents(const Shape &shape, Layout layout) {
  auto n = static_cast<int>(shape.n), c = static_cast<int>(shape.c),
       h = static_cast<int>(shape.h), w = static_cast<int>(shape.w);
  if (layout == Layout::Nhwc)
    return {c, w, h, n};
  return {w, h, c, n};
}

Workload::Workload(const Shape &shape, Layout layout, unsigned seed)
    : shape(shape), layout(layout) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  int64_t channels = shape.c, elements = shape.elements();
  auto fill = [&](Floats &v, int64_t size, float lo, float hi) {
    std::uniform_real_distribution<float> dist(lo, hi);
    v.resize(size);
    for (float &e : v)
      e = dist(rng);
  };
  fill(scale, channels, 0.5f, 1.5f);
  fill(offset, channels, -0.5f, 0.5f);
  fill(runningMean, channels, -0.2f, 0.2f);
  fill(runningVar, channels, 0.8f, 1.2f);

  // Each channel its own mean and spread, as after a convolution.
  Floats channelMean, channelSpread;
  fill(channelMean, channels, -2.0f, 2.0f);
  fill(channelSpread, channels, 0.5f, 3.0f);
  int64_t spatial = shape.h * shape.w;
  auto channelOf = [&](int64_t index) {
    return layout == Layout::Nhwc ? index % channels
                                  : (index / spatial) % channels;
  };
  x.resize(elements);
  for (int64_t i = 0; i < elements; ++i) {
    int64_t c = channelOf(i);
    x[i] = channelMean[c] + channelSpread[c] * uniform(rng);
  }
  y.assign(elements, 0.0f);
  fill(dy, elements, -1.0f, 1.0f);
  fill(residual, elements, -1.0f, 1.0f);

  // Batch statistics in double, two passes.
  std::vector<double> sum(channels, 0.0), squares(channels, 0.0);
  for (int64_t i = 0; i < elements; ++i)
    sum[channelOf(i)] += x[i];
  double samples = static_cast<double>(elements / channels);
  for (int64_t c = 0; c < channels; ++c)
    sum[c] /= samples;
  for (int64_t i = 0; i < elements; ++i) {
    double deviation = x[i] - sum[channelOf(i)];
    squares[channelOf(i)] += deviation * deviation;
  }
  for (int64_t c = 0; c < channels; ++c) {
    double var = squares[c] / samples;
    batchMean.push_back(static_cast<float>(sum[c]));
    batchVar.push_back(static_cast<float>(var));
    batchInvStd.push_back(static_cast<float>(1.0 / std::sqrt(var + epsilon)));
  }
}
