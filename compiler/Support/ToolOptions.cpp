//===- ToolOptions.cpp - Command-line hygiene for the bnc tools -----------===//
//
// Part of bnc. See ToolOptions.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Support/ToolOptions.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"

void bnc::hideLibraryOptions() {
  static const llvm::StringSet<> kKeptVisible = {
      "help", "help-list", "help-hidden", "help-list-hidden",
      "version", "color", "print-options", "print-all-options"};
  for (auto &entry : llvm::cl::getRegisteredOptions()) {
    if (!kKeptVisible.contains(entry.first))
      entry.second->setHiddenFlag(llvm::cl::Hidden);
  }
}
