// RUN: bn-opt %s -split-input-file -bn-decompose -verify-diagnostics | FileCheck %s

// Training BN: statistics, normalisation as an affine, running statistics
// blended with momentum 0.25 and the unbiased variance (m = 4: var * 4/3).
// CHECK-LABEL: func.func @train
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x3xf32>, %[[S:[^:]*]]: tensor<3xf32>, %[[O:[^:]*]]: tensor<3xf32>, %[[RM:[^:]*]]: tensor<3xf32>, %[[RV:[^:]*]]: tensor<3xf32>)
// CHECK-DAG: %[[KEEP:.*]] = arith.constant dense<7.500000e-01> : tensor<3xf32>
// CHECK-DAG: %[[MOM:.*]] = arith.constant dense<2.500000e-01> : tensor<3xf32>
// CHECK-DAG: %[[BESSEL:.*]] = arith.constant dense<1.33333337> : tensor<3xf32>
// CHECK-DAG: %[[EPS:.*]] = arith.constant dense<9.99999974E-6> : tensor<3xf32>
// CHECK: %[[MEAN:.*]], %[[VAR:.*]] = bn.stats %[[X]] : tensor<4x3xf32> -> tensor<3xf32>
// CHECK: %[[VE:.*]] = arith.addf %[[VAR]], %[[EPS]]
// CHECK: %[[INV:.*]] = math.rsqrt %[[VE]]
// CHECK: %[[MUL:.*]] = arith.mulf %[[S]], %[[INV]]
// CHECK: %[[MM:.*]] = arith.mulf %[[MEAN]], %[[MUL]]
// CHECK: %[[ADD:.*]] = arith.subf %[[O]], %[[MM]]
// CHECK: %[[Y:.*]] = bn.affine %[[X]], %[[MUL]], %[[ADD]] : tensor<4x3xf32>, tensor<3xf32>
// CHECK: %[[UNBIASED:.*]] = arith.mulf %[[VAR]], %[[BESSEL]]
// CHECK: %[[A:.*]] = arith.mulf %[[MEAN]], %[[MOM]]
// CHECK: %[[B:.*]] = arith.mulf %[[RM]], %[[KEEP]]
// CHECK: %[[NEWMEAN:.*]] = arith.addf %[[B]], %[[A]]
// CHECK: %[[C:.*]] = arith.mulf %[[UNBIASED]], %[[MOM]]
// CHECK: %[[D:.*]] = arith.mulf %[[RV]], %[[KEEP]]
// CHECK: %[[NEWVAR:.*]] = arith.addf %[[D]], %[[C]]
// CHECK: return %[[Y]], %[[NEWMEAN]], %[[NEWVAR]], %[[MEAN]], %[[INV]]
// CHECK-NOT: bn.batch_norm_train
func.func @train(%x: tensor<4x3xf32>, %s: tensor<3xf32>, %o: tensor<3xf32>, %rm: tensor<3xf32>, %rv: tensor<3xf32>)
    -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %s, %o, %rm, %rv {momentum = 0.25 : f32}
      : tensor<4x3xf32>, tensor<3xf32>
  return %y, %m, %v, %bm, %bi : tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// The biased running variance needs no Bessel factor, and so no static m.
// CHECK-LABEL: func.func @train_biased_dynamic
// CHECK: %[[MEAN:.*]], %[[VAR:.*]] = bn.stats %{{.*}} {feature_axis = 0 : i64} : tensor<3x?xf32> -> tensor<3xf32>
// CHECK-NOT: 1.33
// CHECK: arith.mulf %[[VAR]]
// CHECK-NOT: bn.batch_norm_train
func.func @train_biased_dynamic(%x: tensor<3x?xf32>, %c: tensor<3xf32>) -> tensor<3xf32> {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
      {feature_axis = 0 : i64, running_var_update = #bn.variance<biased>}
      : tensor<3x?xf32>, tensor<3xf32>
  return %v : tensor<3xf32>
}

// -----

// The gradient: xhat as an affine, the per-channel sums as m times a mean,
// dx as the difference of two affines.
// CHECK-LABEL: func.func @grad
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x3xf32>, %[[S:[^:]*]]: tensor<3xf32>, %[[BM:[^:]*]]: tensor<3xf32>, %[[BI:[^:]*]]: tensor<3xf32>, %[[DY:[^:]*]]: tensor<4x3xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-DAG: %[[INVM:.*]] = arith.constant dense<2.500000e-01> : tensor<3xf32>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<4.000000e+00> : tensor<3xf32>
// CHECK: %[[SHIFT:.*]] = arith.mulf %[[BM]], %[[BI]]
// CHECK: %[[NSHIFT:.*]] = arith.negf %[[SHIFT]]
// CHECK: %[[XHAT:.*]] = bn.affine %[[X]], %[[BI]], %[[NSHIFT]]
// CHECK: %[[DYMEAN:.*]], %{{.*}} = bn.stats %[[DY]]
// CHECK: %[[DOFFSET:.*]] = arith.mulf %[[DYMEAN]], %[[M]]
// CHECK: %[[PROD:.*]] = arith.mulf %[[DY]], %[[XHAT]] : tensor<4x3xf32>
// CHECK: %[[PMEAN:.*]], %{{.*}} = bn.stats %[[PROD]]
// CHECK: %[[DSCALE:.*]] = arith.mulf %[[PMEAN]], %[[M]]
// CHECK: %[[FROMDY:.*]] = bn.affine %[[DY]]
// CHECK: %[[FROMXHAT:.*]] = bn.affine %[[XHAT]], %{{.*}}, %[[ZERO]]
// CHECK: %[[DX:.*]] = arith.subf %[[FROMDY]], %[[FROMXHAT]] : tensor<4x3xf32>
// CHECK: return %[[DX]], %[[DSCALE]], %[[DOFFSET]]
func.func @grad(%x: tensor<4x3xf32>, %s: tensor<3xf32>, %bm: tensor<3xf32>, %bi: tensor<3xf32>, %dy: tensor<4x3xf32>)
    -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %dx, %ds, %do = bn.batch_norm_grad %x, %s, %bm, %bi, %dy : tensor<4x3xf32>, tensor<3xf32>
  return %dx, %ds, %do : tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Dynamic m: left as it is, with a remark.
// CHECK-LABEL: func.func @dynamic
// CHECK: bn.batch_norm_train
// CHECK: bn.batch_norm_grad
func.func @dynamic(%x: tensor<?x3xf32>, %c: tensor<3xf32>) -> (tensor<3xf32>, tensor<?x3xf32>) {
  // expected-remark @+1 {{not decomposed: m is dynamic, and the unbiased running variance needs it as a constant}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<?x3xf32>, tensor<3xf32>
  // expected-remark @+1 {{not decomposed: m is dynamic, and the gradient needs it as a constant}}
  %dx, %ds, %do = bn.batch_norm_grad %x, %c, %bm, %bi, %y : tensor<?x3xf32>, tensor<3xf32>
  return %v, %dx : tensor<3xf32>, tensor<?x3xf32>
}
