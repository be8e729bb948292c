// Input of pipelines.mlir: an inference entry point that trains.
func.func @predict(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
    attributes {bn.mode = "infer"} {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return %y : tensor<8x16xf32>
}
