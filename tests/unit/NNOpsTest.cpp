//===- NNOpsTest.cpp - nn ops built through the C++ API -------------------===//
//
// Part of bnc. Builds each nn op with the ODS builders and checks what the
// verifier says, and the layout helpers of nn.conv2d.
//
//===----------------------------------------------------------------------===//

#include "dialects/nn/IR/NNOps.h"
#include "tests/unit/OpTestSupport.h"

using namespace mlir;
using namespace bnc;
using namespace bnc::nn;

namespace {

class NNOpsTest : public bnc::testing::OpTest {
protected:
  Conv2DOp conv(ArrayRef<int64_t> input, ArrayRef<int64_t> filter,
                ArrayRef<int64_t> output, Layout layout,
                ArrayRef<int64_t> strides = {1, 1},
                ArrayRef<int64_t> padding = {0, 0, 0, 0}, int64_t groups = 1) {
    auto args = arguments({tensor(input), tensor(filter)});
    return Conv2DOp::create(builder, loc, tensor(output), args[0], args[1],
                            /*bias=*/Value(), strides, padding,
                            /*dilations=*/{1, 1}, groups, layout);
  }
};

TEST_F(NNOpsTest, ConvLayoutsAndHelpers) {
  Conv2DOp nchw = conv({2, 3, 8, 8}, {4, 3, 3, 3}, {2, 4, 4, 4}, Layout::nchw,
                       {2, 2}, {1, 1, 1, 1});
  EXPECT_EQ(verifyError(nchw), "");
  EXPECT_EQ(nchw.getChannelDim(), 1);
  EXPECT_EQ(nchw.getFilterOutputChannelDim(), 0);

  Conv2DOp nhwc = conv({2, 8, 8, 3}, {3, 3, 3, 4}, {2, 4, 4, 4}, Layout::nhwc,
                       {2, 2}, {1, 1, 1, 1});
  EXPECT_EQ(verifyError(nhwc), "");
  EXPECT_EQ(nhwc.getChannelDim(), 3);
  EXPECT_EQ(nhwc.getFilterOutputChannelDim(), 3);
  EXPECT_EQ(nhwc.getFilterInputChannelDim(), 2);
}

TEST_F(NNOpsTest, ConvOutputShapeIsChecked) {
  std::string error =
      verifyError(conv({1, 3, 8, 8}, {4, 3, 3, 3}, {1, 4, 8, 8}, Layout::nchw));
  EXPECT_NE(error.find("dimension 2 must be 6"), std::string::npos) << error;
}

TEST_F(NNOpsTest, ConvGroups) {
  EXPECT_EQ(verifyError(conv({1, 8, 5, 5}, {8, 1, 3, 3}, {1, 8, 3, 3},
                             Layout::nchw, {1, 1}, {0, 0, 0, 0}, 8)),
            "");
  std::string error = verifyError(conv({1, 6, 5, 5}, {8, 1, 3, 3},
                                       {1, 8, 3, 3}, Layout::nchw, {1, 1},
                                       {0, 0, 0, 0}, 4));
  EXPECT_NE(error.find("not a multiple of groups = 4"), std::string::npos)
      << error;
}

TEST_F(NNOpsTest, Dense) {
  auto args = arguments({tensor({8, 32}), tensor({10, 32}), tensor({10}),
                         tensor({10, 16})});
  auto dense = DenseOp::create(builder, loc, tensor({8, 10}), args[0], args[1],
                               args[2]);
  EXPECT_EQ(verifyError(dense), "");
  auto mismatched =
      DenseOp::create(builder, loc, tensor({8, 10}), args[0], args[3], Value());
  EXPECT_NE(verifyError(mismatched).find("in_features = 32"),
            std::string::npos);
}

TEST_F(NNOpsTest, ReluAndAddInferTheirType) {
  auto args = arguments({tensor({2, 3}), tensor({2, 3})});
  auto relu = ReluOp::create(builder, loc, args[0]);
  auto add = AddOp::create(builder, loc, relu, args[1]);
  EXPECT_EQ(verifyError(add), "");
  EXPECT_EQ(add.getY().getType(), tensor({2, 3}));
}

} // namespace
