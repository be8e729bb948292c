// Classic BN bug 3: a batch of two 1x1 feature maps gives statistics over two
// values per channel. `bn-opt --bn-check-batch-size` warns.
func.func @train_step(%x: tensor<2x256x1x1xf32>, %weight: tensor<256xf32>,
                      %bias: tensor<256xf32>, %running_mean: tensor<256xf32>,
                      %running_var: tensor<256xf32>)
    -> (tensor<2x256x1x1xf32>, tensor<256xf32>, tensor<256xf32>)
    attributes {bn.mode = "train"} {
  %y, %new_mean, %new_var, %batch_mean, %batch_inv_std =
      bn.batch_norm_train %x, %weight, %bias, %running_mean, %running_var
          : tensor<2x256x1x1xf32>, tensor<256xf32>
  return %y, %new_mean, %new_var
      : tensor<2x256x1x1xf32>, tensor<256xf32>, tensor<256xf32>
}
