//===- Passes.td - The bnc passes --------------------------*- tablegen -*-===//
//
// Part of bnc. Every bn-opt pass, with its summary, description and options.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_COMPILER_TRANSFORMS_PASSES_TD
#define BNC_COMPILER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def BNVerifyModesPass : Pass<"bn-verify-modes", "::mlir::ModuleOp"> {
  let summary = "Check that every entry point uses BN in its declared mode";
  let description = [{
    Entry points declare their mode with `bn.mode = "train"` or
    `bn.mode = "infer"` on the function. This pass turns the classic BN mode
    bugs into compile-time diagnostics, following calls from each entry point:

    - error: a `bn.batch_norm_train` reachable from an `infer` entry point
      (inference would normalise with batch statistics);
    - warning: a `bn.batch_norm_infer` reachable from a `train` entry point,
      unless the op is marked `frozen` (the BN would silently not train);
    - error: a `bn.batch_norm_train` in a `train` entry point whose new
      running mean or variance never reaches a result of the entry point
      (training would never update the running statistics);
    - error: a public function that contains BN ops, directly or through
      calls, but has no `bn.mode` (private functions are helpers and are
      checked through the entry points that call them).

    Example:

    ```mlir
    func.func @predict(%x: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<8x16xf32>
        attributes {bn.mode = "infer"} {
      // error: bn.batch_norm_train in inference entry point @predict
      %y, %m, %v, %bm, %bi = bn.batch_norm_train %x, %c, %c, %c, %c
          : tensor<8x16xf32>, tensor<16xf32>
      return %y : tensor<8x16xf32>
    }
    ```
  }];
  let dependentDialects = ["::bnc::bn::BNDialect"];
}

def BNCheckBatchSizePass : Pass<"bn-check-batch-size"> {
  let summary = "Warn when training BN normalises over too few values per channel";
  let description = [{
    Batch statistics over few values are noisy, and a model trained on them
    behaves differently at inference. For every `bn.batch_norm_train` this
    pass looks at `m`, the number of values per channel (the product of all
    dimensions but the channel):

    - a warning when a static `m` is below `min-samples`, naming `m`, the
      threshold and the remedies (a larger batch, GroupNorm or LayerNorm, or a
      frozen BN);
    - a remark when `m` is dynamic: the check then happens at run time, where
      `m == 1` is an error.

    `m == 1` itself is rejected by the op verifier before any pass runs.

    Example: `bn-opt --bn-check-batch-size=min-samples=32 model.mlir`.
  }];
  let options = [
    Option<"minSamples", "min-samples", "int64_t", /*default=*/"16",
           "The smallest number of values per channel that does not warn">
  ];
}

def BNDeriveInferencePass : Pass<"bn-derive-inference", "::mlir::ModuleOp"> {
  let summary = "Derive the inference entry point from each training entry point";
  let description = [{
    For every entry point `@f` with `bn.mode = "train"`, creates `@f_infer`
    with `bn.mode = "infer"` and `bn.derived_from = @f`, in which:

    - each `bn.batch_norm_train` becomes a `bn.batch_norm_infer` over the
      running statistics, with the same scale, offset, epsilon and axis;
    - the results of `@f` that come from the new running statistics or the
      batch statistics (state updates, gradients) are removed, and everything
      that only fed them is erased.

    Arguments that only training reads (an incoming gradient, say) are
    removed; the others keep their attributes, so `@f_infer` reads the same
    `bn.state` entries as `@f` and one state object serves both. The
    inference program is derived, not written twice, so the two cannot
    disagree.

    The pass is idempotent: an `@f_infer` that was derived from `@f` is
    re-derived in place. A different symbol named `@f_infer` is an error, as
    is a training entry point that reaches BN ops through calls (inline
    first).
  }];
  let dependentDialects = ["::bnc::bn::BNDialect"];
}

