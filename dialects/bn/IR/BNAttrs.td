//===- BNAttrs.td - Attributes of the bn dialect -----------*- tablegen -*-===//
//
// Part of bnc. Enumerations and attributes used by the bn ops.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_BN_IR_BNATTRS_TD
#define BNC_DIALECTS_BN_IR_BNATTRS_TD

include "dialects/bn/IR/BNDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def BN_VarianceUnbiased : I32EnumAttrCase<"unbiased", 0>;
def BN_VarianceBiased : I32EnumAttrCase<"biased", 1>;

def BN_VarianceEstimator : I32EnumAttr<"VarianceEstimator",
    "which batch variance updates the running variance",
    [BN_VarianceUnbiased, BN_VarianceBiased]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnc::bn";
}

// `#bn.variance<unbiased>` (PyTorch: var * m / (m - 1)) or
// `#bn.variance<biased>` (TensorFlow / Keras / ONNX: var).
def BN_VarianceEstimatorAttr
    : EnumAttr<BN_Dialect, BN_VarianceEstimator, "variance"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // BNC_DIALECTS_BN_IR_BNATTRS_TD
