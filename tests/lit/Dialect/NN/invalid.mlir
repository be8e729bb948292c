// RUN: bn-opt %s -split-input-file -verify-diagnostics

// One case per verifier rule of the nn ops.

func.func @conv_strides_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{strides must be 2 integers >= 1 [stride_h, stride_w], but got [1]}}
  %0 = nn.conv2d %x, %w {strides = array<i64: 1>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_stride_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{strides must be 2 integers >= 1 [stride_h, stride_w], but got [0, 1]}}
  %0 = nn.conv2d %x, %w {strides = array<i64: 0, 1>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_padding_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{padding must be 4 integers >= 0 [top, bottom, left, right], but got [1, 1]}}
  %0 = nn.conv2d %x, %w {padding = array<i64: 1, 1>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_padding_negative(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{padding must be 4 integers >= 0 [top, bottom, left, right], but got [0, 0, -1, 0]}}
  %0 = nn.conv2d %x, %w {padding = array<i64: 0, 0, -1, 0>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_dilation_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{dilations must be 2 integers >= 1 [dilation_h, dilation_w], but got [1, 0]}}
  %0 = nn.conv2d %x, %w {dilations = array<i64: 1, 0>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{groups must be >= 1, but got 0}}
  %0 = nn.conv2d %x, %w {groups = 0 : i64} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_channels_not_multiple_of_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{input has 6 channels, which is not a multiple of groups = 4}}
  %0 = nn.conv2d %x, %w {groups = 4 : i64} : tensor<1x6x8x8xf32>, tensor<4x1x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_out_channels_not_multiple_of_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{filter has 6 output channels, which is not a multiple of groups = 4}}
  %0 = nn.conv2d %x, %w {groups = 4 : i64} : tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_filter_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x4x3x3xf32>) {
  // expected-error @+1 {{filter 'tensor<4x4x3x3xf32>' (OIHW) has 4 input channels, but the nchw input has 3 channels and groups = 1, so it needs 3}}
  %0 = nn.conv2d %x, %w : tensor<1x3x8x8xf32>, tensor<4x4x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

// An OIHW filter given to an NHWC convolution.
func.func @conv_filter_layout(%x: tensor<1x8x8x16xf32>, %w: tensor<4x16x3x3xf32>) {
  // expected-error @+1 {{filter 'tensor<4x16x3x3xf32>' (HWIO) has 3 input channels, but the nhwc input has 16 channels and groups = 1, so it needs 16}}
  %0 = nn.conv2d %x, %w {layout = #nn.layout<nhwc>} : tensor<1x8x8x16xf32>, tensor<4x16x3x3xf32> -> tensor<1x5x6x3xf32>
  return
}

// -----

func.func @conv_bias_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{bias 'tensor<3xf32>' must have one element per output channel (4)}}
  %0 = nn.conv2d %x, %w, %b : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_output_spatial(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{output type 'tensor<1x4x8x8xf32>' does not match the convolution: dimension 2 must be 6 (nchw layout)}}
  %0 = nn.conv2d %x, %w : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_output_channels(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{output type 'tensor<1x6x6x5xf32>' does not match the convolution: dimension 3 must be 4 (nhwc layout)}}
  %0 = nn.conv2d %x, %w {layout = #nn.layout<nhwc>} : tensor<1x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<1x6x6x5xf32>
  return
}

// -----

func.func @conv_output_batch(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{dimension 0 must be 2}}
  %0 = nn.conv2d %x, %w : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_filter_too_large(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{the dilated filter 'tensor<4x3x3x3xf32>' does not fit in the padded input 'tensor<1x3x2x2xf32>'; add padding or use a smaller filter or dilation}}
  %0 = nn.conv2d %x, %w : tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x1x1xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{operand #0 must be 4D tensor of 32-bit float values, but got 'tensor<3x8x8xf32>'}}
  %0 = nn.conv2d %x, %w : tensor<3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_unknown_layout(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{expected ::bnc::nn::Layout to be one of: nchw, nhwc}}
  // expected-error @+1 {{failed to parse NN_LayoutAttr parameter 'value'}}
  %0 = nn.conv2d %x, %w {layout = #nn.layout<chwn>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @dense_in_features(%x: tensor<8x256xf32>, %w: tensor<10x128xf32>) {
  // expected-error @+1 {{weight 'tensor<10x128xf32>' must be [out_features, in_features] with in_features = 256 to match x 'tensor<8x256xf32>'}}
  %0 = nn.dense %x, %w : tensor<8x256xf32>, tensor<10x128xf32> -> tensor<8x10xf32>
  return
}

// -----

func.func @dense_bias(%x: tensor<8x256xf32>, %w: tensor<10x256xf32>, %b: tensor<256xf32>) {
  // expected-error @+1 {{bias 'tensor<256xf32>' must have one element per output feature (10)}}
  %0 = nn.dense %x, %w, %b : tensor<8x256xf32>, tensor<10x256xf32>, tensor<256xf32> -> tensor<8x10xf32>
  return
}

// -----

func.func @dense_result(%x: tensor<8x256xf32>, %w: tensor<10x256xf32>) {
  // expected-error @+1 {{result type 'tensor<8x256xf32>' must be [8, 10] (batch, out_features)}}
  %0 = nn.dense %x, %w : tensor<8x256xf32>, tensor<10x256xf32> -> tensor<8x256xf32>
  return
}

// -----

func.func @dense_rank(%x: tensor<256xf32>, %w: tensor<10x256xf32>) {
  // expected-error @+1 {{operand #0 must be 2D tensor of 32-bit float values, but got 'tensor<256xf32>'}}
  %0 = nn.dense %x, %w : tensor<256xf32>, tensor<10x256xf32> -> tensor<10xf32>
  return
}

// -----

func.func @relu_type(%x: tensor<4xf32>) {
  // expected-error @+2 {{'nn.relu' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<?xf32>'}}
  // expected-error @+1 {{'nn.relu' op failed to infer returned types}}
  %0 = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<?xf32>
  return
}

// -----

func.func @relu_element_type(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4xi32>'}}
  %0 = nn.relu %x : tensor<4xi32>
  return
}

// -----

func.func @add_no_broadcast(%a: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "nn.add"(%a, %b) : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  return
}