def BNFoldInferencePass : Pass<"bn-fold-inference"> {
  let summary = "Fold the statistics of inference BN into a per-channel scale and shift";
  let description = [{
    Rewrites each `bn.batch_norm_infer` into `bn.affine` with

    ```
    mul = scale / sqrt(var + epsilon)
    add = offset - mean * mul
    ```

    When scale, offset, mean and var are constants, `mul` and `add` are
    computed here (in double precision, rounded once to f32) and become dense
    constants. Otherwise they are computed with `arith` and `math` ops on the
    `tensor<Cxf32>` operands.

    Example:

    ```mlir
    %y = bn.batch_norm_infer %x, %scale, %offset, %mean, %var
        : tensor<8x16x4x4xf32>, tensor<16xf32>
    // becomes
    %y = bn.affine %x, %mul, %add : tensor<8x16x4x4xf32>, tensor<16xf32>
    ```
  }];
  let dependentDialects = ["::bnc::bn::BNDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def BNFoldIntoProducerPass : Pass<"bn-fold-into-producer"> {
  let summary = "Fold a constant bn.affine into the preceding conv2d or dense layer";
  let description = [{
    A `bn.affine` with constant `mul` and `add` whose input is the only use of
    an `nn.conv2d` or `nn.dense` result with a constant filter (and a constant
    bias, or none) disappears into that layer:

    ```
    filter'[o, ...] = filter[o, ...] * mul[o]
    bias'[o]        = bias[o] * mul[o] + add[o]
    ```

    for NCHW/OIHW and NHWC/HWIO convolutions, grouped ones included, and for
    dense layers. The affine must scale the layer's output channels.

    Nothing is folded when the layer's result has other uses (they would see
    the scaled values), when the weights are not constants, or when the affine
    comes *before* the layer: a shift does not commute with the zero padding
    of a following convolution.
  }];
  let dependentDialects = ["::bnc::nn::NNDialect", "::mlir::arith::ArithDialect"];
}

def BNDecomposePass : Pass<"bn-decompose"> {
  let summary = "Decompose training BN and its gradient into bn.stats, bn.affine and arith";
  let description = [{
    For back ends without a fused rule: rewrites `bn.batch_norm_train` into
    `bn.stats` (mean and biased variance), per-channel `arith`/`math` on
    `tensor<Cxf32>` (inverse standard deviation, running-statistics update)
    and `bn.affine` (the normalisation), and `bn.batch_norm_grad` into
    `bn.stats` (for the per-channel sums), `bn.affine` and element-wise
    `arith`. The result means exactly what the fused ops mean.

    Ops whose `m` is dynamic are left as they are, with a remark: the
    unbiased variance and the gradient need `m` as a constant here.
  }];
  let dependentDialects = ["::bnc::bn::BNDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def BNFusePass : Pass<"bn-fuse"> {
  let summary = "Group each BN op and its element-wise consumers into a bn.kernel";
  let description = [{
    Starting from each `bn.batch_norm_train`, `bn.batch_norm_infer`,
    `bn.affine` and `bn.batch_norm_grad`, follows the chain of element-wise
    consumers that code generation can fuse into the same loop nest
    (`nn.relu`, the residual `nn.add`) while each link has a single use, and
    moves the group into a `bn.kernel`. The kernel's inputs are the values the
    group uses from outside; its results are the group's values used outside
    (the output, the new running statistics, ...).

    Code generation emits each kernel as one fused loop nest: statistics,
    normalisation, activation and residual add, with only the kernel's
    results written to memory.

    Example: `bn.batch_norm_train` -> `nn.relu` -> `nn.add` becomes one
    `bn.kernel` with the BN's operands and the add's other operand as inputs.
  }];
  let dependentDialects = ["::bnc::bn::BNDialect"];
}

def BNSchedulePass : Pass<"bn-schedule"> {
  let summary = "Attach a schedule to every bn.kernel";
  let description = [{
    Sets `schedule` on each `bn.kernel`, so the choice is visible in the IR and
    pinned by tests:

    - `target=cpu` (default): bnc's CPU schedule. With the channel outside
      contiguous rows (NCHW), statistics, normalisation and gradients run
      channel by channel in parallel, every pass over a channel after the
      first finding it in cache; with channels contiguous (NHWC, H = W = 1)
      the statistics are summed in parallel over the batch and the
      element-wise part streams, parallel over rows and vectorised along
      them;
    - `target=cuda`: for NVIDIA GPUs (needs a CUDA back end to run);
    - `target=auto`: Halide's autoscheduler decides, for comparison with the
      hand schedules.

    Kernels that already have a schedule keep it unless `override` is set.
  }];
  let options = [
    Option<"target", "target", "::bnc::bn::ScheduleTarget",
           /*default=*/"::bnc::bn::ScheduleTarget::Cpu",
           "What to schedule the kernels for",
           [{::llvm::cl::values(
             clEnumValN(::bnc::bn::ScheduleTarget::Cpu, "cpu",
                        "bnc's hand schedule for CPUs"),
             clEnumValN(::bnc::bn::ScheduleTarget::Cuda, "cuda",
                        "bnc's schedule for NVIDIA GPUs"),
             clEnumValN(::bnc::bn::ScheduleTarget::Auto, "auto",
                        "Halide's autoscheduler"))}]>,
    Option<"override", "override", "bool", /*default=*/"false",
           "Replace schedules that kernels already have">
  ];
}

#endif // BNC_COMPILER_TRANSFORMS_PASSES_TD
