// high_rank_test.cpp — every op that takes a shape works at rank 64, forward and backward.
//
// Teaches: nothing in the engine limits the rank: a shape is a list that grows as needed, and
// every loop over dims runs over that list. Shapes of rank 64 here hold a handful of values
// (most sizes are 1), so each op can be checked against central differences. Run under
// AddressSanitizer (make test SANITIZE=1), an op that kept dims in a fixed-size array would fail.
#include <gtest/gtest.h>

#include "core_test_util.h"

namespace {

using ag::Shape;
using ag::Tensor;
using core_test::grad_ok;
using core_test::rand_tensor;
using V = std::vector<Tensor>;

// Rank 64: sizes 1 except 2 at dim 0, 3 at dim 40 and 2 at dim 63 (12 values).
Shape rank64() {
    Shape s(64, 1);
    s[0] = 2;
    s[40] = 3;
    s[63] = 2;
    return s;
}

TEST(HighRank, TensorsOfRank64And100ReadAndPrint) {
    Tensor t = rand_tensor(rank64(), 1);
    EXPECT_EQ(t.dim(), 64);
    EXPECT_EQ(t.numel(), 12);
    std::vector<int64_t> index(64, 0);
    index[40] = 2;
    index[63] = 1;
    EXPECT_EQ(t.at(index), t.values()[5]);  // (0, .., 2, .., 1) is flat index 2·2 + 1
    EXPECT_EQ(Tensor::zeros(Shape(100, 1)).item(), 0.0f);
    std::ostringstream os;
    os << Tensor::ones(Shape(64, 1));
    EXPECT_EQ(os.str(), "tensor(" + std::string(64, '[') + "1.0000" + std::string(64, ']') + ")");
}

TEST(HighRank, ReshapeToAndFromRank64) {
    Tensor x = rand_tensor({12}, 2);
    Tensor up = ag::reshape(x, rank64());
    EXPECT_EQ(up.shape(), rank64());
    Shape with_infer = rank64();
    with_infer[40] = -1;
    EXPECT_EQ(ag::reshape(x, with_infer).shape(), rank64());
    Tensor down = ag::reshape(up, {3, 4});
    EXPECT_EQ(down.values(), x.values());
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::reshape(ag::reshape(v[0], rank64()), {4, 3}); }, {x}));
}

TEST(HighRank, ElementwiseWithBroadcastingAndUnaryOps) {
    Shape one_row = rank64();
    one_row[40] = 1;  // broadcast along dim 40
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] * v[1] + v[0] / (v[1] * v[1] + 1.0f); },
                        {rand_tensor(rank64(), 3), rand_tensor(one_row, 4)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return v[0] - v[1]; }, {rand_tensor(rank64(), 5), rand_tensor({2}, 6)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::tanh(ag::exp(v[0]) + ag::sigmoid(v[0])); }, {rand_tensor(rank64(), 7)}));
}

TEST(HighRank, ReductionsTransposeNarrowSelect) {
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::sum(v[0], 40); }, {rand_tensor(rank64(), 8)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::mean(v[0], -1, true); }, {rand_tensor(rank64(), 9)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::transpose(v[0], 0, 63); }, {rand_tensor(rank64(), 10)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::narrow(v[0], 40, 1, 2); }, {rand_tensor(rank64(), 11)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::select(v[0], 63, 1); }, {rand_tensor(rank64(), 12)}));
    EXPECT_EQ(ag::select(rand_tensor(rank64(), 12), 63, 1).dim(), 63);
    EXPECT_EQ(ag::transpose(rand_tensor(rank64(), 10), 0, 63).shape()[63], 2);
}

TEST(HighRank, StackCatMatmulGather) {
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::stack({v[0], v[1]}, 64); },
                        {rand_tensor(rank64(), 13), rand_tensor(rank64(), 14)}));
    EXPECT_EQ(ag::stack({rand_tensor(rank64(), 13)}, 30).dim(), 65);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::cat({v[0], v[1]}, 40); },
                        {rand_tensor(rank64(), 15), rand_tensor(rank64(), 16)}));
    Shape a = rank64(), b = rank64();  // batched product: [.., 3, 2] · [.., 2, 2]
    a[62] = 3;
    b[62] = 2;
    a[40] = 1;
    b[40] = 1;
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::matmul(v[0], v[1]); }, {rand_tensor(a, 17), rand_tensor(b, 18)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::matmul(v[0], v[1]); }, {rand_tensor(a, 19), rand_tensor({2, 5}, 20)}));
    Tensor table = rand_tensor({4, 3}, 21);
    Tensor indices = Tensor::zeros(Shape(63, 1));
    EXPECT_EQ(ag::index_select_rows(table, indices).dim(), 64);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::linear(v[0], v[1], v[2]); },
                        {rand_tensor(rank64(), 22), rand_tensor({5, 2}, 23), rand_tensor({5}, 24)}));
}

}  // namespace
