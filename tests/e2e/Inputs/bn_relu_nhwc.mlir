// BN -> ReLU in training mode, NHWC, no layer around it: the inference
// that bn-derive-inference derives from it computes element by element, so
// its kernel's buffers view the activations as rows of channels
// (LoweredPipeline in compiler/Codegen/Halide/Lowering.h). Rows and
// channels with vector tails.
func.func @train_step(%x: tensor<4x6x5x20xf32> {bn.name = "x"},
                      %bn_weight: tensor<20xf32> {bn.state = "bn.weight"},
                      %bn_bias: tensor<20xf32> {bn.state = "bn.bias"},
                      %bn_running_mean: tensor<20xf32> {bn.state = "bn.running_mean"},
                      %bn_running_var: tensor<20xf32> {bn.state = "bn.running_var"})
    -> (tensor<4x6x5x20xf32> {bn.name = "y"},
        tensor<20xf32> {bn.state = "bn.running_mean"},
        tensor<20xf32> {bn.state = "bn.running_var"})
    attributes {bn.mode = "train"} {
  %y, %new_mean, %new_var, %batch_mean, %batch_inv_std =
      bn.batch_norm_train %x, %bn_weight, %bn_bias, %bn_running_mean,
                          %bn_running_var {feature_axis = 3 : i64}
          : tensor<4x6x5x20xf32>, tensor<20xf32>
  %out = nn.relu %y : tensor<4x6x5x20xf32>
  return %out, %new_mean, %new_var
      : tensor<4x6x5x20xf32>, tensor<20xf32>, tensor<20xf32>
}
