//===- BNOps.td - Operations of the bn dialect -------------*- tablegen -*-===//
//
// Part of bnc. The Batch Normalization ops; their exact semantics are in
// shared/DESIGN.md and repeated in each op's description.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_BN_IR_BNOPS_TD
#define BNC_DIALECTS_BN_IR_BNOPS_TD

include "dialects/bn/IR/BNAttrs.td"
include "dialects/bn/IR/BNDialect.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def BN_Tensor : RankedTensorOf<[F32]>;
def BN_ChannelTensor : 1DTensorOf<[F32]>;

// Every bn op normalises `x` per channel along `feature_axis`; the shared
// verifier checks the axis, the per-channel operands and the element counts.
class BN_PerChannelOp<string mnemonic, list<Trait> traits = []>
    : BN_Op<mnemonic, !listconcat(traits, [Pure])> {
  let hasVerifier = 1;
  code extraBaseClassDeclaration = [{
    /// The channel dimension of `x`, with a negative `feature_axis` resolved.
    int64_t getChannelDim() {
      return ::bnc::bn::resolveFeatureAxis(getFeatureAxis(),
                                           getX().getType().getRank());
    }
    /// `m`, the number of elements per channel, when it is static.
    std::optional<int64_t> getStaticSamplesPerChannel() {
      return ::bnc::bn::getStaticSamplesPerChannel(getX().getType(),
                                                   getChannelDim());
    }
  }];
  let extraClassDeclaration = extraBaseClassDeclaration;
}

//===----------------------------------------------------------------------===//
// BatchNormTrainOp
//===----------------------------------------------------------------------===//

def BN_BatchNormTrainOp : BN_PerChannelOp<"batch_norm_train", [
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    AllTypesMatch<["x", "y"]>,
    AllTypesMatch<["scale", "offset", "running_mean", "running_var",
                   "new_running_mean", "new_running_var", "batch_mean",
                   "batch_inv_std"]>]> {
  let summary = "Batch Normalization in training mode";
  let description = [{
    Normalises `x` with the statistics of the batch and updates the running
    statistics, which enter as operands and leave as results:

    ```
    mean    = sum(x) / m
    var     = sum((x - mean)^2) / m          (biased: used to normalise)
    inv_std = 1 / sqrt(var + epsilon)
    y       = (x - mean) * inv_std * scale + offset
    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var  = (1 - momentum) * running_var
                     + momentum * (unbiased ? var * m / (m - 1) : var)
    ```

    `momentum` is the weight of the *batch* statistic (PyTorch's convention;
    Keras and ONNX write `running = k * running + (1 - k) * batch`, which is
    `momentum = 1 - k`). `running_var_update` says which batch variance feeds
    the running variance: `#bn.variance<unbiased>` (PyTorch, the default) or
    `#bn.variance<biased>` (TensorFlow, Keras, ONNX). `batch_mean` and
    `batch_inv_std` are what `bn.batch_norm_grad` needs.

    A statically known `m == 1` is rejected: the variance of one value is zero
    and training on it is meaningless (PyTorch raises the same error at run
    time).

    Example (NCHW):

    ```mlir
    %y, %new_mean, %new_var, %mean, %inv_std =
        bn.batch_norm_train %x, %scale, %offset, %running_mean, %running_var
            {epsilon = 1.0e-05 : f32, momentum = 1.0e-01 : f32}
            : tensor<8x16x32x32xf32>, tensor<16xf32>
    ```
  }];

  let arguments = (ins
    BN_Tensor:$x,
    BN_ChannelTensor:$scale,
    BN_ChannelTensor:$offset,
    BN_ChannelTensor:$running_mean,
    BN_ChannelTensor:$running_var,
    DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
    DefaultValuedAttr<F32Attr, "0.1">:$momentum,
    DefaultValuedAttr<I64Attr, "1">:$feature_axis,
    DefaultValuedAttr<BN_VarianceEstimatorAttr,
                      "::bnc::bn::VarianceEstimator::unbiased">:$running_var_update
  );
  let results = (outs
    BN_Tensor:$y,
    BN_ChannelTensor:$new_running_mean,
    BN_ChannelTensor:$new_running_var,
    BN_ChannelTensor:$batch_mean,
    BN_ChannelTensor:$batch_inv_std
  );

  let assemblyFormat = [{
    $x `,` $scale `,` $offset `,` $running_mean `,` $running_var attr-dict
    `:` type($x) `,` type($scale)
  }];
}

