// tensor_test.cpp — creating tensors and reading them back: values, shapes, printing.
//
// Teaches: a tensor is a flat row-major array read through a shape; every creation function and
// accessor is checked against values written out by hand, and bad input is a clear exception.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "ag/ag.h"
#include "core_test_util.h"

using ag::Shape;
using ag::Tensor;
using core_test::contains_all;
using core_test::message_of;

// ---- creation --------------------------------------------------------------------------------

TEST(TensorCreate, ValuesAndShapeAreKeptRowMajor) {
    Tensor t({1, 2, 3, 4, 5, 6}, {2, 3});
    EXPECT_EQ(t.shape(), (Shape{2, 3}));
    EXPECT_EQ(t.dim(), 2);
    EXPECT_EQ(t.numel(), 6);
    EXPECT_EQ(t.values(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
    EXPECT_FALSE(t.requires_grad());
    EXPECT_TRUE(t.is_leaf());
    EXPECT_STREQ(t.op(), "leaf");
    EXPECT_TRUE(t.defined());
}

TEST(TensorCreate, ZerosOnesFull) {
    Tensor z = Tensor::zeros({2, 2});
    Tensor o = Tensor::ones({3}, true);
    Tensor f = Tensor::full({2, 1, 2}, 2.5f);
    EXPECT_EQ(z.values(), (std::vector<float>{0, 0, 0, 0}));
    EXPECT_EQ(z.shape(), (Shape{2, 2}));
    EXPECT_EQ(o.values(), (std::vector<float>{1, 1, 1}));
    EXPECT_TRUE(o.requires_grad());
    EXPECT_EQ(f.values(), (std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f}));
    EXPECT_EQ(f.shape(), (Shape{2, 1, 2}));
}

TEST(TensorCreate, ScalarHasRankZeroAndOneValue) {
    Tensor s = Tensor::scalar(-1.25f, true);
    EXPECT_EQ(s.dim(), 0);
    EXPECT_EQ(s.shape(), Shape{});
    EXPECT_EQ(s.numel(), 1);
    EXPECT_EQ(s.item(), -1.25f);
    EXPECT_TRUE(s.requires_grad());
}

TEST(TensorCreate, Arange) {
    Tensor a = Tensor::arange(5);
    EXPECT_EQ(a.shape(), Shape{5});
    EXPECT_EQ(a.values(), (std::vector<float>{0, 1, 2, 3, 4}));
    EXPECT_EQ(Tensor::arange(0).numel(), 0);
}

TEST(TensorCreate, EmptyDimensionIsAllowed) {
    Tensor e({}, {2, 0});
    EXPECT_EQ(e.numel(), 0);
    EXPECT_EQ(e.shape(), (Shape{2, 0}));
}

// ---- reading ---------------------------------------------------------------------------------

TEST(TensorRead, ItemOfOneElementTensorOfAnyRank) {
    EXPECT_EQ(Tensor({7.0f}, {1, 1}).item(), 7.0f);
    EXPECT_EQ(Tensor::scalar(3.0f).item(), 3.0f);
}

TEST(TensorRead, AtReadsByFullIndex) {
    Tensor t({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2});
    EXPECT_EQ(t.at({0, 0, 0}), 0.0f);
    EXPECT_EQ(t.at({0, 2, 1}), 5.0f);
    EXPECT_EQ(t.at({1, 0, 1}), 7.0f);
    EXPECT_EQ(t.at({1, 2, 1}), 11.0f);
    EXPECT_EQ(Tensor::scalar(4.0f).at({}), 4.0f);
}

TEST(TensorRead, SizeAcceptsNegativeDims) {
    Tensor t = Tensor::zeros({2, 3, 4});
    EXPECT_EQ(t.size(0), 2);
    EXPECT_EQ(t.size(2), 4);
    EXPECT_EQ(t.size(-1), 4);
    EXPECT_EQ(t.size(-3), 2);
}

TEST(TensorRead, ValuesAreWritable) {
    Tensor t = Tensor::zeros({2});
    t.mutable_values()[1] = 5.0f;
    EXPECT_EQ(t.at({1}), 5.0f);
}

TEST(TensorRead, CopiesShareTheirValues) {
    Tensor a = Tensor::zeros({2});
    Tensor b = a;  // a handle, like a second Python name for one torch.Tensor
    b.mutable_values()[0] = 3.0f;
    EXPECT_EQ(a.at({0}), 3.0f);
}

// ---- printing --------------------------------------------------------------------------------

static std::string printed(const Tensor& t) {
    std::ostringstream os;
    os << t;
    return os.str();
}

TEST(TensorPrint, TwoByTwoLooksLikePyTorch) {
    EXPECT_EQ(printed(Tensor({1, 2, 3, 4}, {2, 2})),
              "tensor([[1.0000, 2.0000],\n"
              "        [3.0000, 4.0000]])");
}

TEST(TensorPrint, ScalarVectorAndRank3) {
    EXPECT_EQ(printed(Tensor::scalar(-0.5f)), "tensor(-0.5000)");
    EXPECT_EQ(printed(Tensor({1, 2}, {2}, true)), "tensor([1.0000, 2.0000], requires_grad=true)");
    EXPECT_EQ(printed(ag::reshape(Tensor::arange(4), {2, 1, 2})),
              "tensor([[[0.0000, 1.0000]],\n"
              "\n"
              "        [[2.0000, 3.0000]]])");
    EXPECT_EQ(printed(Tensor()), "tensor(undefined)");
}

TEST(TensorPrint, ResultOfAnOpNamesIt) {
    Tensor x({1, 2}, {2}, true);
    EXPECT_EQ(printed(x * 2.0f), "tensor([2.0000, 4.0000], grad_fn=mul_scalar)");
}

// ---- bad input -------------------------------------------------------------------------------

TEST(TensorErrors, ValueCountMustMatchShape) {
    EXPECT_THROW(Tensor({1, 2, 3}, {2, 2}), std::invalid_argument);
    std::string m = message_of<std::invalid_argument>([] { Tensor({1, 2, 3}, {2, 2}); });
    EXPECT_TRUE(contains_all(m, {"3 values", "[2, 2]", "4"}));
}

TEST(TensorErrors, NegativeShapeIsRejected) {
    EXPECT_THROW(Tensor::zeros({2, -3}), std::invalid_argument);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { Tensor::zeros({2, -3}); }),
                             {"negative dimension -3", "[2, -3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { Tensor({}, {-1}); }),
                             {"negative dimension -1"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { Tensor::arange(-2); }),
                             {"arange", "-2"}));
}

