//===- NNDialect.td - The neural-network neighbours of BN --*- tablegen -*-===//
//
// Part of bnc. The `nn` dialect: the layers Batch Normalization lives with.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_DIALECTS_NN_IR_NNDIALECT_TD
#define BNC_DIALECTS_NN_IR_NNDIALECT_TD

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::bnc::nn";
  let summary = "The layers that Batch Normalization lives with";
  let description = [{
    A small dialect of the operations around BN in convolutional networks:
    convolution, dense (fully connected) layers, ReLU and the residual add.
    It is deliberately small: just enough for bnc to fold inference BN into
    the producing convolution or dense layer and to fuse training BN with its
    activation and residual add.

    All tensors are ranked tensors of `f32`. Convolutions come in two layouts:
    NCHW input with an OIHW filter, and NHWC input with an HWIO filter.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, traits>;

#endif // BNC_DIALECTS_NN_IR_NNDIALECT_TD
