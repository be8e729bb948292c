// RUN: bn-opt %s -bn-fold-inference | FileCheck %s

// Constant parameters fold to constants:
//   mul = scale / sqrt(var + eps), add = offset - mean * mul, eps = 1e-4.
// CHECK-LABEL: func.func @constants
// CHECK-DAG: %[[MUL:.*]] = arith.constant dense<[0.499993742, 3.99920034, 4.999750e-01]> : tensor<3xf32>
// CHECK-DAG: %[[ADD:.*]] = arith.constant dense<[-0.249996871, 2.99960017, -1.999950e+00]> : tensor<3xf32>
// CHECK: %[[Y:.*]] = bn.affine %{{.*}}, %[[MUL]], %[[ADD]] : tensor<2x3xf32>, tensor<3xf32>
// CHECK-NOT: bn.batch_norm_infer
// CHECK: return %[[Y]]
func.func @constants(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = arith.constant dense<[1.0, 2.0, 0.5]> : tensor<3xf32>
  %o = arith.constant dense<[0.0, 1.0, -1.0]> : tensor<3xf32>
  %m = arith.constant dense<[0.5, -0.5, 2.0]> : tensor<3xf32>
  %v = arith.constant dense<[4.0, 0.25, 1.0]> : tensor<3xf32>
  %y = bn.batch_norm_infer %x, %s, %o, %m, %v {epsilon = 1.0e-4 : f32} : tensor<2x3xf32>, tensor<3xf32>
  return %y : tensor<2x3xf32>
}

// Splat constants fold too, and the feature axis is kept.
// CHECK-LABEL: func.func @splat_nhwc
// mul = 1 / sqrt(3.99999 + 1e-5) = 0.5 and add = 1 - 1 * 0.5 = 0.5: one
// constant serves both.
// CHECK: %[[HALF:.*]] = arith.constant dense<5.000000e-01> : tensor<4xf32>
// CHECK: bn.affine %{{.*}}, %[[HALF]], %[[HALF]] {feature_axis = -1 : i64} : tensor<1x2x2x4xf32>, tensor<4xf32>
func.func @splat_nhwc(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %one = arith.constant dense<1.0> : tensor<4xf32>
  %four = arith.constant dense<3.99999> : tensor<4xf32>
  %y = bn.batch_norm_infer %x, %one, %one, %one, %four {epsilon = 1.0e-5 : f32, feature_axis = -1 : i64}
      : tensor<1x2x2x4xf32>, tensor<4xf32>
  return %y : tensor<1x2x2x4xf32>
}

// Parameters that are function arguments become arithmetic on tensor<C>.
// CHECK-LABEL: func.func @arguments
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[S:.*]]: tensor<3xf32>, %[[O:.*]]: tensor<3xf32>, %[[M:.*]]: tensor<3xf32>, %[[V:.*]]: tensor<3xf32>)
// CHECK: %[[EPS:.*]] = arith.constant dense<9.99999974E-6> : tensor<3xf32>
// CHECK: %[[VE:.*]] = arith.addf %[[V]], %[[EPS]] : tensor<3xf32>
// CHECK: %[[INV:.*]] = math.rsqrt %[[VE]] : tensor<3xf32>
// CHECK: %[[MUL:.*]] = arith.mulf %[[S]], %[[INV]] : tensor<3xf32>
// CHECK: %[[MM:.*]] = arith.mulf %[[M]], %[[MUL]] : tensor<3xf32>
// CHECK: %[[ADD:.*]] = arith.subf %[[O]], %[[MM]] : tensor<3xf32>
// CHECK: bn.affine %[[X]], %[[MUL]], %[[ADD]] : tensor<2x3xf32>, tensor<3xf32>
func.func @arguments(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %o: tensor<3xf32>,
                     %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3xf32> {
  %y = bn.batch_norm_infer %x, %s, %o, %m, %v : tensor<2x3xf32>, tensor<3xf32>
  return %y : tensor<2x3xf32>
}

// A dynamic channel count: epsilon is splat to the runtime size.
// CHECK-LABEL: func.func @dynamic_channels
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>, %[[C:.*]]: tensor<?xf32>)
// CHECK: %[[E:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[DIM:.*]] = tensor.dim %[[C]], %{{.*}} : tensor<?xf32>
// CHECK: %[[EPS:.*]] = tensor.splat %[[E]][%[[DIM]]] : tensor<?xf32>
// CHECK: arith.addf %[[C]], %[[EPS]] : tensor<?xf32>
// CHECK: bn.affine %[[X]], {{.*}} : tensor<?x?xf32>, tensor<?xf32>
func.func @dynamic_channels(%x: tensor<?x?xf32>, %c: tensor<?xf32>) -> tensor<?x?xf32> {
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<?x?xf32>, tensor<?xf32>
  return %y : tensor<?x?xf32>
}

// Nothing to fold: training BN is not touched.
// CHECK-LABEL: func.func @training
// CHECK: bn.batch_norm_train
// CHECK-NOT: bn.affine
func.func @training(%x: tensor<2x3xf32>, %c: tensor<3xf32>) -> tensor<2x3xf32> {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<2x3xf32>, tensor<3xf32>
  return %y : tensor<2x3xf32>
}
