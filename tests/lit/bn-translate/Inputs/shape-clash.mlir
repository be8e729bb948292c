func.func @a(%m: tensor<4xf32> {bn.state = "bn.running_mean"}) -> tensor<4xf32>
    attributes {bn.mode = "infer"} {
  return %m : tensor<4xf32>
}
func.func @b(%m: tensor<8xf32> {bn.state = "bn.running_mean"}) -> tensor<8xf32>
    attributes {bn.mode = "infer"} {
  return %m : tensor<8xf32>
}
