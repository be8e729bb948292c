// RUN: bn-opt %s | bn-opt | FileCheck %s
// RUN: bn-opt %s --mlir-print-op-generic | bn-opt | FileCheck %s

// Round trip of every nn op through the custom and the generic form.

// CHECK-LABEL: func.func @conv_nchw
// CHECK: nn.conv2d %{{.*}}, %{{.*}} : tensor<8x3x16x16xf32>, tensor<16x3x3x3xf32> -> tensor<8x16x14x14xf32>
// CHECK: nn.conv2d %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>, strides = array<i64: 2, 2>} : tensor<8x3x16x16xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x8x8xf32>
func.func @conv_nchw(%x: tensor<8x3x16x16xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>) {
  %0 = nn.conv2d %x, %w : tensor<8x3x16x16xf32>, tensor<16x3x3x3xf32> -> tensor<8x16x14x14xf32>
  %1 = nn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>, dilations = array<i64: 2, 2>}
      : tensor<8x3x16x16xf32>, tensor<16x3x3x3xf32>, tensor<16xf32> -> tensor<8x16x8x8xf32>
  return
}

// Asymmetric padding and a rectangular filter.
// CHECK-LABEL: func.func @conv_nhwc
// CHECK: nn.conv2d %{{.*}}, %{{.*}} {layout = #nn.layout<nhwc>, padding = array<i64: 0, 1, 2, 0>} : tensor<2x7x9x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x7x9x8xf32>
func.func @conv_nhwc(%x: tensor<2x7x9x4xf32>, %w: tensor<2x3x4x8xf32>) {
  %0 = nn.conv2d %x, %w {layout = #nn.layout<nhwc>, padding = array<i64: 0, 1, 2, 0>}
      : tensor<2x7x9x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x7x9x8xf32>
  return
}

// CHECK-LABEL: func.func @conv_grouped
// CHECK: nn.conv2d %{{.*}} {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x5x5xf32>, tensor<12x2x3x3xf32> -> tensor<1x12x5x5xf32>
// CHECK: nn.conv2d %{{.*}} {groups = 8 : i64, layout = #nn.layout<nhwc>} : tensor<1x5x5x8xf32>, tensor<3x3x1x8xf32> -> tensor<1x3x3x8xf32>
func.func @conv_grouped(%x: tensor<1x8x5x5xf32>, %w: tensor<12x2x3x3xf32>,
                        %xd: tensor<1x5x5x8xf32>, %wd: tensor<3x3x1x8xf32>) {
  %0 = nn.conv2d %x, %w {groups = 4 : i64, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x8x5x5xf32>, tensor<12x2x3x3xf32> -> tensor<1x12x5x5xf32>
  // Depthwise.
  %1 = nn.conv2d %xd, %wd {groups = 8 : i64, layout = #nn.layout<nhwc>}
      : tensor<1x5x5x8xf32>, tensor<3x3x1x8xf32> -> tensor<1x3x3x8xf32>
  return
}

// CHECK-LABEL: func.func @conv_dynamic
// CHECK: nn.conv2d %{{.*}} : tensor<?x3x?x?xf32>, tensor<16x3x3x3xf32> -> tensor<?x16x?x?xf32>
func.func @conv_dynamic(%x: tensor<?x3x?x?xf32>, %w: tensor<16x3x3x3xf32>) {
  %0 = nn.conv2d %x, %w : tensor<?x3x?x?xf32>, tensor<16x3x3x3xf32> -> tensor<?x16x?x?xf32>
  return
}

// CHECK-LABEL: func.func @dense
// CHECK: nn.dense %{{.*}}, %{{.*}} : tensor<8x256xf32>, tensor<10x256xf32> -> tensor<8x10xf32>
// CHECK: nn.dense %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x256xf32>, tensor<10x256xf32>, tensor<10xf32> -> tensor<?x10xf32>
func.func @dense(%x: tensor<8x256xf32>, %xd: tensor<?x256xf32>, %w: tensor<10x256xf32>, %b: tensor<10xf32>) {
  %0 = nn.dense %x, %w : tensor<8x256xf32>, tensor<10x256xf32> -> tensor<8x10xf32>
  %1 = nn.dense %xd, %w, %b : tensor<?x256xf32>, tensor<10x256xf32>, tensor<10xf32> -> tensor<?x10xf32>
  return
}

// CHECK-LABEL: func.func @relu_add
// CHECK: %[[R:.*]] = nn.relu %{{.*}} : tensor<8x16x4x4xf32>
// CHECK: nn.add %[[R]], %{{.*}} : tensor<8x16x4x4xf32>
func.func @relu_add(%x: tensor<8x16x4x4xf32>, %y: tensor<8x16x4x4xf32>) -> tensor<8x16x4x4xf32> {
  %r = nn.relu %x : tensor<8x16x4x4xf32>
  %s = nn.add %r, %y : tensor<8x16x4x4xf32>
  return %s : tensor<8x16x4x4xf32>
}
