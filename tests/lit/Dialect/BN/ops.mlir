// RUN: bn-opt %s | bn-opt | FileCheck %s
// RUN: bn-opt %s --mlir-print-op-generic | bn-opt | FileCheck %s

// Round trip of every bn op through the custom and the generic form.

// CHECK-LABEL: func.func @train_nchw
// CHECK-SAME: (%[[X:.*]]: tensor<8x16x4x4xf32>, %[[S:.*]]: tensor<16xf32>, %[[O:.*]]: tensor<16xf32>, %[[M:.*]]: tensor<16xf32>, %[[V:.*]]: tensor<16xf32>)
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = bn.batch_norm_train %[[X]], %[[S]], %[[O]], %[[M]], %[[V]] : tensor<8x16x4x4xf32>, tensor<16xf32>
// CHECK: return %[[Y]]
func.func @train_nchw(%x: tensor<8x16x4x4xf32>, %s: tensor<16xf32>, %o: tensor<16xf32>,
                      %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<8x16x4x4xf32> {
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %s, %o, %m, %v
      : tensor<8x16x4x4xf32>, tensor<16xf32>
  return %y : tensor<8x16x4x4xf32>
}

// Attributes that differ from their defaults are printed, defaults are not.
// CHECK-LABEL: func.func @train_nhwc_keras
// CHECK: bn.batch_norm_train
// CHECK-SAME: {epsilon = 1.000000e-03 : f32, feature_axis = 3 : i64, momentum = 0.00999999977 : f32, running_var_update = #bn.variance<biased>}
// CHECK-SAME: : tensor<8x4x4x16xf32>, tensor<16xf32>
func.func @train_nhwc_keras(%x: tensor<8x4x4x16xf32>, %s: tensor<16xf32>, %o: tensor<16xf32>,
                            %m: tensor<16xf32>, %v: tensor<16xf32>) -> tensor<16xf32> {
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %s, %o, %m, %v
      {epsilon = 1.0e-3 : f32, momentum = 0.01 : f32, feature_axis = 3 : i64,
       running_var_update = #bn.variance<biased>}
      : tensor<8x4x4x16xf32>, tensor<16xf32>
  return %nv : tensor<16xf32>
}

// Dynamic sizes are fine as long as they are consistent.
// CHECK-LABEL: func.func @train_dynamic
// CHECK: bn.batch_norm_train %{{.*}} {feature_axis = -1 : i64} : tensor<?x?xf32>, tensor<?xf32>
// CHECK: bn.batch_norm_train %{{.*}} : tensor<?x16x?x?xf32>, tensor<16xf32>
func.func @train_dynamic(%x: tensor<?x?xf32>, %c: tensor<?xf32>,
                         %x4: tensor<?x16x?x?xf32>, %c16: tensor<16xf32>) {
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {feature_axis = -1 : i64}
      : tensor<?x?xf32>, tensor<?xf32>
  %y4, %nm4, %nv4, %bm4, %bi4 = bn.batch_norm_train %x4, %c16, %c16, %c16, %c16
      : tensor<?x16x?x?xf32>, tensor<16xf32>
  return
}

// CHECK-LABEL: func.func @infer
// CHECK: bn.batch_norm_infer %{{.*}} : tensor<2x8xf32>, tensor<8xf32>
// CHECK: bn.batch_norm_infer %{{.*}} {epsilon = 1.000000e-03 : f32, feature_axis = 3 : i64, frozen} : tensor<1x4x4x8xf32>, tensor<8xf32>
// Inference needs no batch: one element per channel is fine.
// CHECK: bn.batch_norm_infer %{{.*}} {feature_axis = 0 : i64} : tensor<8xf32>, tensor<8xf32>
func.func @infer(%x: tensor<2x8xf32>, %x4: tensor<1x4x4x8xf32>, %x1: tensor<8xf32>,
                 %c: tensor<8xf32>) {
  %a = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<2x8xf32>, tensor<8xf32>
  %b = bn.batch_norm_infer %x4, %c, %c, %c, %c {epsilon = 1.0e-3 : f32, feature_axis = 3 : i64, frozen}
      : tensor<1x4x4x8xf32>, tensor<8xf32>
  %d = bn.batch_norm_infer %x1, %c, %c, %c, %c {feature_axis = 0 : i64} : tensor<8xf32>, tensor<8xf32>
  return
}

// CHECK-LABEL: func.func @grad
// CHECK: %[[DX:.*]], %[[DS:.*]], %[[DO:.*]] = bn.batch_norm_grad %{{.*}} : tensor<8x16x4x4xf32>, tensor<16xf32>
// CHECK: return %[[DX]], %[[DS]], %[[DO]]
func.func @grad(%x: tensor<8x16x4x4xf32>, %s: tensor<16xf32>, %mean: tensor<16xf32>,
                %inv_std: tensor<16xf32>, %dy: tensor<8x16x4x4xf32>)
    -> (tensor<8x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>) {
  %dx, %ds, %do = bn.batch_norm_grad %x, %s, %mean, %inv_std, %dy
      : tensor<8x16x4x4xf32>, tensor<16xf32>
  return %dx, %ds, %do : tensor<8x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>
}

// CHECK-LABEL: func.func @stats_and_affine
// CHECK: %[[MEAN:.*]], %[[VAR:.*]] = bn.stats %{{.*}} {feature_axis = -1 : i64} : tensor<8x4x4x16xf32> -> tensor<16xf32>
// CHECK: bn.affine %{{.*}}, %[[MEAN]], %[[VAR]] {feature_axis = -1 : i64} : tensor<8x4x4x16xf32>, tensor<16xf32>
func.func @stats_and_affine(%x: tensor<8x4x4x16xf32>) -> tensor<8x4x4x16xf32> {
  %mean, %var = bn.stats %x {feature_axis = -1 : i64} : tensor<8x4x4x16xf32> -> tensor<16xf32>
  %y = bn.affine %x, %mean, %var {feature_axis = -1 : i64} : tensor<8x4x4x16xf32>, tensor<16xf32>
  return %y : tensor<8x4x4x16xf32>
}

// The entry-point mode attribute.
// CHECK-LABEL: func.func @entry
// CHECK-SAME: attributes {bn.mode = "infer"}
func.func @entry() attributes {bn.mode = "infer"} {
  return
}

// State and data names on an entry point's arguments and results.
// CHECK-LABEL: func.func @named
// CHECK-SAME: (%{{.*}}: tensor<4x2xf32> {bn.name = "x"}, %{{.*}}: tensor<2xf32> {bn.state = "layer1.0.bn1.running_mean"})
// CHECK-SAME: -> (tensor<4x2xf32> {bn.name = "y"}, tensor<2xf32> {bn.state = "layer1.0.bn1.running_mean"})
func.func @named(%x: tensor<4x2xf32> {bn.name = "x"},
                 %m: tensor<2xf32> {bn.state = "layer1.0.bn1.running_mean"})
    -> (tensor<4x2xf32> {bn.name = "y"},
        tensor<2xf32> {bn.state = "layer1.0.bn1.running_mean"}) {
  return %x, %m : tensor<4x2xf32>, tensor<2xf32>
}

// CHECK-LABEL: func.func @kernel
// CHECK: %[[K:.*]]:2 = bn.kernel(%{{.*}}, %{{.*}}) {schedule = #bn.schedule<cpu>} : (tensor<2x4xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<4xf32>) {
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<4xf32>):
// CHECK-NEXT: %[[Y:.*]] = bn.affine %[[A]], %[[B]], %[[B]]
// CHECK-NEXT: bn.yield %[[Y]], %[[B]] : tensor<2x4xf32>, tensor<4xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[K]]#0
func.func @kernel(%x: tensor<2x4xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %k:2 = bn.kernel(%x, %c) {schedule = #bn.schedule<cpu>} : (tensor<2x4xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<4xf32>) {
  ^bb0(%a: tensor<2x4xf32>, %b: tensor<4xf32>):
    %y = bn.affine %a, %b, %b : tensor<2x4xf32>, tensor<4xf32>
    bn.yield %y, %b : tensor<2x4xf32>, tensor<4xf32>
  }
  return %k#0 : tensor<2x4xf32>
}
