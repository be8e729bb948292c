//===- ToolOptions.h - Command-line hygiene for the bnc tools ---*- C++ -*-===//
//
// Part of bnc. Keeps `--help` of the tools about bnc.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_SUPPORT_TOOLOPTIONS_H
#define BNC_COMPILER_SUPPORT_TOOLOPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CommandLine.h"

namespace bnc {

/// Hides from `--help` every command-line option registered so far, except
/// the generic ones (help, version, color) and those in `toolCategories`
/// (the tool's own). Call it first thing in `main`: libLLVM.so registers
/// hundreds of back-end options (AMDGPU, ARM, ...) as it loads, which drown
/// the tool's own options. Hidden options still work and `--help-hidden`
/// still lists them.
void hideLibraryOptions(
    llvm::ArrayRef<const llvm::cl::OptionCategory *> toolCategories = {});

} // namespace bnc

#endif // BNC_COMPILER_SUPPORT_TOOLOPTIONS_H
