//===- OneDnnKernels.h - oneDNN's batch normalization in bn-bench -*- C++ -*-===//
//
// Part of bnc. oneDNN's batch normalization primitives on a workload's data:
// forward training (with and without fuse_norm_relu), forward inference
// with the running statistics, and backward (dx, dscale, doffset), in NCHW,
// NHWC or the blocked nChw8c layout. oneDNN does not update running
// statistics (a per-channel step, negligible next to the tensor).
//
//===----------------------------------------------------------------------===//

#ifndef BNC_BENCH_ONEDNNKERNELS_H
#define BNC_BENCH_ONEDNNKERNELS_H

#include "BncKernels.h"

namespace bnc::bench {

/// Whether oneDNN has a primitive for `kernel`.
bool oneDnnHas(Kernel kernel);

/// oneDNN's `kernel` in `layout` on `workload`'s data (in NCHW when `layout`
/// is nChw8c: it is reordered once, outside what is timed). Its output() is
/// in the workload's layout. Null with `error` set if oneDNN refuses.
std::unique_ptr<CompiledKernel> createOneDnnKernel(Kernel kernel,
                                                   Layout layout,
                                                   Workload &workload,
                                                   std::string &error);

/// The version of the oneDNN library bn-bench runs with.
std::string oneDnnVersion();

} // namespace bnc::bench

#endif // BNC_BENCH_ONEDNNKERNELS_H
