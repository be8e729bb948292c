// A conv -> BN -> ReLU block in training mode, NHWC (TensorFlow's layout):
// HWIO filter, channels last (feature_axis = 3), Keras's BN momentum 0.99
// mapped to bnc's momentum = 1 - 0.99 and its biased running variance.
func.func @train_step(%x: tensor<8x16x16x3xf32> {bn.name = "x"},
                      %conv_weight: tensor<3x3x3x16xf32> {bn.state = "conv.weight"},
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
  %conv = nn.conv2d %x, %conv_weight
      {padding = array<i64: 1, 1, 1, 1>, layout = #nn.layout<nhwc>}
      : tensor<8x16x16x3xf32>, tensor<3x3x3x16xf32> -> tensor<8x16x16x16xf32>
  %y, %new_mean, %new_var, %batch_mean, %batch_inv_std =
      bn.batch_norm_train %conv, %bn_weight, %bn_bias, %bn_running_mean,
                          %bn_running_var
          {epsilon = 1.0e-03 : f32, momentum = 1.0e-02 : f32,
           feature_axis = 3 : i64, running_var_update = #bn.variance<biased>}
          : tensor<8x16x16x16xf32>, tensor<16xf32>
  %out = nn.relu %y : tensor<8x16x16x16xf32>
  return %out, %new_mean, %new_var, %batch_mean, %batch_inv_std
      : tensor<8x16x16x16xf32>, tensor<16xf32>, tensor<16xf32>,
        tensor<16xf32>, tensor<16xf32>
}