//===----------------------------------------------------------------------===//
// BatchNormInferOp
//===----------------------------------------------------------------------===//

def BN_BatchNormInferOp : BN_PerChannelOp<"batch_norm_infer", [
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    AllTypesMatch<["x", "y"]>,
    AllTypesMatch<["scale", "offset", "mean", "var"]>]> {
  let summary = "Batch Normalization in inference mode";
  let description = [{
    Normalises `x` with given statistics, usually the running statistics of a
    trained model:

    ```
    y = (x - mean) / sqrt(var + epsilon) * scale + offset
    ```

    Inside a `train` entry point this op is a warning (eval-mode BN while
    training is the classic mode bug) unless it carries the `frozen` unit
    attribute, which says that the BN is frozen on purpose, as when
    fine-tuning.

    Example (NHWC):

    ```mlir
    %y = bn.batch_norm_infer %x, %scale, %offset, %mean, %var
             {epsilon = 1.0e-03 : f32, feature_axis = 3 : i64}
             : tensor<8x32x32x16xf32>, tensor<16xf32>
    ```
  }];

  let arguments = (ins
    BN_Tensor:$x,
    BN_ChannelTensor:$scale,
    BN_ChannelTensor:$offset,
    BN_ChannelTensor:$mean,
    BN_ChannelTensor:$var,
    DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
    DefaultValuedAttr<I64Attr, "1">:$feature_axis,
    UnitAttr:$frozen
  );
  let results = (outs BN_Tensor:$y);

  let assemblyFormat = [{
    $x `,` $scale `,` $offset `,` $mean `,` $var attr-dict
    `:` type($x) `,` type($scale)
  }];
}

//===----------------------------------------------------------------------===//
// BatchNormGradOp
//===----------------------------------------------------------------------===//

def BN_BatchNormGradOp : BN_PerChannelOp<"batch_norm_grad", [
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    AllTypesMatch<["x", "dy", "dx"]>,
    AllTypesMatch<["scale", "batch_mean", "batch_inv_std", "dscale",
                   "doffset"]>]> {
  let summary = "Gradient of training-mode Batch Normalization";
  let description = [{
    The gradients of `bn.batch_norm_train`'s `y` with respect to `x`, `scale`
    and `offset`, given the upstream gradient `dy` and the batch statistics
    that the forward op returned:

    ```
    xhat    = (x - batch_mean) * batch_inv_std
    doffset = sum(dy)
    dscale  = sum(dy * xhat)
    dx      = scale * batch_inv_std / m * (m * dy - doffset - xhat * dscale)
    ```

    Example:

    ```mlir
    %dx, %dscale, %doffset =
        bn.batch_norm_grad %x, %scale, %mean, %inv_std, %dy
            : tensor<8x16x32x32xf32>, tensor<16xf32>
    ```
  }];

  let arguments = (ins
    BN_Tensor:$x,
    BN_ChannelTensor:$scale,
    BN_ChannelTensor:$batch_mean,
    BN_ChannelTensor:$batch_inv_std,
    BN_Tensor:$dy,
    DefaultValuedAttr<I64Attr, "1">:$feature_axis
  );
  let results = (outs
    BN_Tensor:$dx,
    BN_ChannelTensor:$dscale,
    BN_ChannelTensor:$doffset
  );

  let assemblyFormat = [{
    $x `,` $scale `,` $batch_mean `,` $batch_inv_std `,` $dy attr-dict
    `:` type($x) `,` type($scale)
  }];
}

//===----------------------------------------------------------------------===//
// StatsOp
//===----------------------------------------------------------------------===//

