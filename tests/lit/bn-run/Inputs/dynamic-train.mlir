// Input of dynamic.test: training BN on a dynamic batch; a batch of one
// sample per channel is a run-time error.

func.func @train(%x: tensor<?x2xf32>, %c: tensor<2xf32>) -> (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>)
    attributes {bn.mode = "train"} {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<?x2xf32>, tensor<2xf32>
  return %y, %m, %v : tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>
}
