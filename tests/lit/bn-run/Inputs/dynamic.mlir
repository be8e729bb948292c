// Input of dynamic.test: inference BN on a dynamic batch.

func.func @f(%x: tensor<?x2xf32>, %c: tensor<2xf32>) -> tensor<?x2xf32>
    attributes {bn.mode = "infer"} {
  %y = bn.batch_norm_infer %x, %c, %c, %c, %c : tensor<?x2xf32>, tensor<2xf32>
  return %y : tensor<?x2xf32>
}
