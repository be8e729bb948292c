# Halide 14 from Debian, imported as a plain shared library.
#
# Halide's own CMake package loads LLVM 14's CMake files, which clash with
# LLVM 22's that MLIR needs, so we do not use it. Both LLVMs coexist in one
# process: Debian builds them with versioned symbols.
find_library(BNC_HALIDE_LIBRARY NAMES Halide14 Halide
  HINTS /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu REQUIRED)
find_path(BNC_HALIDE_INCLUDE_DIR Halide.h HINTS /usr/include/halide14 REQUIRED)

add_library(Halide::Halide SHARED IMPORTED GLOBAL)
set_target_properties(Halide::Halide PROPERTIES
  IMPORTED_LOCATION "${BNC_HALIDE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${BNC_HALIDE_INCLUDE_DIR}")

# What apps that link AOT-compiled kernels need: HalideBuffer.h and
# HalideRuntime.h only, never libHalide.
add_library(Halide::Runtime INTERFACE IMPORTED GLOBAL)
set_target_properties(Halide::Runtime PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${BNC_HALIDE_INCLUDE_DIR}")
