//===- CppWrapper.h - The C++ class of an ahead-of-time model ---*- C++ -*-===//
//
// Part of bnc. Writes the header an app includes to use a compiled model: a
// class whose methods are the entry points (train_step, predict, ...: one
// method per mode, never a mode flag), taking and returning bnrt::Tensors,
// and owning the model's bnrt::State.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_CPPWRAPPER_H
#define BNC_COMPILER_CODEGEN_CPPWRAPPER_H

#include "compiler/Codegen/ModelInterface.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace bnc {

struct CppWrapperNames {
  /// The model's name, a C identifier: `conv_bn_relu`. The class is its
  /// CamelCase (`ConvBnRelu`), the kernels `<model>_<entry>`.
  std::string model;
  /// The Halide header that declares the kernels, as #included.
  std::string halideHeader;
};

/// The kernel function of `entry` in a model named `model`.
std::string kernelName(const std::string &model, const std::string &entry);

/// Writes the header to `os`. Returns false with `error` set when a name of
/// the model cannot be a C++ name (an entry point `@delete`, say).
bool emitCppWrapper(const ModelInterface &model, const CppWrapperNames &names,
                    llvm::raw_ostream &os, std::string &error);

} // namespace bnc

#endif // BNC_COMPILER_CODEGEN_CPPWRAPPER_H
