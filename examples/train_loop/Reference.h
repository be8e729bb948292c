// The basic block of residual_block_nchw.mlir in plain C++ and double
// precision, to check the compiled kernels against:
//
//   x -> conv1 -> bn1 -> relu -> conv2 -> bn2 -> (+ x) -> relu
//
// NCHW, 3x3 convolutions with padding 1 and no bias, BN epsilon 1e-5.

#ifndef BNC_EXAMPLES_TRAIN_LOOP_REFERENCE_H
#define BNC_EXAMPLES_TRAIN_LOOP_REFERENCE_H

#include <bnrt/State.h>

#include <cmath>
#include <string>
#include <vector>

namespace reference {

constexpr double kEpsilon = 1e-5;

struct Shape {
  int n, c, h, w;
  int size() const { return n * c * h * w; }
  int index(int in, int ic, int ih, int iw) const {
    return ((in * c + ic) * h + ih) * w + iw;
  }
};

using Activation = std::vector<double>;

inline Activation fromTensor(const bnrt::Tensor &tensor) {
  return Activation(tensor.f32(), tensor.f32() + tensor.numElements());
}

/// A 3x3 convolution, padding 1, C -> C channels, OIHW weights.
inline Activation conv3x3(const Activation &x, Shape s, const bnrt::Tensor &weight) {
  const float *w = weight.f32();
  Activation y(s.size(), 0.0);
  for (int n = 0; n < s.n; ++n)
    for (int o = 0; o < s.c; ++o)
      for (int i = 0; i < s.c; ++i)
        for (int kh = 0; kh < 3; ++kh)
          for (int kw = 0; kw < 3; ++kw) {
            double wv = w[((o * s.c + i) * 3 + kh) * 3 + kw];
            for (int h = 0; h < s.h; ++h) {
              int ih = h + kh - 1;
              if (ih < 0 || ih >= s.h)
                continue;
              for (int col = 0; col < s.w; ++col) {
                int iw = col + kw - 1;
                if (iw >= 0 && iw < s.w)
                  y[s.index(n, o, h, col)] += wv * x[s.index(n, i, ih, iw)];
              }
            }
          }
  return y;
}

/// Per-channel mean and biased variance over N, H and W.
struct Statistics {
  std::vector<double> mean, variance;
};

inline Statistics batchStatistics(const Activation &y, Shape s) {
  Statistics stats{std::vector<double>(s.c, 0.0), std::vector<double>(s.c, 0.0)};
  double m = double(s.n) * s.h * s.w;
  for (int c = 0; c < s.c; ++c) {
    for (int n = 0; n < s.n; ++n)
      for (int i = 0; i < s.h * s.w; ++i)
        stats.mean[c] += y[s.index(n, c, 0, 0) + i];
    stats.mean[c] /= m;
    for (int n = 0; n < s.n; ++n)
      for (int i = 0; i < s.h * s.w; ++i) {
        double d = y[s.index(n, c, 0, 0) + i] - stats.mean[c];
        stats.variance[c] += d * d;
      }
    stats.variance[c] /= m;
  }
  return stats;
}

/// BN with the given statistics, then the optional residual, then ReLU.
inline Activation normalize(const Activation &y, Shape s, const Statistics &stats,
                            const bnrt::State &state, const std::string &layer,
                            const Activation *residual) {
  const float *weight = state.get(layer + ".weight").f32();
  const float *bias = state.get(layer + ".bias").f32();
  Activation out(y.size());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c) {
      double scale = weight[c] / std::sqrt(stats.variance[c] + kEpsilon);
      for (int i = 0; i < s.h * s.w; ++i) {
        int at = s.index(n, c, 0, 0) + i;
        double v = (y[at] - stats.mean[c]) * scale + bias[c];
        if (residual)
          v += (*residual)[at];
        out[at] = v > 0.0 ? v : 0.0;
      }
    }
  return out;
}

inline Statistics runningStatistics(const bnrt::State &state, const std::string &layer) {
  const bnrt::Tensor &mean = state.get(layer + ".running_mean");
  const bnrt::Tensor &var = state.get(layer + ".running_var");
  return {fromTensor(mean), fromTensor(var)};
}

/// The block in training mode: the batch statistics each BN sees.
inline std::vector<Statistics> trainingStatistics(const Activation &x, Shape s,
                                                  const bnrt::State &state) {
  Activation conv1 = conv3x3(x, s, state.get("conv1.weight"));
  Statistics bn1 = batchStatistics(conv1, s);
  Activation conv2 =
      conv3x3(normalize(conv1, s, bn1, state, "bn1", nullptr), s,
              state.get("conv2.weight"));
  return {bn1, batchStatistics(conv2, s)};
}

/// The block in inference mode: BN with the running statistics.
inline Activation infer(const Activation &x, Shape s, const bnrt::State &state) {
  Activation conv1 = conv3x3(x, s, state.get("conv1.weight"));
  Activation relu1 =
      normalize(conv1, s, runningStatistics(state, "bn1"), state, "bn1", nullptr);
  Activation conv2 = conv3x3(relu1, s, state.get("conv2.weight"));
  return normalize(conv2, s, runningStatistics(state, "bn2"), state, "bn2", &x);
}

} // namespace reference

#endif // BNC_EXAMPLES_TRAIN_LOOP_REFERENCE_H
