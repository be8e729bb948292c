// Input of bn-run tests: one training step of a 2-channel BN. Channel 0 of
// x_4x2.npy is [1, 3, 5, 7] (mean 4, biased variance 5, unbiased 20/3),
// channel 1 is constant 2.
func.func @train_step(%x: tensor<4x2xf32>, %scale: tensor<2xf32>,
                      %offset: tensor<2xf32>, %running_mean: tensor<2xf32>,
                      %running_var: tensor<2xf32>)
    -> (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {bn.mode = "train"} {
  %y, %mean, %var, %batch_mean, %batch_inv_std =
      bn.batch_norm_train %x, %scale, %offset, %running_mean, %running_var
          : tensor<4x2xf32>, tensor<2xf32>
  return %y, %mean, %var : tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>
}