def BN_StatsOp : BN_PerChannelOp<"stats", [
    AllTypesMatch<["mean", "var"]>]> {
  let summary = "Per-channel mean and biased variance";
  let description = [{
    The statistics that training-mode BN normalises with:

    ```
    mean = sum(x) / m
    var  = sum((x - mean)^2) / m
    ```

    Lowerings must compute them robustly in `f32` (Welford, or a two-pass or
    shifted sum): the naive `sum(x^2)/m - mean^2` loses all precision when the
    mean is large compared to the standard deviation.

    Example:

    ```mlir
    %mean, %var = bn.stats %x : tensor<8x16x32x32xf32> -> tensor<16xf32>
    ```
  }];

  let arguments = (ins
    BN_Tensor:$x,
    DefaultValuedAttr<I64Attr, "1">:$feature_axis
  );
  let results = (outs
    BN_ChannelTensor:$mean,
    BN_ChannelTensor:$var
  );

  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($mean)";
}

//===----------------------------------------------------------------------===//
// AffineOp
//===----------------------------------------------------------------------===//

def BN_AffineOp : BN_PerChannelOp<"affine", [
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    AllTypesMatch<["x", "y"]>,
    AllTypesMatch<["mul", "add"]>]> {
  let summary = "Per-channel scale and shift";
  let description = [{
    `y = x * mul + add`, with `mul` and `add` broadcast along every dimension
    but the channel. This is what an inference BN becomes once its statistics
    are folded: `mul = scale / sqrt(var + epsilon)`,
    `add = offset - mean * mul`.

    Example:

    ```mlir
    %y = bn.affine %x, %mul, %add : tensor<8x16x32x32xf32>, tensor<16xf32>
    ```
  }];

  let arguments = (ins
    BN_Tensor:$x,
    BN_ChannelTensor:$mul,
    BN_ChannelTensor:$add,
    DefaultValuedAttr<I64Attr, "1">:$feature_axis
  );
  let results = (outs BN_Tensor:$y);

  let assemblyFormat = [{
    $x `,` $mul `,` $add attr-dict `:` type($x) `,` type($mul)
  }];
}

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

def BN_KernelOp : BN_Op<"kernel", [
    IsolatedFromAbove, RecursiveMemoryEffects,
    SingleBlockImplicitTerminator<"::bnc::bn::YieldOp">]> {
  let summary = "A group of ops that code generation emits as one kernel";
  let description = [{
    `bn-fuse` groups a BN op with the element-wise ops that consume it (ReLU,
    the residual add) into a `bn.kernel`, and code generation emits each
    kernel as one fused loop nest. The body takes the kernel's inputs as
    block arguments and yields its results; it sees nothing from outside
    (`IsolatedFromAbove`), so a kernel can be scheduled and compiled on its
    own.

    `schedule`, attached by `bn-schedule`, says how: `#bn.schedule<cpu>`,
    `#bn.schedule<cuda>` or `#bn.schedule<auto>`.

    Example:

    ```mlir
    %y = bn.kernel (%x, %mul, %add) {schedule = #bn.schedule<cpu>}
        : (tensor<8x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<8x16x4x4xf32> {
    ^bb0(%bx: tensor<8x16x4x4xf32>, %bmul: tensor<16xf32>, %badd: tensor<16xf32>):
      %a = bn.affine %bx, %bmul, %badd : tensor<8x16x4x4xf32>, tensor<16xf32>
      %r = nn.relu %a : tensor<8x16x4x4xf32>
      bn.yield %r : tensor<8x16x4x4xf32>
    }
    ```
  }];

  let arguments = (ins
    Variadic<AnyType>:$inputs,
    OptionalAttr<BN_ScheduleAttr>:$schedule
  );
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);

  let assemblyFormat = [{
    `(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body
  }];

  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes, "::mlir::ValueRange":$inputs)>
  ];
}

def BN_YieldOp : BN_Op<"yield", [
    Pure, Terminator, ReturnLike, HasParent<"::bnc::bn::KernelOp">]> {
  let summary = "The results of a bn.kernel";
  let description = [{
    Terminates the body of a `bn.kernel` with the values it returns, in the
    order and of the types of the kernel's results.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let builders = [OpBuilder<(ins), [{ /* no values */ }]>];
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

#endif // BNC_DIALECTS_BN_IR_BNOPS_TD
