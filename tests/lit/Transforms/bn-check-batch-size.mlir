// RUN: bn-opt %s -split-input-file -bn-check-batch-size -verify-diagnostics | FileCheck %s
// RUN: bn-opt %S/Inputs/small-batches.mlir -bn-check-batch-size=min-samples=4 2>&1 | FileCheck %s --check-prefix=LOW
// RUN: not bn-opt %s -bn-check-batch-size=min-samples=-1 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not bn-opt %S/Inputs/one-sample-per-channel.mlir -bn-check-batch-size 2>&1 | FileCheck %s --check-prefix=ONE

// With min-samples=4, only m = 3 warns.
// LOW-NOT: m = 4 values
// LOW: warning: batch statistics over m = 3 values per channel (below min-samples = 4)
// LOW-NOT: m = 4 values

// BADOPT: bn-check-batch-size: min-samples must be >= 0, but got -1
// ONE: error: 'bn.batch_norm_train' op x has one element per channel (m == 1)

// m = 2 * 4 * 4 = 32 >= 16: quiet.
// CHECK-LABEL: func.func @large_enough
func.func @large_enough(%x: tensor<2x16x4x4xf32>, %c: tensor<16xf32>) {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<2x16x4x4xf32>, tensor<16xf32>
  return
}

// -----

// m = 2 * 2 = 4: below 16, not below 4.
// CHECK-LABEL: func.func @small
func.func @small(%x: tensor<2x16x2x1xf32>, %c: tensor<16xf32>) {
  // expected-warning @+1 {{batch statistics over m = 4 values per channel (below min-samples = 16) are noisy, and a model trained on them behaves differently at inference; use a larger batch, GroupNorm or LayerNorm, or freeze this BN (bn.batch_norm_infer {frozen})}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<2x16x2x1xf32>, tensor<16xf32>
  return
}

// -----

// NHWC: the channel is the last dimension, m = 3 * 1 * 1.
func.func @small_nhwc(%x: tensor<3x1x1x64xf32>, %c: tensor<64xf32>) {
  // expected-warning @+1 {{batch statistics over m = 3 values per channel}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {feature_axis = 3 : i64} : tensor<3x1x1x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @dynamic(%x: tensor<?x16x4x4xf32>, %c: tensor<16xf32>) {
  // expected-remark @+1 {{the number of values per channel (m) of 'tensor<?x16x4x4xf32>' is only known at run time; the runtime checks it (m == 1 is an error there)}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<?x16x4x4xf32>, tensor<16xf32>
  return
}

// -----

// Inference BN has no batch statistics: nothing to check.
// CHECK-LABEL: func.func @inference
func.func @inference(%x: tensor<1x16x1x1xf32>, %c: tensor<16xf32>) {
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<1x16x1x1xf32>, tensor<16xf32>
  return
}
