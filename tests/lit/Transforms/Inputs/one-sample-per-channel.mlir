// Input of bn-check-batch-size.mlir: m == 1 is a verifier error, so it is
// reported before the pass runs.
func.func @one(%x: tensor<1x16x1x1xf32>, %c: tensor<16xf32>) {
  %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c : tensor<1x16x1x1xf32>, tensor<16xf32>
  return
}
