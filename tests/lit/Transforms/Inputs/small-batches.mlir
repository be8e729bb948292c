// Input of bn-check-batch-size.mlir for a non-default min-samples.
func.func @four(%x: tensor<2x16x2x1xf32>, %c: tensor<16xf32>) {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<2x16x2x1xf32>, tensor<16xf32>
  return
}
func.func @three(%x: tensor<3x1x1x64xf32>, %c: tensor<64xf32>) {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c {feature_axis = 3 : i64} : tensor<3x1x1x64xf32>, tensor<64xf32>
  return
}
