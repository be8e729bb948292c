// RUN: bn-opt %s -bn-fold-into-producer | FileCheck %s

// NCHW/OIHW without bias: filter[o] *= mul[o], bias = add.
// CHECK-LABEL: func.func @conv_nchw
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[2.000000e+00]]], {{\[}}[{{\[}}-3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = nn.conv2d %{{.*}}, %[[W]], %[[B]] : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32> -> tensor<1x2x3x3xf32>
// CHECK-NOT: bn.affine
// CHECK: return %[[Y]]
func.func @conv_nchw(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[1.0]]], [[[1.5]]]]> : tensor<2x1x1x1xf32>
  %mul = arith.constant dense<[2.0, -2.0]> : tensor<2xf32>
  %add = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %c = nn.conv2d %x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32> -> tensor<1x2x3x3xf32>
  %y = bn.affine %c, %mul, %add : tensor<1x2x3x3xf32>, tensor<2xf32>
  return %y : tensor<1x2x3x3xf32>
}

// NHWC/HWIO with bias: the output channel is the last filter dimension;
// bias = bias * mul + add, and strides and padding are kept.
// CHECK-LABEL: func.func @conv_nhwc_bias
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[2.000000e+00, 3.000000e+00], [6.000000e+00, 6.000000e+00]]]]> : tensor<1x1x2x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[3.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK: nn.conv2d %{{.*}}, %[[W]], %[[B]] {layout = #nn.layout<nhwc>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
func.func @conv_nhwc_bias(%x: tensor<1x4x4x2xf32>) -> tensor<1x3x3x2xf32> {
  %w = arith.constant dense<[[[[1.0, 1.0], [3.0, 2.0]]]]> : tensor<1x1x2x2xf32>
  %b = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %mul = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %add = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = nn.conv2d %x, %w, %b {layout = #nn.layout<nhwc>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>, tensor<2xf32> -> tensor<1x3x3x2xf32>
  %y = bn.affine %c, %mul, %add {feature_axis = 3 : i64} : tensor<1x3x3x2xf32>, tensor<2xf32>
  return %y : tensor<1x3x3x2xf32>
}

// Grouped (depthwise) convolution: the filter still has one slice per output
// channel.
// CHECK-LABEL: func.func @conv_depthwise
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[1.000000e+01]]], {{\[}}[{{\[}}2.000000e+01]]]]> : tensor<2x1x1x1xf32>
// CHECK: nn.conv2d %{{.*}}, %[[W]], %{{.*}} {groups = 2 : i64}
func.func @conv_depthwise(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %mul = arith.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %add = arith.constant dense<0.0> : tensor<2xf32>
  %c = nn.conv2d %x, %w {groups = 2 : i64} : tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32> -> tensor<1x2x3x3xf32>
  %y = bn.affine %c, %mul, %add : tensor<1x2x3x3xf32>, tensor<2xf32>
  return %y : tensor<1x2x3x3xf32>
}

// Dense: weight[o, :] *= mul[o].
// CHECK-LABEL: func.func @dense
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [-1.000000e+00, -1.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[2.000000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK: nn.dense %{{.*}}, %[[W]], %[[B]] : tensor<4x2xf32>, tensor<2x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
// CHECK-NOT: bn.affine
func.func @dense(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %mul = arith.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %add = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %d = nn.dense %x, %w, %b : tensor<4x2xf32>, tensor<2x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %y = bn.affine %d, %mul, %add : tensor<4x2xf32>, tensor<2xf32>
  return %y : tensor<4x2xf32>
}

// Not folded: the convolution's result has another use.
// CHECK-LABEL: func.func @multiple_uses
// CHECK: nn.conv2d
// CHECK: bn.affine
func.func @multiple_uses(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %mul = arith.constant dense<2.0> : tensor<2xf32>
  %c = nn.conv2d %x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32> -> tensor<1x2x3x3xf32>
  %y = bn.affine %c, %mul, %mul : tensor<1x2x3x3xf32>, tensor<2xf32>
  return %y, %c : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// Not folded: the filter is not a constant (a training parameter).
// CHECK-LABEL: func.func @weights_not_constant
// CHECK: nn.conv2d
// CHECK: bn.affine
func.func @weights_not_constant(%x: tensor<1x1x3x3xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32> {
  %mul = arith.constant dense<2.0> : tensor<2xf32>
  %c = nn.conv2d %x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32> -> tensor<1x2x3x3xf32>
  %y = bn.affine %c, %mul, %mul : tensor<1x2x3x3xf32>, tensor<2xf32>
  return %y : tensor<1x2x3x3xf32>
}

// Not folded: the affine itself is not constant.
// CHECK-LABEL: func.func @affine_not_constant
// CHECK: nn.conv2d
// CHECK: bn.affine
func.func @affine_not_constant(%x: tensor<1x1x3x3xf32>, %mul: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = nn.conv2d %x, %w : tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32> -> tensor<1x2x3x3xf32>
  %y = bn.affine %c, %mul, %mul : tensor<1x2x3x3xf32>, tensor<2xf32>
  return %y : tensor<1x2x3x3xf32>
}

// Not folded: an affine *before* a zero-padded convolution. Folding the shift
// into the following layer would also shift the padding zeros.
// CHECK-LABEL: func.func @affine_before_padded_conv
// CHECK: %[[A:.*]] = bn.affine
// CHECK: nn.conv2d %[[A]]
func.func @affine_before_padded_conv(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x3x3xf32>
  %mul = arith.constant dense<2.0> : tensor<2xf32>
  %add = arith.constant dense<1.0> : tensor<2xf32>
  %a = bn.affine %x, %mul, %add : tensor<1x2x3x3xf32>, tensor<2xf32>
  %c = nn.conv2d %a, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x3xf32>, tensor<2x2x3x3xf32> -> tensor<1x2x3x3xf32>
  return %c : tensor<1x2x3x3xf32>
}

// Not folded: the affine scales the height of an NCHW convolution's output
// (feature_axis = 2), not its channels.
// CHECK-LABEL: func.func @affine_on_other_axis
// CHECK: nn.conv2d
// CHECK: bn.affine
func.func @affine_on_other_axis(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %mul = arith.constant dense<2.0> : tensor<2xf32>
  %c = nn.conv2d %x, %w : tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32> -> tensor<1x2x2x2xf32>
  %y = bn.affine %c, %mul, %mul {feature_axis = 2 : i64} : tensor<1x2x2x2xf32>, tensor<2xf32>
  return %y : tensor<1x2x2x2xf32>
}
