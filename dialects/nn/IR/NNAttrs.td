//===- NNAttrs.td - Attributes of the nn dialect -----------*- tablegen -*-===//
//
// Part of bnc. Enumerations and attributes used by the nn ops.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_NN_IR_NNATTRS_TD
#define BNC_DIALECTS_NN_IR_NNATTRS_TD

include "dialects/nn/IR/NNDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def NN_LayoutNCHW : I32EnumAttrCase<"nchw", 0>;
def NN_LayoutNHWC : I32EnumAttrCase<"nhwc", 1>;

def NN_Layout : I32EnumAttr<"Layout",
    "data layout of a convolution: NCHW with OIHW filter, or NHWC with HWIO filter",
    [NN_LayoutNCHW, NN_LayoutNHWC]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bnc::nn";
}

// `#nn.layout<nchw>` or `#nn.layout<nhwc>`.
def NN_LayoutAttr : EnumAttr<NN_Dialect, NN_Layout, "layout"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // BNC_DIALECTS_NN_IR_NNATTRS_TD
