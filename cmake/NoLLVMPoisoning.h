/* Force-included in sanitizer builds (BNC_SANITIZE, BNC_ENABLE_LIBFUZZER).
 *
 * LLVM's BumpPtrAllocator poisons its free memory for AddressSanitizer in
 * inline code. Our instrumented code would poison slabs that the system's
 * uninstrumented libMLIR.so then hands out without unpoisoning, and ASan
 * would report use-after-poison in MLIR's own uniquer (found by the first
 * fuzzing run). The system LLVM is not instrumented, so its annotations are
 * turned off here: real errors in bnc's own code are still caught. */
#if defined(__has_include)
#if __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
#endif
#endif
