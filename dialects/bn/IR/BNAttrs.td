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

def BN_ScheduleCpu : I32EnumAttrCase<"Cpu", 0, "cpu">;
def BN_ScheduleCuda : I32EnumAttrCase<"Cuda", 1, "cuda">;
def BN_ScheduleAuto : I32EnumAttrCase<"Auto", 2, "auto">;

def BN_ScheduleTarget : I32EnumAttr<"ScheduleTarget",
    "how a fused kernel is scheduled",
    [BN_ScheduleCpu, BN_ScheduleCuda, BN_ScheduleAuto]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnc::bn";
}

// `#bn.schedule<cpu>` (bnc's hand schedule for CPUs), `#bn.schedule<cuda>`
// (for NVIDIA GPUs) or `#bn.schedule<auto>` (Halide's autoscheduler, for
// comparison).
def BN_ScheduleAttr : EnumAttr<BN_Dialect, BN_ScheduleTarget, "schedule"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // BNC_DIALECTS_BN_IR_BNATTRS_TD
