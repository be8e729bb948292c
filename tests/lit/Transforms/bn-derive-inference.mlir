// RUN: bn-opt %s -split-input-file -bn-derive-inference -verify-diagnostics | FileCheck %s
// Idempotent: deriving twice gives what deriving once gives.
// RUN: bn-opt %s -split-input-file -bn-derive-inference -bn-derive-inference -verify-diagnostics | FileCheck %s
// The derived program passes the mode checks.
// RUN: bn-opt %s -split-input-file -bn-derive-inference -bn-verify-modes -verify-diagnostics > /dev/null

// The training entry point stays; @train_step_infer normalises with the
// running statistics, and the state results and the gradient, with what only
// fed them (the add of dy) and the argument only they read (dy), are gone.

// CHECK-LABEL: func.func @train_step(
// CHECK: bn.batch_norm_train
// CHECK: bn.batch_norm_grad

// CHECK-LABEL: func.func @train_step_infer(
// CHECK-SAME: %[[X:[^:]*]]: tensor<8x16xf32>, %[[S:[^:]*]]: tensor<16xf32>, %[[O:[^:]*]]: tensor<16xf32>, %[[RM:[^:]*]]: tensor<16xf32>, %[[RV:[^:]*]]: tensor<16xf32>)
// CHECK-SAME: -> tensor<8x16xf32>
// CHECK-SAME: attributes {bn.derived_from = @train_step, bn.mode = "infer"}
// CHECK-NEXT: %[[Y:.*]] = bn.batch_norm_infer %[[X]], %[[S]], %[[O]], %[[RM]], %[[RV]] {epsilon = 1.000000e-03 : f32} : tensor<8x16xf32>, tensor<16xf32>
// CHECK-NEXT: %[[R:.*]] = nn.relu %[[Y]]
// CHECK-NEXT: return %[[R]] : tensor<8x16xf32>
// CHECK-NEXT: }
// CHECK-NOT: func.func @train_step_infer
func.func @train_step(%x: tensor<8x16xf32>, %s: tensor<16xf32>, %o: tensor<16xf32>,
                      %rm: tensor<16xf32>, %rv: tensor<16xf32>, %dy: tensor<8x16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %rm, %rv {epsilon = 1.0e-3 : f32, momentum = 0.2 : f32}
      : tensor<8x16xf32>, tensor<16xf32>
  %r = nn.relu %y : tensor<8x16xf32>
  %dy2 = nn.add %dy, %dy : tensor<8x16xf32>
  %dx, %ds, %do = bn.batch_norm_grad %x, %s, %bm, %bi, %dy2 : tensor<8x16xf32>, tensor<16xf32>
  return %r, %m, %v, %dx, %ds
      : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<16xf32>
}

// -----

// The state and name attributes of what stays stay, so one state object
// serves both entry points; those of removed results go with them.

// CHECK-LABEL: func.func @train_step(
// CHECK-LABEL: func.func @train_step_infer(
// CHECK-SAME: %{{[^:]*}}: tensor<4x8xf32> {bn.name = "x"}, %{{[^:]*}}: tensor<8xf32> {bn.state = "bn.weight"}, %{{[^:]*}}: tensor<8xf32> {bn.state = "bn.bias"}, %{{[^:]*}}: tensor<8xf32> {bn.state = "bn.running_mean"}, %{{[^:]*}}: tensor<8xf32> {bn.state = "bn.running_var"})
// CHECK-SAME: -> (tensor<4x8xf32> {bn.name = "y"})
func.func @train_step(%x: tensor<4x8xf32> {bn.name = "x"},
                      %s: tensor<8xf32> {bn.state = "bn.weight"},
                      %o: tensor<8xf32> {bn.state = "bn.bias"},
                      %rm: tensor<8xf32> {bn.state = "bn.running_mean"},
                      %rv: tensor<8xf32> {bn.state = "bn.running_var"})
    -> (tensor<4x8xf32> {bn.name = "y"},
        tensor<8xf32> {bn.state = "bn.running_mean"},
        tensor<8xf32> {bn.state = "bn.running_var"})
    attributes {bn.mode = "train"} {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %rm, %rv
      : tensor<4x8xf32>, tensor<8xf32>
  return %y, %m, %v : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Two BNs, NHWC, a residual add: every BN becomes inference BN with its own
// statistics and axis.
// CHECK-LABEL: func.func @block_infer(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x4x4x8xf32>, %[[C1:[^:]*]]: tensor<8xf32>, %[[C2:[^:]*]]: tensor<8xf32>)
// CHECK-SAME: -> tensor<2x4x4x8xf32>
// CHECK: %[[Y1:.*]] = bn.batch_norm_infer %[[X]], %[[C1]], %[[C1]], %[[C1]], %[[C1]] {feature_axis = 3 : i64}
// CHECK: %[[Y2:.*]] = bn.batch_norm_infer %[[Y1]], %[[C2]], %[[C2]], %[[C2]], %[[C2]] {feature_axis = -1 : i64}
// CHECK: %[[SUM:.*]] = nn.add %[[Y2]], %[[X]]
// CHECK: return %[[SUM]]
func.func @block(%x: tensor<2x4x4x8xf32>, %c1: tensor<8xf32>, %c2: tensor<8xf32>)
    -> (tensor<2x4x4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
    attributes {bn.mode = "train"} {
  %y1, %m1, %v1, %bm1, %bi1 = bn.batch_norm_train %x, %c1, %c1, %c1, %c1 {feature_axis = 3 : i64}
      : tensor<2x4x4x8xf32>, tensor<8xf32>
  %y2, %m2, %v2, %bm2, %bi2 = bn.batch_norm_train %y1, %c2, %c2, %c2, %c2 {feature_axis = -1 : i64}
      : tensor<2x4x4x8xf32>, tensor<8xf32>
  %sum = nn.add %y2, %x : tensor<2x4x4x8xf32>
  return %sum, %m1, %v1, %m2, %v2
      : tensor<2x4x4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Inference entry points and functions without a mode are left alone.
// CHECK-LABEL: func.func @predict(
// CHECK-NOT: func.func @predict_infer
// CHECK-NOT: func.func @helper_infer
func.func @predict(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "infer"} {
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}
func.func private @helper(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  return %x : tensor<8x16xf32>
}

// -----

// expected-error @+1 {{cannot derive inference entry point @train_step_infer from @train_step: a symbol of that name exists and was not derived from it; rename one of them}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}
// expected-note @+1 {{existing @train_step_infer}}
func.func @train_step_infer(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  return %x : tensor<8x16xf32>
}

// -----

func.func private @bn_block(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}
// expected-error @+1 {{cannot derive inference entry point @train_step_infer: @train_step reaches BN ops through a call; inline the callee first}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  // expected-note @+1 {{call here}}
  %y, %m, %v = call @bn_block(%x, %c) : (tensor<8x16xf32>, tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
  return %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// Inference is derived from the training program before fusion.
// expected-error @+1 {{cannot derive inference entry point @train_step_infer: @train_step is already fused into bn.kernel ops; derive the inference program before bn-fuse}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  // expected-note @+1 {{kernel here}}
  %k:3 = bn.kernel(%x, %c) : (tensor<8x16xf32>, tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  ^bb0(%bx: tensor<8x16xf32>, %bc: tensor<16xf32>):
    %y, %m, %v, %bm, %bi = bn.batch_norm_train %bx, %bc, %bc, %bc, %bc : tensor<8x16xf32>, tensor<16xf32>
    bn.yield %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
  }
  return %k#0, %k#1, %k#2 : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}
