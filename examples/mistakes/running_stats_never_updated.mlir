// Classic BN bug 2: the training step computes the new running statistics
// and drops them, so inference later uses the initial ones.
// `bn-opt --bn-verify-modes` rejects it.
func.func @train_step(%x: tensor<8x16x16x16xf32>, %weight: tensor<16xf32>,
                      %bias: tensor<16xf32>, %running_mean: tensor<16xf32>,
                      %running_var: tensor<16xf32>) -> tensor<8x16x16x16xf32>
    attributes {bn.mode = "train"} {
  %y, %new_mean, %new_var, %batch_mean, %batch_inv_std =
      bn.batch_norm_train %x, %weight, %bias, %running_mean, %running_var
          : tensor<8x16x16x16xf32>, tensor<16xf32>
  return %y : tensor<8x16x16x16xf32>
}
