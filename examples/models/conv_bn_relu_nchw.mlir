// A conv -> BN -> ReLU block in training mode, NCHW (PyTorch's layout).
//
// One training step: the BN normalises with the batch statistics and returns
// the updated running statistics, which the caller feeds into the next step.
// The batch mean and inverse standard deviation are returned for the backward
// pass.
//
// `bn.state` names the arguments that are the model's state with PyTorch's
// state_dict keys, and the results that are their new values: the runtime
// keeps that state between steps and commits a step's updates only when the
// step succeeds. `bn.name` names the data going in and out.
func.func @train_step(%x: tensor<8x3x16x16xf32> {bn.name = "x"},
                      %conv_weight: tensor<16x3x3x3xf32> {bn.state = "conv.weight"},
                      %bn_weight: tensor<16xf32> {bn.state = "bn.weight"},
                      %bn_bias: tensor<16xf32> {bn.state = "bn.bias"},
                      %bn_running_mean: tensor<16xf32> {bn.state = "bn.running_mean"},
                      %bn_running_var: tensor<16xf32> {bn.state = "bn.running_var"})
    -> (tensor<8x16x16x16xf32> {bn.name = "y"},
        tensor<16xf32> {bn.state = "bn.running_mean"},
        tensor<16xf32> {bn.state = "bn.running_var"},
        tensor<16xf32> {bn.name = "batch_mean"},
        tensor<16xf32> {bn.name = "batch_inv_std"})
    attributes {bn.mode = "train"} {
  %conv = nn.conv2d %x, %conv_weight {padding = array<i64: 1, 1, 1, 1>}
      : tensor<8x3x16x16xf32>, tensor<16x3x3x3xf32> -> tensor<8x16x16x16xf32>
  %y, %new_mean, %new_var, %batch_mean, %batch_inv_std =
      bn.batch_norm_train %conv, %bn_weight, %bn_bias, %bn_running_mean,
                          %bn_running_var
          {epsilon = 1.0e-05 : f32, momentum = 1.0e-01 : f32}
          : tensor<8x16x16x16xf32>, tensor<16xf32>
  %out = nn.relu %y : tensor<8x16x16x16xf32>
  return %out, %new_mean, %new_var, %batch_mean, %batch_inv_std
      : tensor<8x16x16x16xf32>, tensor<16xf32>, tensor<16xf32>,
        tensor<16xf32>, tensor<16xf32>
}
