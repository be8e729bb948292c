// Inputs of malformed.test: each section must be an error, not a crash.

func.func @missing_operands(%x: tensor<8x16xf32>) {
  %y, %a, %b, %c, %d = bn.batch_norm_train %x : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @generic_too_few_operands(%x: tensor<8x16xf32>) {
  %r:5 = "bn.batch_norm_train"(%x) : (tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
  return
}

// -----

func.func @generic_too_few_results(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  %r:3 = "bn.batch_norm_train"(%x, %c, %c, %c, %c) : (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
  return
}

// -----

func.func @too_few_operands(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  %y = bn.batch_norm_infer %x, %c, %c, %c : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @property_of_wrong_kind(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  %0 = "nn.conv2d"(%x, %w) <{strides = 2 : i64}> : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @dense_without_operands() {
  %0 = "nn.dense"() : () -> tensor<8x10xf32>
  return
}

// -----

func.func @undefined_value(%x: tensor<8x16xf32>) {
  %y = bn.affine %x, %mul, %add : tensor<8x16xf32>, tensor<16xf32>
  return
}

// -----

func.func @missing_types(%x: tensor<8x16xf32>, %c: tensor<16xf32>) {
  %y = bn.affine %x, %c, %c
  return
}

// -----

func.func @stats_one_result(%x: tensor<8x16xf32>) {
  %m = "bn.stats"(%x) : (tensor<8x16xf32>) -> tensor<16xf32>
  return
}
