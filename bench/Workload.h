//===- Workload.h - What bn-bench measures, and the data it uses -*- C++ -*-===//
//
// Part of bnc. The vocabulary shared by the contenders of bn-bench: shapes,
// layouts, kernels and their byte models, and one shape's data in one
// layout, with the batch statistics the backward pass and the cross-checks
// need.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_BENCH_WORKLOAD_H
#define BNC_BENCH_WORKLOAD_H

#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

namespace bnc::bench {

/// Allocates on cache-line boundaries, as bnrt allocates its tensors: full
/// vector stores of an output are then aligned, which non-temporal stores
/// need. Every contender gets memory aligned alike.
template <typename T> struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::size_t kAlignment = 64;
  CacheLineAllocator() = default;
  template <typename U> CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(std::size_t n) {
    std::size_t bytes =
        (n * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
    if (void *memory =
            std::aligned_alloc(kAlignment, bytes ? bytes : kAlignment))
      return static_cast<T *>(memory);
    throw std::bad_alloc();
  }
  void deallocate(T *memory, std::size_t) { std::free(memory); }
  template <typename U> bool operator==(const CacheLineAllocator<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const CacheLineAllocator<U> &) const {
    return false;
  }
};

/// The bench's arrays of floats.
using Floats = std::vector<float, CacheLineAllocator<float>>;

/// An activation shape, N x C x H x W whatever the layout.
struct Shape {
  int64_t n = 0, c = 0, h = 0, w = 0;
  /// Flush the last-level cache before every timed run.
  bool cold = false;

  int64_t elements() const { return n * c * h * w; }
  /// S of the byte models: the bytes of one f32 activation tensor.
  int64_t bytes() const { return elements() * 4; }
  /// "32x64x56x56", with ":cold" where cold.
  std::string str() const;
};

/// Parses "32x64x56x56[:cold]".
std::optional<Shape> parseShape(const std::string &text);

/// How a 4-D activation is laid out in memory. nChw8c is oneDNN's blocked
/// layout: channels in blocks of eight, the block innermost.
enum class Layout { Nchw, Nhwc, NChw8c };
const char *layoutName(Layout layout);

enum class Kernel {
  FwdTrain,        // statistics + normalise + running update
  FwdTrainRelu,    // ... then ReLU
  FwdTrainAddRelu, // ... then a residual add and ReLU
  Bwd,             // dx, dscale, doffset
  FwdInfer,        // running statistics as a per-channel scale and shift
  Conv,            // a 1x1, C -> C convolution alone
  ConvBnFolded,    // the same convolution with an inference BN folded in
  Copy,            // the roofline: y = x
  ScaleShift,      // the roofline: y = x * a[c] + b[c]
};
const char *kernelName(Kernel kernel);

/// How many activation tensors (S bytes each) the kernel must move at least:
/// reads plus writes. Forward 2 (x, y), forward with a residual 3, backward
/// 3 (x, dy, dx).
int tensorsMoved(Kernel kernel);

/// One shape's data in one layout (Nchw or Nhwc; oneDNN reorders to its
/// blocked layout itself), with fixed random values.
struct Workload {
  Workload(const Shape &shape, Layout layout, unsigned seed);

  Shape shape;
  Layout layout;
  /// Activations in `layout`: the input, the gradient of the output, and the
  /// residual that fwd_train_add_relu adds.
  Floats x, dy, residual;
  /// The activation every contender writes (y, or dx for bwd; oneDNN's
  /// blocked layouts excepted): one buffer for all, so that no contender's
  /// time depends on where in memory its own output happens to lie.
  Floats y;
  /// Per channel: BN's scale and offset, running statistics, and the batch
  /// statistics of `x` (mean, biased variance, 1 / sqrt(variance + eps)).
  Floats scale, offset, runningMean, runningVar;
  Floats batchMean, batchVar, batchInvStd;

  static constexpr float epsilon = 1e-5f;
  static constexpr float momentum = 0.1f;
};

/// Halide's extents of an activation of `shape` in `layout`, innermost first.
std::vector<int> halideExtents(const Shape &shape, Layout layout);

} // namespace bnc::bench

#endif // BNC_BENCH_WORKLOAD_H
