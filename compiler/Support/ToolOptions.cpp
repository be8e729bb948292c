//===- ToolOptions.cpp - Command-line hygiene for the bnc tools -----------===//
//
// Part of bnc. See ToolOptions.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Support/ToolOptions.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"

void bnc::hideLibraryOptions(
    llvm::ArrayRef<const llvm::cl::OptionCategory *> toolCategories) {
  static const llvm::StringSet<> kKeptVisible = {
      "help", "help-list", "help-hidden", "help-list-hidden",
      "version", "color", "print-options", "print-all-options"};
  for (auto &entry : llvm::cl::getRegisteredOptions()) {
    llvm::cl::Option *option = entry.second;
    bool ownedByTool = llvm::any_of(option->Categories, [&](auto *category) {
      return llvm::is_contained(toolCategories, category);
    });
    if (!kKeptVisible.contains(entry.first) && !ownedByTool)
      option->setHiddenFlag(llvm::cl::Hidden);
  }
}
