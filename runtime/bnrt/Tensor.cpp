//===- Tensor.cpp - Owning host tensors and their Halide views ------------===//
//
// Part of bnrt. See Tensor.h.
//
//===----------------------------------------------------------------------===//

#include "bnrt/Tensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

using namespace bnrt;

namespace {

constexpr size_t kAlignment = 64;

size_t elementSize(DType dtype) { return dtype == DType::F32 ? 4 : 8; }

int64_t countElements(const std::vector<int64_t> &shape, DType dtype) {
  int64_t count = 1;
  const int64_t limit =
      std::numeric_limits<int64_t>::max() / static_cast<int64_t>(elementSize(dtype));
  for (int64_t extent : shape) {
    if (extent < 0)
      throw Error("a tensor of shape " + formatShape(shape) +
                  " has a negative extent");
    if (extent != 0 && count > limit / extent)
      throw Error("a tensor of shape " + formatShape(shape) +
                  " has too many elements");
    count *= extent;
  }
  return count;
}

} // namespace

const char *bnrt::toString(DType dtype) {
  return dtype == DType::F32 ? "f32" : "i64";
}

const char *bnrt::toString(Layout layout) {
  switch (layout) {
  case Layout::NCHW:
    return "NCHW";
  case Layout::NHWC:
    return "NHWC";
  case Layout::Plain:
    break;
  }
  return "plain";
}

std::string bnrt::formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

void Tensor::FreeAligned::operator()(void *p) const { std::free(p); }

Tensor::Tensor() : Tensor(std::vector<int64_t>{0}) {}

Tensor::Tensor(std::vector<int64_t> shape, DType dtype, Layout layout)
    : shape_(std::move(shape)), dtype_(dtype), layout_(layout),
      numElements_(countElements(shape_, dtype)) {
  size_t bytes = sizeInBytes();
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void *memory = std::aligned_alloc(kAlignment, rounded ? rounded : kAlignment);
  if (!memory)
    throw Error("out of memory allocating a tensor of " + describe());
  std::memset(memory, 0, bytes);
  storage.reset(memory);
}

Tensor Tensor::fromValues(std::vector<int64_t> shape,
                          const std::vector<float> &values, Layout layout) {
  Tensor tensor(std::move(shape), DType::F32, layout);
  if (static_cast<int64_t>(values.size()) != tensor.numElements())
    throw Error("a tensor of shape " + formatShape(tensor.shape()) + " holds " +
                std::to_string(tensor.numElements()) + " values, but " +
                std::to_string(values.size()) + " were given");
  std::memcpy(tensor.data(), values.data(), tensor.sizeInBytes());
  return tensor;
}

Tensor::Tensor(const Tensor &other)
    : Tensor(other.shape_, other.dtype_, other.layout_) {
  std::memcpy(data(), other.data(), sizeInBytes());
}

Tensor &Tensor::operator=(const Tensor &other) {
  if (this != &other)
    *this = Tensor(other);
  return *this;
}

size_t Tensor::sizeInBytes() const {
  return static_cast<size_t>(numElements_) * elementSize(dtype_);
}

float *Tensor::f32() {
  return const_cast<float *>(static_cast<const Tensor *>(this)->f32());
}

const float *Tensor::f32() const {
  if (dtype_ != DType::F32)
    throw Error("the tensor " + describe() + " is not f32");
  return static_cast<const float *>(data());
}

int64_t *Tensor::i64() {
  return const_cast<int64_t *>(static_cast<const Tensor *>(this)->i64());
}

const int64_t *Tensor::i64() const {
  if (dtype_ != DType::I64)
    throw Error("the tensor " + describe() + " is not i64");
  return static_cast<const int64_t *>(data());
}

std::string Tensor::describe() const {
  std::string text = std::string(toString(dtype_)) + " " + formatShape(shape_);
  if (layout_ != Layout::Plain)
    text += std::string(" (") + toString(layout_) + ")";
  return text;
}

std::string bnrt::findNonFinite(const float *data,
                                const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  for (int64_t i = 0; i < count; ++i) {
    float value = data[i];
    if (std::isfinite(value))
      continue;
    // No extent is 0 here: the tensor has elements.
    std::vector<int64_t> index(shape.size());
    int64_t rest = i;
    for (size_t d = shape.size(); d-- > 0;) {
      index[d] = rest % shape[d];
      rest /= shape[d];
    }
    const char *what = std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
    return std::string(what) + " at " + formatShape(index);
  }
  return "";
}

std::string bnrt::findNonFinite(const Tensor &tensor) {
  if (tensor.dtype() != DType::F32)
    return "";
  return findNonFinite(tensor.f32(), tensor.shape());
}

BufferView::BufferView(const Tensor &tensor, const std::vector<int64_t> &view)
    : dims(view.empty() ? tensor.shape().size() : view.size()) {
  const std::vector<int64_t> &shape = view.empty() ? tensor.shape() : view;
  if (countElements(shape, tensor.dtype()) != tensor.numElements())
    throw Error("the tensor " + tensor.describe() +
                " cannot be viewed as a buffer of shape " + formatShape(shape));
  // Halide lists dimensions innermost first.
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t extent = shape[shape.size() - 1 - i];
    if (extent > std::numeric_limits<int32_t>::max() ||
        stride > std::numeric_limits<int32_t>::max())
      throw Error("the tensor " + tensor.describe() +
                  " is too large for a Halide buffer (32-bit extents)");
    dims[i] = halide_dimension_t(0, static_cast<int32_t>(extent),
                                 static_cast<int32_t>(stride));
    stride *= extent;
  }
  buffer.host = static_cast<uint8_t *>(const_cast<void *>(tensor.data()));
  buffer.type = tensor.dtype() == DType::F32 ? halide_type_t(halide_type_float, 32)
                                             : halide_type_t(halide_type_int, 64);
  buffer.dimensions = static_cast<int32_t>(dims.size());
  buffer.dim = dims.data();
}
