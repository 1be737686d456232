// sigmoid_test.cpp — the new op of README's "Your turn", tested as every op is.
//
// Teaches: three checks make a new op trustworthy: forward values worked out by hand, its
// backward against central differences (gradcheck), and a value used twice getting both gradients.
#include <gtest/gtest.h>

#include "core_test_util.h"

using core_test::grad_ok;
using V = std::vector<ag::Tensor>;

TEST(Sigmoid, ValuesByHand) {
    // σ(0) = 1/2, σ(ln 3) = 1/(1 + 1/3) = 3/4, σ(−ln 3) = 1/4
    ag::Tensor x({0.0f, std::log(3.0f), -std::log(3.0f)}, {3});
    EXPECT_TRUE(core_test::near_all(ag::sigmoid(x).values(), {0.5f, 0.75f, 0.25f}, 1e-6f));
    // far from 0 the exponential overflows to inf, and 1/(1 + inf) is exactly 0: no NaN
    EXPECT_TRUE(core_test::near_all(ag::sigmoid(ag::Tensor({-100.0f, 100.0f}, {2})).values(), {0.0f, 1.0f}, 0.0f));
}

TEST(Sigmoid, GradientByHand) {
    // dσ/dx at x = ln 3 is σ(1 − σ) = 3/4 · 1/4 = 3/16
    ag::Tensor x({std::log(3.0f)}, {1}, /*requires_grad=*/true);
    ag::sum(ag::sigmoid(x)).backward();
    EXPECT_NEAR(x.grad().item(), 3.0f / 16.0f, 1e-6);
}

TEST(Sigmoid, Gradcheck) {
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::sigmoid(v[0]); }, {core_test::rand_tensor({2, 3}, 7, -3, 3)}));
    // used twice: both paths must reach x
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::sigmoid(v[0]) * v[0]; }, {core_test::rand_tensor({4}, 8)}));
}