TEST(TensorErrors, HugeShapeIsRejectedNotAllocated) {
    EXPECT_THROW(Tensor::zeros({1 << 30, 1 << 30, 1 << 30}), std::invalid_argument);
    // no values, but the sizes of the other dims would overflow the ops' index arithmetic
    const int64_t big = int64_t(1) << 40;
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { Tensor({}, {0, big, big}); }),
                             {"too large"}));
    EXPECT_NO_THROW(Tensor({}, {0, big}));
}

TEST(TensorErrors, UndefinedTensorThrowsOnUse) {
    Tensor u;
    EXPECT_FALSE(u.defined());
    EXPECT_THROW(u.shape(), std::logic_error);
    EXPECT_THROW(u.numel(), std::logic_error);
    EXPECT_THROW(u.item(), std::logic_error);
    EXPECT_THROW(u.backward(), std::logic_error);
    EXPECT_TRUE(contains_all(message_of<std::logic_error>([&] { u.values(); }), {"undefined tensor"}));
    EXPECT_THROW(ag::tanh(u), std::invalid_argument);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::add(u, u); }),
                             {"add", "undefined"}));
}

TEST(TensorErrors, ItemNeedsExactlyOneValue) {
    EXPECT_THROW(Tensor::zeros({2}).item(), std::invalid_argument);
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { Tensor::zeros({2, 3}).item(); }),
                             {"item", "[2, 3]", "6 values"}));
}

TEST(TensorErrors, AtChecksRankAndRange) {
    Tensor t = Tensor::zeros({2, 3});
    EXPECT_THROW(t.at({1}), std::invalid_argument);
    EXPECT_THROW(t.at({0, -1}), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { t.at({0, 3}); }),
                             {"index 3", "size 3", "[2, 3]"}));
}

TEST(TensorErrors, SizeChecksTheDim) {
    Tensor t = Tensor::zeros({2, 3});
    EXPECT_THROW(t.size(2), std::out_of_range);
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { t.size(-3); }), {"dim -3", "[2, 3]"}));
    EXPECT_THROW(Tensor::scalar(1.0f).size(-1), std::out_of_range);
}
