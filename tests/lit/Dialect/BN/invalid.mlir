// RUN: bn-opt %s -split-input-file -verify-diagnostics

// One case per verifier rule of the bn ops. Each message says what to change.

func.func @rank0(%x: tensor<f32>, %c: tensor<1xf32>) {
  // expected-error @+1 {{expects x to have a channel dimension (rank >= 1), but got 'tensor<f32>'}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<f32>, tensor<1xf32>
  return
}

// -----

func.func @feature_axis_too_large(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{feature_axis 2 is out of range for x of rank 2; use a value in [-2, 1] (1 for NCHW, -1 for channels-last)}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c {feature_axis = 2 : i64} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @feature_axis_too_negative(%x: tensor<8x16x4x4xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{feature_axis -5 is out of range for x of rank 4}}
  %mean, %var = bn.stats %x {feature_axis = -5 : i64} : tensor<8x16x4x4xf32> -> tensor<16xf32>
  return
}

// -----

func.func @channel_mismatch(%x: tensor<8x16x4x4xf32>, %c: tensor<8xf32>) {
  // expected-error @+1 {{per-channel operands (scale, offset, running_mean, running_var) have 8 elements but x has 16 channels along feature_axis 1; make them 'tensor<16xf32>' or change feature_axis}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16x4x4xf32>, tensor<8xf32>
  return
}

// -----

// The channel count follows feature_axis: NHWC data with the NCHW default.
func.func @channel_mismatch_layout(%x: tensor<8x4x4x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{per-channel operands (scale, offset, mean, var) have 16 elements but x has 4 channels along feature_axis 1}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<8x4x4x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @grad_channel_mismatch(%x: tensor<8x16xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{per-channel operands (scale, batch_mean, batch_inv_std) have 4 elements but x has 16 channels}}
  %dx, %ds, %do = bn.batch_norm_grad %x, %c, %c, %c, %x : tensor<8x16xf32>, tensor<4xf32>
  return
}

// -----

func.func @stats_channel_mismatch(%x: tensor<8x16xf32>) {
  // expected-error @+1 {{per-channel operands (mean, var) have 8 elements but x has 16 channels}}
  %mean, %var = bn.stats %x : tensor<8x16xf32> -> tensor<8xf32>
  return
}

// -----

func.func @affine_channel_mismatch(%x: tensor<8x16xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{per-channel operands (mul, add) have 3 elements but x has 16 channels}}
  %y = bn.affine %x, %c, %c : tensor<8x16xf32>, tensor<3xf32>
  return
}

// -----

func.func @per_channel_not_1d(%x: tensor<8x16xf32>, %c: tensor<1x16xf32>) {
  // expected-error @+1 {{operand #1 must be 1D tensor of 32-bit float values, but got 'tensor<1x16xf32>'}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<1x16xf32>
  return
}

// -----

func.func @element_type_f16(%x: tensor<8x16xf16>, %c: tensor<16xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<8x16xf16>'}}
  %y = bn.affine %x, %c, %c : tensor<8x16xf16>, tensor<16xf32>
  return
}

// -----

func.func @unranked(%x: tensor<*xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<*xf32>'}}
  %y = "bn.affine"(%x, %c, %c) : (tensor<*xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<*xf32>
  return
}

// -----

// Per-channel operands and results must all have one type (generic form only:
// the custom form cannot even spell a mismatch).
func.func @per_channel_types_differ(%x: tensor<8x16xf32>, %c: tensor<16xf32>, %d: tensor<?xf32>) {
  // expected-error @+1 {{failed to verify that all of {scale, offset, mean, var} have same type}}
  %y = "bn.batch_norm_infer"(%x, %c, %d, %c, %c) : (tensor<8x16xf32>, tensor<16xf32>, tensor<?xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  return
}

// -----

func.func @result_type_differs(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{failed to verify that all of {x, y} have same type}}
  %y = "bn.batch_norm_infer"(%x, %c, %c, %c, %c) : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x?xf32>
  return
}

// -----

func.func @train_result_type_differs(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{failed to verify that all of {scale, offset, running_mean, running_var, new_running_mean, new_running_var, batch_mean, batch_inv_std} have same type}}
  %r:5 = "bn.batch_norm_train"(%x, %c, %c, %c, %c) : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<8xf32>)
  return
}

// -----

func.func @grad_dy_type_differs(%x: tensor<8x16xf32>, %dy: tensor<4x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{failed to verify that all of {x, dy, dx} have same type}}
  %r:3 = "bn.batch_norm_grad"(%x, %c, %c, %c, %dy) : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<4x16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
  return
}

