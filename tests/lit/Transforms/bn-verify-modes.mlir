// RUN: bn-opt %s -split-input-file -bn-verify-modes -verify-diagnostics | FileCheck %s

// A correct training entry point and a correct inference entry point pass
// unchanged.

// CHECK-LABEL: func.func @train_step
// CHECK: bn.batch_norm_train
// CHECK-LABEL: func.func @predict
// CHECK: bn.batch_norm_infer
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}
func.func @predict(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "infer"} {
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}
// Functions without BN need no mode.
// CHECK-LABEL: func.func @no_bn
func.func @no_bn(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-note @+1 {{in entry point @predict, declared bn.mode = "infer" here}}
func.func @predict(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "infer"} {
  // expected-error @+1 {{bn.batch_norm_train in inference entry point @predict: it would normalise with the statistics of each batch; use bn.batch_norm_infer with the running statistics (the bn-derive-inference pass derives it from the training program)}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Through a call: the error is at the op, with notes at the entry and the call.
func.func private @block(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{bn.batch_norm_train in inference entry point @predict}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}
// expected-note @+1 {{in entry point @predict}}
func.func @predict(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "infer"} {
  // expected-note @+1 {{reached through this call}}
  %y = call @block(%x, %c) : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// expected-note @+1 {{in entry point @train_step, declared bn.mode = "train" here}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "train"} {
  // expected-warning @+1 {{bn.batch_norm_infer in training entry point @train_step normalises with fixed statistics, so this BN does not train; use bn.batch_norm_train, or mark the op `frozen` if the BN is frozen on purpose}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// A frozen BN in a training program is deliberate: no warning.
// CHECK-LABEL: func.func @fine_tune
// CHECK: bn.batch_norm_infer {{.*}}frozen
func.func @fine_tune(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "train"} {
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c {frozen} : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// expected-note @+1 {{in entry point @train_step}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "train"} {
  // expected-error @+1 {{the running statistics of this bn.batch_norm_train are dropped: new_running_mean (result #1) and new_running_var (result #2) never reach a result of training entry point @train_step, so training would never update them; return them from @train_step}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// expected-note @+1 {{in entry point @train_step}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  // expected-error @+1 {{new_running_var (result #2) never reaches a result of training entry point @train_step, so training would never update them; return it from @train_step}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y, %m : tensor<8x16xf32>, tensor<16xf32>
}

// -----

// Statistics that reach the results through other ops and through a helper's
// results count as returned.
// CHECK-LABEL: func.func private @bn_block
// CHECK-LABEL: func.func @train_step
func.func private @bn_block(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  %y, %m, %v = call @bn_block(%x, %c) : (tensor<8x16xf32>, tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
  %m2 = arith.addf %m, %c : tensor<16xf32>
  return %y, %m2, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// A helper's statistics that its caller drops.
func.func private @bn_block(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  // expected-error @+1 {{new_running_mean (result #1) never reaches a result of training entry point @train_step}}
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
}
// expected-note @+1 {{in entry point @train_step}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>)
    -> (tensor<8x16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  // expected-note @+1 {{reached through this call}}
  %y, %m, %v = call @bn_block(%x, %c) : (tensor<8x16xf32>, tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
  return %y, %v : tensor<8x16xf32>, tensor<16xf32>
}

// -----

// expected-error @+1 {{public function @forward uses BN but declares no mode; add attributes {bn.mode = "train"} or {bn.mode = "infer"}, or make it private if it is a helper of entry points}}
func.func @forward(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32> {
  // expected-note @+1 {{BN op here}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}

// -----

func.func private @helper(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32> {
  // expected-note @+1 {{BN op here}}
  %y = bn.affine %x, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}
// expected-error @+1 {{public function @forward uses BN but declares no mode}}
func.func @forward(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32> {
  // expected-note @+1 {{reached through this call}}
  %y = call @helper(%x, %c) : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Inside a fused kernel, a statistic that is yielded but then dropped is
// still found.
// expected-note @+1 {{in entry point @train_step}}
func.func @train_step(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>)
    attributes {bn.mode = "train"} {
  %k:3 = bn.kernel(%x, %c) : (tensor<8x16xf32>, tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  ^bb0(%bx: tensor<8x16xf32>, %bc: tensor<16xf32>):
    // expected-error @+1 {{new_running_var (result #2) never reaches a result of training entry point @train_step}}
    %y, %m, %v, %bm, %bi = bn.batch_norm_train %bx, %bc, %bc, %bc, %bc : tensor<8x16xf32>, tensor<16xf32>
    bn.yield %y, %m, %v : tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>
  }
  return %k#0, %k#1 : tensor<8x16xf32>, tensor<16xf32>
}
