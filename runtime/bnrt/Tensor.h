//===- Tensor.h - Owning host tensors and their Halide views ----*- C++ -*-===//
//
// Part of bnrt, the bnc runtime. A Tensor owns its memory (row-major, 64-byte
// aligned) and knows its shape, element type and, for activations, layout. A
// BufferView lends it to an ahead-of-time compiled kernel as a
// halide_buffer_t without copying.
//
//===----------------------------------------------------------------------===//

#ifndef BNRT_TENSOR_H
#define BNRT_TENSOR_H

#include "bnrt/Status.h"

#include <HalideRuntime.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bnrt {

enum class DType { F32, I64 };

/// How a 4-D activation is laid out. Plain: anything else (per-channel
/// vectors, filters), or an activation whose layout the caller did not say.
enum class Layout { Plain, NCHW, NHWC };

const char *toString(DType dtype);
const char *toString(Layout layout);
/// "[8, 3, 16, 16]"
std::string formatShape(const std::vector<int64_t> &shape);

class Tensor {
public:
  /// An empty f32 tensor of shape [0].
  Tensor();
  /// A zero-filled tensor. Throws Error on a negative extent or a size that
  /// does not fit in memory.
  explicit Tensor(std::vector<int64_t> shape, DType dtype = DType::F32,
                  Layout layout = Layout::Plain);
  /// An f32 tensor holding `values`, which must have shape's element count.
  static Tensor fromValues(std::vector<int64_t> shape,
                           const std::vector<float> &values,
                           Layout layout = Layout::Plain);

  Tensor(const Tensor &other);
  Tensor &operator=(const Tensor &other);
  Tensor(Tensor &&other) noexcept = default;
  Tensor &operator=(Tensor &&other) noexcept = default;

  const std::vector<int64_t> &shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  Layout layout() const { return layout_; }
  void setLayout(Layout layout) { layout_ = layout; }
  int64_t numElements() const { return numElements_; }
  size_t sizeInBytes() const;

  /// The elements; throws Error if the tensor is not of that type.
  float *f32();
  const float *f32() const;
  int64_t *i64();
  const int64_t *i64() const;

  /// The raw bytes, sizeInBytes() of them.
  void *data() { return storage.get(); }
  const void *data() const { return storage.get(); }

  /// "f32 [8, 3, 16, 16] (NCHW)"
  std::string describe() const;

private:
  struct FreeAligned {
    void operator()(void *p) const;
  };

  std::vector<int64_t> shape_;
  DType dtype_ = DType::F32;
  Layout layout_ = Layout::Plain;
  int64_t numElements_ = 0;
  std::unique_ptr<void, FreeAligned> storage;
};

/// The first NaN or infinity among the `count` floats at `data`, laid out
/// row-major with `shape`, as "nan at [0, 3, 1, 2]"; "" if all are finite.
std::string findNonFinite(const float *data, const std::vector<int64_t> &shape);
/// The same for an f32 tensor; "" for other types.
std::string findNonFinite(const Tensor &tensor);

/// A tensor lent to a Halide kernel: a halide_buffer_t over its memory, with
/// Halide's dimension order (innermost first). The tensor must outlive it.
class BufferView {
public:
  explicit BufferView(const Tensor &tensor) : BufferView(tensor, {}) {}
  /// The same elements as a dense buffer of `shape` (one with as many
  /// elements as the tensor has; empty: the tensor's own shape).
  BufferView(const Tensor &tensor, const std::vector<int64_t> &shape);
  BufferView(const BufferView &) = delete;
  BufferView &operator=(const BufferView &) = delete;
  BufferView(BufferView &&) = default;

  halide_buffer_t *get() { return &buffer; }

private:
  std::vector<halide_dimension_t> dims;
  halide_buffer_t buffer{};
};

} // namespace bnrt

#endif // BNRT_TENSOR_H
