// The named pipelines on the shipped example models.

// A frozen model: the BN folds into the convolution and disappears.
// RUN: bn-opt --bn-inference-pipeline --mlir-print-elementsattrs-with-hex-if-larger=-1 %examples/frozen_conv_bn_relu_nchw.mlir | FileCheck %s --check-prefix=FROZEN
// RUN: bn-opt --bn-inference-pipeline --mlir-print-elementsattrs-with-hex-if-larger=-1 %examples/frozen_conv_bn_relu_nhwc.mlir | FileCheck %s --check-prefix=FROZEN
// FROZEN-LABEL: func.func @predict
// FROZEN-NOT: {{bn\.(batch_norm|affine|stats)}}
// The weights are rescaled: the first filter element (the same in OIHW and
// HWIO) was 6.150766858e-04, and bn_weight[0] / sqrt(running_var[0] + eps)
// makes it 6.37125107E-4; the numbers are checked by the fold tests.
// FROZEN: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}6.37125107E-4, {{.*}}> : tensor<{{8x3x3x3|3x3x3x8}}xf32>
// FROZEN: %[[B:.*]] = arith.constant dense<[0.284096926, -0.547204375, {{.*}}]> : tensor<8xf32>
// FROZEN: %[[C:.*]] = nn.conv2d %{{.*}}, %[[W]], %[[B]]
// FROZEN-NEXT: %[[R:.*]] = nn.relu %[[C]]
// FROZEN-NEXT: return %[[R]]
// FROZEN-NOT: {{bn\.(batch_norm|affine|stats)}}

// A training model: @train_step stays, @train_step_infer is derived, and its
// BN, whose parameters are arguments, becomes per-channel arithmetic and an
// affine.
// RUN: bn-opt --bn-inference-pipeline %examples/conv_bn_relu_nchw.mlir | FileCheck %s --check-prefix=TRAIN
// TRAIN-LABEL: func.func @train_step(
// TRAIN: bn.batch_norm_train
// TRAIN-LABEL: func.func @train_step_infer(
// TRAIN-SAME: {bn.state = "bn.running_var"}) -> (tensor<8x16x16x16xf32> {bn.name = "y"}) attributes {bn.derived_from = @train_step, bn.mode = "infer"}
// TRAIN: math.rsqrt
// TRAIN: bn.affine
// TRAIN-NOT: bn.batch_norm
// TRAIN: nn.relu

// The inference pipeline stops at mode errors.
// RUN: not bn-opt --bn-inference-pipeline %S/Inputs/train-in-infer.mlir 2>&1 | FileCheck %s --check-prefix=MODE
// MODE: error: bn.batch_norm_train in inference entry point @predict

// The training pipeline checks and keeps the training program.
// RUN: bn-opt --bn-training-pipeline %examples/residual_block_nhwc.mlir 2>&1 | FileCheck %s --check-prefix=TRAINING
// TRAINING-NOT: warning
// TRAINING-LABEL: func.func @train_step
// TRAINING-COUNT-2: bn.batch_norm_train
