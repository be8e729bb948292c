//===- NNOps.td - Operations of the nn dialect -------------*- tablegen -*-===//
//
// Part of bnc. Convolution, dense, ReLU and add.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_NN_IR_NNOPS_TD
#define BNC_DIALECTS_NN_IR_NNOPS_TD

include "dialects/nn/IR/NNAttrs.td"
include "dialects/nn/IR/NNDialect.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def NN_Tensor : RankedTensorOf<[F32]>;
def NN_4DTensor : TensorRankOf<[F32], [4]>;
def NN_2DTensor : TensorRankOf<[F32], [2]>;
def NN_1DTensor : TensorRankOf<[F32], [1]>;

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

def NN_Conv2DOp : NN_Op<"conv2d", [Pure]> {
  let summary = "2-D convolution, NCHW/OIHW or NHWC/HWIO, grouped, with optional bias";
  let description = [{
    A 2-D cross-correlation (the deep-learning convolution):

    ```
    output[n, o, y, x] = bias[o] + sum over c in group(o), ky, kx of
        input[n, c, y * stride_h + ky * dilation_h - pad_top,
                    x * stride_w + kx * dilation_w - pad_left]
        * filter[o, c mod (C / groups), ky, kx]
    ```

    with zero padding outside the input. The `layout` names where the
    dimensions are: `#nn.layout<nchw>` (the default) takes an NCHW input and an
    OIHW filter; `#nn.layout<nhwc>` an NHWC input and an HWIO filter. The filter
    has `C / groups` input channels; `C` and the number of output channels `O`
    must both be multiples of `groups` (`groups = C` is a depthwise
    convolution).

    - `strides`: `[stride_h, stride_w]`, default `[1, 1]`;
    - `padding`: `[top, bottom, left, right]`, default `[0, 0, 0, 0]`;
    - `dilations`: `[dilation_h, dilation_w]`, default `[1, 1]`;
    - `bias`: optional `tensor<Oxf32>`.

    The output height is
    `(H + top + bottom - dilation_h * (KH - 1) - 1) / stride_h + 1`, rounded
    down, and the width likewise.

    Example (a 3x3 "same" convolution, NHWC):

    ```mlir
    %y = nn.conv2d %x, %w, %b
             {padding = array<i64: 1, 1, 1, 1>, layout = #nn.layout<nhwc>}
             : tensor<8x32x32x16xf32>, tensor<3x3x16x32xf32>, tensor<32xf32>
             -> tensor<8x32x32x32xf32>
    ```
  }];

  let arguments = (ins
    NN_4DTensor:$input,
    NN_4DTensor:$filter,
    Optional<NN_1DTensor>:$bias,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<I64Attr, "1">:$groups,
    DefaultValuedAttr<NN_LayoutAttr, "::bnc::nn::Layout::nchw">:$layout
  );
  let results = (outs NN_4DTensor:$output);

  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict
    `:` type($input) `,` type($filter) (`,` type($bias)^)? `->` type($output)
  }];

  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// Where N, C, H and W are in the input and the output.
    static constexpr int64_t kBatchDim = 0;
    int64_t getChannelDim() { return getLayout() == Layout::nchw ? 1 : 3; }
    int64_t getHeightDim() { return getLayout() == Layout::nchw ? 2 : 1; }
    int64_t getWidthDim() { return getLayout() == Layout::nchw ? 3 : 2; }
    /// Where O, I, KH and KW are in the filter (OIHW or HWIO).
    int64_t getFilterOutputChannelDim() {
      return getLayout() == Layout::nchw ? 0 : 3;
    }
    int64_t getFilterInputChannelDim() {
      return getLayout() == Layout::nchw ? 1 : 2;
    }
    int64_t getFilterHeightDim() { return getLayout() == Layout::nchw ? 2 : 0; }
    int64_t getFilterWidthDim() { return getLayout() == Layout::nchw ? 3 : 1; }
  }];
}

//===----------------------------------------------------------------------===//
// DenseOp
//===----------------------------------------------------------------------===//

def NN_DenseOp : NN_Op<"dense", [Pure]> {
  let summary = "Fully connected layer: y = x W^T + b";
  let description = [{
    `y[n, o] = bias[o] + sum over i of x[n, i] * weight[o, i]`: the weight is
    `[out_features, in_features]`, as in PyTorch's `nn.Linear`; `bias` is an
    optional `tensor<out_featuresxf32>`.

    Example:

    ```mlir
    %y = nn.dense %x, %w, %b : tensor<8x256xf32>, tensor<10x256xf32>,
                               tensor<10xf32> -> tensor<8x10xf32>
    ```
  }];

  let arguments = (ins
    NN_2DTensor:$x,
    NN_2DTensor:$weight,
    Optional<NN_1DTensor>:$bias
  );
  let results = (outs NN_2DTensor:$y);

  let assemblyFormat = [{
    $x `,` $weight (`,` $bias^)? attr-dict
    `:` type($x) `,` type($weight) (`,` type($bias)^)? `->` type($y)
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ReluOp
//===----------------------------------------------------------------------===//

def NN_ReluOp : NN_Op<"relu", [Pure, SameOperandsAndResultType]> {
  let summary = "Rectified linear unit: y = max(x, 0)";
  let description = [{
    Element-wise `max(x, 0)`.

    Example:

    ```mlir
    %y = nn.relu %x : tensor<8x16x32x32xf32>
    ```
  }];

  let arguments = (ins NN_Tensor:$x);
  let results = (outs NN_Tensor:$y);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

//===----------------------------------------------------------------------===//
// AddOp
//===----------------------------------------------------------------------===//

def NN_AddOp : NN_Op<"add", [Pure, Commutative, SameOperandsAndResultType]> {
  let summary = "Element-wise sum of two tensors of the same type";
  let description = [{
    `y = lhs + rhs`, element by element, without broadcasting: the residual
    connection of a ResNet block.

    Example:

    ```mlir
    %y = nn.add %a, %b : tensor<8x16x32x32xf32>
    ```
  }];

  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs);
  let results = (outs NN_Tensor:$y);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($y)";
}

#endif // BNC_DIALECTS_NN_IR_NNOPS_TD
