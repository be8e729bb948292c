// A ResNet basic block in training mode, NCHW: two conv -> BN stages and an
// identity shortcut.
//
//   x -> conv1 -> bn1 -> relu -> conv2 -> bn2 -> (+ x) -> relu
//
// Both BNs return their updated running statistics; dropping either would be
// the "training never updates the running statistics" bug, which
// bn-verify-modes rejects.
func.func @train_step(%x: tensor<8x16x16x16xf32> {bn.name = "x"},
                      %conv1_weight: tensor<16x16x3x3xf32> {bn.state = "conv1.weight"},
                      %bn1_weight: tensor<16xf32> {bn.state = "bn1.weight"},
                      %bn1_bias: tensor<16xf32> {bn.state = "bn1.bias"},
                      %bn1_running_mean: tensor<16xf32> {bn.state = "bn1.running_mean"},
                      %bn1_running_var: tensor<16xf32> {bn.state = "bn1.running_var"},
                      %conv2_weight: tensor<16x16x3x3xf32> {bn.state = "conv2.weight"},
                      %bn2_weight: tensor<16xf32> {bn.state = "bn2.weight"},
                      %bn2_bias: tensor<16xf32> {bn.state = "bn2.bias"},
                      %bn2_running_mean: tensor<16xf32> {bn.state = "bn2.running_mean"},
                      %bn2_running_var: tensor<16xf32> {bn.state = "bn2.running_var"})
    -> (tensor<8x16x16x16xf32> {bn.name = "y"},
        tensor<16xf32> {bn.state = "bn1.running_mean"},
        tensor<16xf32> {bn.state = "bn1.running_var"},
        tensor<16xf32> {bn.state = "bn2.running_mean"},
        tensor<16xf32> {bn.state = "bn2.running_var"})
    attributes {bn.mode = "train"} {
  %conv1 = nn.conv2d %x, %conv1_weight {padding = array<i64: 1, 1, 1, 1>}
      : tensor<8x16x16x16xf32>, tensor<16x16x3x3xf32> -> tensor<8x16x16x16xf32>
  %y1, %mean1, %var1, %batch_mean1, %batch_inv_std1 =
      bn.batch_norm_train %conv1, %bn1_weight, %bn1_bias, %bn1_running_mean,
                          %bn1_running_var
          : tensor<8x16x16x16xf32>, tensor<16xf32>
  %relu1 = nn.relu %y1 : tensor<8x16x16x16xf32>
  %conv2 = nn.conv2d %relu1, %conv2_weight {padding = array<i64: 1, 1, 1, 1>}
      : tensor<8x16x16x16xf32>, tensor<16x16x3x3xf32> -> tensor<8x16x16x16xf32>
  %y2, %mean2, %var2, %batch_mean2, %batch_inv_std2 =
      bn.batch_norm_train %conv2, %bn2_weight, %bn2_bias, %bn2_running_mean,
                          %bn2_running_var
          : tensor<8x16x16x16xf32>, tensor<16xf32>
  %sum = nn.add %y2, %x : tensor<8x16x16x16xf32>
  %out = nn.relu %sum : tensor<8x16x16x16xf32>
  return %out, %mean1, %var1, %mean2, %var2
      : tensor<8x16x16x16xf32>, tensor<16xf32>, tensor<16xf32>,
        tensor<16xf32>, tensor<16xf32>
}
