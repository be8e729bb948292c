// RUN: bn-opt %s -split-input-file -bn-fuse | FileCheck %s
// Fusion keeps the meaning: the mode checks still hold on the fused program.
// RUN: bn-opt %s -split-input-file -bn-fuse -bn-verify-modes > /dev/null

// Training BN, the residual add and the ReLU become one kernel; its inputs are
// the BN's operands and the shortcut, its results the new running statistics
// and the block's output.
// CHECK-LABEL: func.func @residual
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x4x3x3xf32>, %[[C:[^:]*]]: tensor<4xf32>, %[[SKIP:[^:]*]]: tensor<2x4x3x3xf32>)
// CHECK: %[[K:.*]]:3 = bn.kernel(%[[X]], %[[C]], %[[SKIP]]) : (tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<2x4x3x3xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<2x4x3x3xf32>) {
// CHECK-NEXT: ^bb0(%[[BX:[^:]*]]: tensor<2x4x3x3xf32>, %[[BC:[^:]*]]: tensor<4xf32>, %[[BSKIP:[^:]*]]: tensor<2x4x3x3xf32>):
// CHECK-NEXT: %[[Y:[^,]*]], %[[M:[^,]*]], %[[V:[^,]*]], %{{.*}}, %{{.*}} = bn.batch_norm_train %[[BX]], %[[BC]], %[[BC]], %[[BC]], %[[BC]]
// CHECK-NEXT: %[[SUM:.*]] = nn.add %[[Y]], %[[BSKIP]]
// CHECK-NEXT: %[[R:.*]] = nn.relu %[[SUM]]
// CHECK-NEXT: bn.yield %[[M]], %[[V]], %[[R]] : tensor<4xf32>, tensor<4xf32>, tensor<2x4x3x3xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[K]]#2, %[[K]]#0, %[[K]]#1
func.func @residual(%x: tensor<2x4x3x3xf32>, %c: tensor<4xf32>, %skip: tensor<2x4x3x3xf32>)
    -> (tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>) attributes {bn.mode = "train"} {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<2x4x3x3xf32>, tensor<4xf32>
  %sum = nn.add %y, %skip : tensor<2x4x3x3xf32>
  %r = nn.relu %sum : tensor<2x4x3x3xf32>
  return %r, %m, %v : tensor<2x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A value with a second use ends the chain: the ReLU's input is needed
// outside, so the ReLU stays out of the kernel.
// CHECK-LABEL: func.func @two_uses
// CHECK: %[[A:.*]] = bn.kernel
// CHECK: bn.affine
// CHECK-NEXT: bn.yield
// CHECK: nn.relu %[[A]]
func.func @two_uses(%x: tensor<2x4xf32>, %c: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
    attributes {bn.mode = "infer"} {
  %a = bn.affine %x, %c, %c : tensor<2x4xf32>, tensor<4xf32>
  %r = nn.relu %a : tensor<2x4xf32>
  return %r, %a : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Layers are not fused into BN kernels; inference BN and the gradient get
// kernels of their own.
// CHECK-LABEL: func.func @layers
// CHECK: nn.dense
// CHECK: bn.kernel
// CHECK-NEXT: ^bb0
// CHECK-NEXT: bn.batch_norm_infer
// CHECK-NEXT: nn.relu
// CHECK-NEXT: bn.yield
// CHECK: bn.kernel
// CHECK-NEXT: ^bb0
// CHECK-NEXT: bn.batch_norm_grad
// CHECK-NEXT: bn.yield
func.func @layers(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>, %c: tensor<4xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xf32>) attributes {bn.mode = "infer"} {
  %d = nn.dense %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %y = bn.batch_norm_infer %d, %c, %c, %c, %c : tensor<2x4xf32>, tensor<4xf32>
  %r = nn.relu %y : tensor<2x4xf32>
  %dx, %ds, %do = bn.batch_norm_grad %x, %c, %c, %c, %r : tensor<2x4xf32>, tensor<4xf32>
  return %r, %dx : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Nothing to fuse.
// CHECK-LABEL: func.func @no_bn
// CHECK-NOT: bn.kernel
func.func @no_bn(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = nn.relu %x : tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