// -----

func.func @stats_results_differ(%x: tensor<8x16xf32>) {
  // expected-error @+1 {{failed to verify that all of {mean, var} have same type}}
  %r:2 = "bn.stats"(%x) : (tensor<8x16xf32>) -> (tensor<16xf32>, tensor<?xf32>)
  return
}

// -----

func.func @epsilon_zero(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{epsilon must be a positive finite number (it keeps 1/sqrt(var + epsilon) finite), but got 0.000000e+00; 1e-5 is PyTorch's default}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c {epsilon = 0.0 : f32} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @epsilon_negative(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{epsilon must be a positive finite number}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {epsilon = -1.0e-5 : f32} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @epsilon_nan(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{epsilon must be a positive finite number}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c {epsilon = 0x7FC00000 : f32} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @epsilon_inf(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{epsilon must be a positive finite number}}
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c {epsilon = 0x7F800000 : f32} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @momentum_above_one(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1] (the weight of the batch statistic, PyTorch's convention), but got 9.900000e+01; for a Keras/ONNX momentum k, use 1 - k}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {momentum = 99.0 : f32} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @momentum_negative(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1]}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {momentum = -0.1 : f32} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @momentum_nan(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1]}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {momentum = 0x7FC00000 : f32} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @train_one_sample_per_channel(%x: tensor<1x16x1x1xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{x has one element per channel (m == 1), so the batch variance is zero and cannot be trained on; use more than one value per channel (a larger batch or spatial size), or bn.batch_norm_infer with running statistics}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<1x16x1x1xf32>, tensor<16xf32>
  return
}

// -----

func.func @train_vector(%x: tensor<16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{x has one element per channel (m == 1)}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {feature_axis = 0 : i64} : tensor<16xf32>, tensor<16xf32>
  return
}

// -----

func.func @empty_batch(%x: tensor<0x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+1 {{x has no elements per channel (m == 0): 'tensor<0x16xf32>' has a zero-sized dimension besides the channel}}
  %mean, %var = bn.stats %x : tensor<0x16xf32> -> tensor<16xf32>
  return
}

// -----

func.func @unknown_variance_estimator(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  // expected-error @+2 {{expected ::bnc::bn::VarianceEstimator to be one of: unbiased, biased}}
  // expected-error @+1 {{failed to parse BN_VarianceEstimatorAttr parameter 'value'}}
  %y, %nm, %nv, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {running_var_update = #bn.variance<bessel>} : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

// expected-error @+1 {{bn.mode must be "train" or "infer", but got "eval"}}
func.func @bad_mode() attributes {bn.mode = "eval"} {
  return
}

// -----

// expected-error @+1 {{bn.mode must be "train" or "infer", but got true}}
func.func @mode_not_a_string() attributes {bn.mode = true} {
  return
}

// -----

// expected-error @+1 {{unknown bn dialect attribute 'bn.training'; bn knows 'bn.mode' and 'bn.derived_from' on entry-point functions, and 'bn.state' and 'bn.name' on their arguments and results}}
func.func @unknown_attr() attributes {bn.training} {
  return
}

// -----

// expected-error @+1 {{bn.mode marks an entry point, so it belongs on a function, not on 'builtin.module'}}
module attributes {bn.mode = "train"} {
}

// -----

// expected-error @+1 {{bn.derived_from must name the training entry point, like @train_step, but got "train_step"}}
func.func @derived_from_string() attributes {bn.derived_from = "train_step"} {
  return
}

// -----

func.func @kernel_argument_types(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{the body's arguments must have the types of the kernel's inputs, one for each}}
  %k = bn.kernel(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%a: tensor<4xf32>):
    bn.yield %x : tensor<2x4xf32>
  }
  return
}

// -----

func.func @kernel_yield_types(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{yields 1 values whose types must be the kernel's result types}}
  %k = bn.kernel(%x) : (tensor<2x4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<2x4xf32>):
    bn.yield %a : tensor<2x4xf32>
  }
  return
}

// -----

func.func @kernel_isolated(%x: tensor<2x4xf32>, %c: tensor<4xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %k = bn.kernel(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%a: tensor<2x4xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    %y = bn.affine %a, %c, %c : tensor<2x4xf32>, tensor<4xf32>
    bn.yield %y : tensor<2x4xf32>
  }
  return
}

// -----

func.func @yield_outside_kernel(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'bn.yield' op expects parent op 'bn.kernel'}}
  bn.yield %x : tensor<2x4xf32>
}

// -----

