// RUN: bn-opt %s -bn-fuse -bn-schedule | FileCheck %s --check-prefix=CPU
// RUN: bn-opt %s -bn-fuse -bn-schedule=target=cuda | FileCheck %s --check-prefix=CUDA
// RUN: bn-opt %s -bn-fuse -bn-schedule=target=auto | FileCheck %s --check-prefix=AUTO
// A kernel that has a schedule keeps it, unless told otherwise.
// RUN: bn-opt %s -bn-fuse -bn-schedule=target=auto -bn-schedule=target=cpu | FileCheck %s --check-prefix=AUTO
// RUN: bn-opt %s -bn-fuse -bn-schedule=target=auto -bn-schedule="target=cpu override=true" | FileCheck %s --check-prefix=CPU
// RUN: not bn-opt %s -bn-schedule=target=tpu 2>&1 | FileCheck %s --check-prefix=BAD

// CPU: bn.kernel({{.*}}) {schedule = #bn.schedule<cpu>}
// CUDA: bn.kernel({{.*}}) {schedule = #bn.schedule<cuda>}
// AUTO: bn.kernel({{.*}}) {schedule = #bn.schedule<auto>}
// BAD: Cannot find option named 'tpu'!
func.func @f(%x: tensor<2x4xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %a = bn.affine %x, %c, %c : tensor<2x4xf32>, tensor<4xf32>
  %r = nn.relu %a : tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
