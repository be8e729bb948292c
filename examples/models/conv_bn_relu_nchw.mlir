// A conv -> BN -> ReLU block in training mode, NCHW (PyTorch's layout).
//
// One training step: the BN normalises with the batch statistics and returns
// the updated running statistics, which the caller feeds into the next step.
// The batch mean and inverse standard deviation are returned for the backward
// pass.
func.func @train_step(%x: tensor<8x3x16x16xf32>,
                      %conv_weight: tensor<16x3x3x3xf32>,
                      %bn_weight: tensor<16xf32>, %bn_bias: tensor<16xf32>,
                      %bn_running_mean: tensor<16xf32>,
                      %bn_running_var: tensor<16xf32>)
    -> (tensor<8x16x16x16xf32>, tensor<16xf32>, tensor<16xf32>,
        tensor<16xf32>, tensor<16xf32>)
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