func.func @unknown_schedule(%x: tensor<2x4xf32>) {
  // expected-error @+2 {{expected ::bnc::bn::ScheduleTarget to be one of: cpu, cuda, auto}}
  // expected-error @+1 {{failed to parse BN_ScheduleAttr parameter 'value'}}
  %k = bn.kernel(%x) {schedule = #bn.schedule<tpu>} : (tensor<2x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%a: tensor<2x4xf32>):
    bn.yield %a : tensor<2x4xf32>
  }
  return
}

// -----

// expected-error @+1 {{bn.state of argument #0 must be a state_dict name like "layer1.bn1.running_mean", but got "bn..running_mean"}}
func.func @bad_state_name(%m: tensor<4xf32> {bn.state = "bn..running_mean"}) {
  return
}

// -----

// expected-error @+1 {{bn.state of argument #0 must be a state_dict name like "layer1.bn1.running_mean", but got 3 : i64}}
func.func @state_name_not_a_string(%m: tensor<4xf32> {bn.state = 3}) {
  return
}

// -----

// expected-error @+1 {{bn.state of argument #0 is "bn.num_batches_tracked", which the runtime keeps and counts itself; remove the argument}}
func.func @counter_as_argument(%n: tensor<i64> {bn.state = "bn.num_batches_tracked"}) {
  return
}

// -----

// expected-error @+1 {{argument #0 has both bn.state and bn.name; a state entry is named by bn.state alone}}
func.func @state_and_name(%m: tensor<4xf32> {bn.state = "bn.running_mean", bn.name = "m"}) {
  return
}

// -----

// expected-error @+1 {{bn.state "bn.running_mean" is on arguments #0 and #1; each state entry is one argument}}
func.func @state_twice(%a: tensor<4xf32> {bn.state = "bn.running_mean"},
                       %b: tensor<4xf32> {bn.state = "bn.running_mean"}) {
  return
}

// -----

// expected-error @+1 {{bn.name must be a C identifier, like "x", but got "2x"}}
func.func @bad_data_name(%x: tensor<4xf32> {bn.name = "2x"}) {
  return
}

// -----

// expected-error @+1 {{bn.name "x" names more than one argument or result; give each its own name}}
func.func @name_twice(%x: tensor<4xf32> {bn.name = "x"}) -> (tensor<4xf32> {bn.name = "x"}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{unknown bn dialect argument attribute 'bn.stat'; bn knows 'bn.state' and 'bn.name'}}
func.func @unknown_argument_attribute(%x: tensor<4xf32> {bn.stat = "bn.weight"}) {
  return
}

// -----

// expected-error @+1 {{unknown bn dialect result attribute 'bn.stat'; bn knows 'bn.state' and 'bn.name'}}
func.func @unknown_result_attribute(%x: tensor<4xf32>) -> (tensor<4xf32> {bn.stat = "bn.weight"}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{bn.state of result #0 must be a string, but got 1 : i64}}
func.func @result_state_not_a_string(%x: tensor<4xf32>) -> (tensor<4xf32> {bn.state = 1}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{result #0 has both bn.state and bn.name; a state update is named by bn.state alone}}
func.func @result_state_and_name(%m: tensor<4xf32> {bn.state = "bn.running_mean"})
    -> (tensor<4xf32> {bn.state = "bn.running_mean", bn.name = "m"}) {
  return %m : tensor<4xf32>
}

// -----

// expected-error @+1 {{bn.state "bn.running_mean" is on results #0 and #1; a step updates each state entry once}}
func.func @updated_twice(%m: tensor<4xf32> {bn.state = "bn.running_mean"})
    -> (tensor<4xf32> {bn.state = "bn.running_mean"},
        tensor<4xf32> {bn.state = "bn.running_mean"}) {
  return %m, %m : tensor<4xf32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{result #0 updates state "bn.running_mean" of type 'tensor<4xf32>' (argument #0), but has type 'tensor<8xf32>'}}
func.func @update_type_mismatch(%m: tensor<4xf32> {bn.state = "bn.running_mean"},
                                %n: tensor<8xf32>)
    -> (tensor<8xf32> {bn.state = "bn.running_mean"}) {
  return %n : tensor<8xf32>
}

// -----

// expected-error @+1 {{result #0 updates state "bn.running_var", but no argument reads it; add bn.state = "bn.running_var" to the argument it replaces}}
func.func @update_without_argument(%m: tensor<4xf32> {bn.state = "bn.running_mean"})
    -> (tensor<4xf32> {bn.state = "bn.running_var"}) {
  return %m : tensor<4xf32>
}
