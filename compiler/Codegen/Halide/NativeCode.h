//===- NativeCode.h - Halide kernels finished by bnc's LLVM -----*- C++ -*-===//
//
// Part of bnc. Halide 14 lowers and optimises a kernel and hands over its
// LLVM bitcode; bnc's LLVM (the one MLIR comes with) reads it, marks the
// stores of large outputs non-temporal, and generates the machine code, for
// the JIT (Jit.h) and for ahead-of-time libraries (Aot.h) alike. Halide 14
// has no directive for non-temporal stores; without them every output line
// is first read from memory before it is overwritten (a copy moves three
// lines for two).
//
// This header names LLVM types only by declaration: its users need not
// include LLVM's.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_CODEGEN_HALIDE_NATIVECODE_H
#define BNC_COMPILER_CODEGEN_HALIDE_NATIVECODE_H

#include "compiler/Codegen/Halide/CpuTunables.h"
#include "compiler/Codegen/Halide/Lowering.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace bnc::halide {

/// Whether an output of `bytes`, stored row after row in contiguous rows of
/// `rowBytes`, is written with non-temporal stores: where it is too large
/// to be found in the last-level cache by whoever reads it next (at least
/// `tunables.nonTemporalBytes`, by default a quarter of that cache: the
/// input streams through it too), and its rows are whole cache lines.
/// Where a row ends inside a line, the line is written in parts by two
/// rows, and rows start off the vectors' alignment (every
/// other one of 784 bytes with 32-byte vectors), where the stores stay
/// plain: lines written half non-temporally and half plainly cost more
/// than reading them (measured, NCHW 128x256x14x14, AVX2: inference 6.2 ms
/// against 2.9 ms with plain stores, training forward 7.2 against 4.7).
bool storesNonTemporally(int64_t bytes, int64_t rowBytes,
                         const CpuTunables &tunables);

/// The outputs of `pipeline` written with non-temporal stores, by their
/// Halide names: those storesNonTemporally takes, with the rows the CPU
/// schedule stores (the dimensions inside the channel, NCHW: H x W; the
/// channels where nothing is inside them, NHWC; else the innermost
/// dimension), in pipelines without layers. A layer's arithmetic, not
/// its output, bounds it, and its register tiles store to as many planes
/// at once as they have output channels (measured, 1x1 convolution
/// 8x32x112x112, AVX2: NCHW 5.7 ms against 3.4 ms with plain stores, NHWC
/// 3.0 against 2.5 ms; 32x64x56x56 the same either way).
std::vector<std::string> nonTemporalOutputs(const LoweredPipeline &pipeline,
                                            const CpuTunables &tunables);

/// `module` (one kernel or Halide's runtime) as a module of bnc's LLVM in
/// `context`, every vector store to a buffer named in `nonTemporalBuffers`
/// made non-temporal where its address is aligned to its size (checked at
/// run time; the others stay plain), every prefetch one for reading into
/// the second-level cache, and embedded constants aligned for the widest
/// vector loads. Null with `error` set on failure.
std::unique_ptr<llvm::Module>
finishHalideModule(const Halide::Module &module,
                   const std::vector<std::string> &nonTemporalBuffers,
                   llvm::LLVMContext &context, std::string &error);

/// The machine a Halide target describes, in LLVM's words.
struct MachineDescription {
  std::string triple;   // e.g. x86_64-unknown-linux-gnu
  std::string cpu;      // e.g. znver4, or x86-64
  std::string features; // e.g. +avx2,+fma
};

/// The machine `target` describes: the host's CPU and features where
/// `target` is the host, else those its Halide features name. Also readies
/// LLVM's targets, which generating code for the machine needs (the JIT
/// relies on it). Fails with `error` set for targets bnc does not generate
/// code for (it does for x86-64 and 64-bit ARM Linux).
bool describeMachine(const Halide::Target &target, MachineDescription &machine,
                     std::string &error);

/// A target machine of bnc's LLVM for `machine`, position-independent code.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const MachineDescription &machine, std::string &error);

/// A kernel for a static library: a Halide module compiled without a
/// runtime, and the outputs it writes with non-temporal stores.
struct NativeKernel {
  Halide::Module module;
  std::vector<std::string> nonTemporalOutputs;
};

/// Writes the static library `path`: one object with Halide's runtime for
/// `target`, one per kernel, compiled by bnc's LLVM for `machine`.
bool writeStaticLibrary(const std::vector<NativeKernel> &kernels,
                        const Halide::Target &target,
                        const MachineDescription &machine,
                        const std::string &path, std::string &error);

} // namespace bnc::halide

#endif // BNC_COMPILER_CODEGEN_HALIDE_NATIVECODE_H
