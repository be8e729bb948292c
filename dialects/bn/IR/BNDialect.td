//===- BNDialect.td - The Batch Normalization dialect ------*- tablegen -*-===//
//
// Part of bnc. The `bn` dialect: Batch Normalization with its mode in the op.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_BN_IR_BNDIALECT_TD
#define BNC_DIALECTS_BN_IR_BNDIALECT_TD

include "mlir/IR/OpBase.td"

def BN_Dialect : Dialect {
  let name = "bn";
  let cppNamespace = "::bnc::bn";
  let summary = "Batch Normalization with explicit training, inference and gradient ops";
  let description = [{
    The `bn` dialect makes the mode of Batch Normalization part of the program.
    Training (`bn.batch_norm_train`), inference (`bn.batch_norm_infer`) and the
    gradient (`bn.batch_norm_grad`) are different operations, so the classic
    bugs of a run-time mode flag become compile-time facts.

    Running statistics are threaded explicitly, like StableHLO: they enter a
    training op as operands and leave it as results. Nothing is updated in
    place.

    Tensors are ranked tensors of `f32`. `feature_axis` names the channel
    dimension `C` (1 for NCHW, 3 or -1 for NHWC; negative values count from the
    end), every per-channel operand is a `tensor<Cxf32>`, and `m` is the number
    of elements per channel: the product of all other dimensions.

    Entry points say their mode with a discardable attribute on the function:

    ```mlir
    func.func @predict(...) attributes {bn.mode = "infer"} { ... }
    ```

    Arguments and results of an entry point say what they are to the runtime
    that runs it ahead of time. `bn.state = "NAME"` on an argument makes it an
    entry of the model's state (a parameter or a running statistic), named as
    in PyTorch's `state_dict`; on a result it makes the result the new value
    of that entry, which the runtime commits only when the step succeeds.
    `bn.name = "IDENT"` names a data argument or result for the generated C++
    wrapper. For each `L.running_mean` a training step updates, the runtime
    also keeps and counts `L.num_batches_tracked`.

    ```mlir
    func.func @train_step(%x: tensor<8x16x4x4xf32> {bn.name = "x"},
                          %mean: tensor<16xf32> {bn.state = "bn.running_mean"},
                          ...)
        -> (tensor<8x16x4x4xf32> {bn.name = "y"},
            tensor<16xf32> {bn.state = "bn.running_mean"}, ...)
        attributes {bn.mode = "train"}
    ```

    The decomposed ops `bn.stats` and `bn.affine` are what lowering and folding
    produce: per-channel statistics, and a per-channel `x * mul + add`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;

  let extraClassDeclaration = [{
    /// `bn.mode`: the discardable attribute that makes a function an entry
    /// point of the given mode, "train" or "infer".
    static constexpr ::llvm::StringLiteral kModeAttrName = "bn.mode";
    /// `bn.derived_from`: on an entry point that bn-derive-inference made,
    /// the training entry point it was derived from.
    static constexpr ::llvm::StringLiteral kDerivedFromAttrName =
        "bn.derived_from";
    /// `bn.state`: on an entry point's argument, the name of the state entry
    /// it reads; on a result, the entry whose new value it is.
    static constexpr ::llvm::StringLiteral kStateAttrName = "bn.state";
    /// `bn.name`: the name of a data argument or result in generated code.
    static constexpr ::llvm::StringLiteral kNameAttrName = "bn.name";
  }];
}

class BN_Op<string mnemonic, list<Trait> traits = []>
    : Op<BN_Dialect, mnemonic, traits>;

#endif // BNC_DIALECTS_BN_IR_BNDIALECT_TD
