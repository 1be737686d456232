// clip_grad_test.cpp — clip_grad_norm_ against norms and scalings worked out by hand.
//
// Teaches: clipping treats all gradients as one vector. Gradients [3, 4] have length 5; clipped
// to max_norm 1 they become [3, 4] · 1/(5 + 1e-6) ≈ [0.6, 0.8], the same direction at length 1.
// (PyTorch's own numbers for a larger case are in tests/parity/clip_grad_norm.txt.)
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "ag/ag.h"
#include "core_test_util.h"

using ag::Tensor;
using ag::nn::utils::clip_grad_norm_;
using core_test::message_of;

namespace {

// A parameter (zeros) whose gradient is `grad`: L = Σ p·c gives dL/dp = c.
Tensor param_with_grad(const std::vector<float>& grad) {
    const int64_t n = static_cast<int64_t>(grad.size());
    Tensor p = Tensor::zeros({n}, /*requires_grad=*/true);
    ag::sum(p * Tensor(grad, {n})).backward();
    return p;
}

const float kInf = std::numeric_limits<float>::infinity();

}  // namespace

TEST(ClipGradNorm, ThreeFourToLengthOne) {
    Tensor p = param_with_grad({3.0f, 4.0f});
    // total = √(3² + 4²) = 5; coef = 1 / (5 + 1e-6) = 0.19999996; g = [0.59999988, 0.79999984]
    EXPECT_DOUBLE_EQ(clip_grad_norm_({p}, 1.0), 5.0);
    EXPECT_NEAR(p.grad().values()[0], 0.6f, 1e-6);
    EXPECT_NEAR(p.grad().values()[1], 0.8f, 1e-6);
    EXPECT_LT(p.grad().values()[0], 0.6f);  // the 1e-6 keeps the result just under max_norm
    EXPECT_EQ(p.values(), std::vector<float>({0.0f, 0.0f}));  // the parameter itself is untouched
}

TEST(ClipGradNorm, AllGradientsAreOneVector) {
    // [3] and [4] in two parameters: together of length 5, each scaled by the same 1/(5 + 1e-6).
    Tensor a = param_with_grad({3.0f}), b = param_with_grad({4.0f});
    EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b}, 1.0), 5.0);
    EXPECT_NEAR(a.grad().item(), 0.6f, 1e-6);
    EXPECT_NEAR(b.grad().item(), 0.8f, 1e-6);
}

TEST(ClipGradNorm, UnderMaxNormNothingChanges) {
    Tensor p = param_with_grad({3.0f, 4.0f});
    // coef = 10 / 5.000001 > 1: PyTorch clamps it to 1, the gradients stay exactly as they were.
    EXPECT_DOUBLE_EQ(clip_grad_norm_({p}, 10.0), 5.0);
    EXPECT_EQ(p.grad().values(), std::vector<float>({3.0f, 4.0f}));
    // Exactly at max_norm, coef = 5 / 5.000001 = 0.9999998 < 1: shortened by a hair, as in PyTorch.
    EXPECT_DOUBLE_EQ(clip_grad_norm_({p}, 5.0), 5.0);
    EXPECT_LT(p.grad().values()[1], 4.0f);
    EXPECT_NEAR(p.grad().values()[1], 4.0f, 1e-6);
}

TEST(ClipGradNorm, ParametersWithoutGradientAreSkipped) {
    Tensor p = param_with_grad({3.0f, 4.0f});
    Tensor untouched = Tensor::zeros({2, 2}, /*requires_grad=*/true);  // no backward reached it
    EXPECT_DOUBLE_EQ(clip_grad_norm_({untouched, p}, 1.0), 5.0);
    EXPECT_FALSE(untouched.has_grad());  // still no gradient: not given zeros either
    EXPECT_NEAR(p.grad().values()[1], 0.8f, 1e-6);
    // No gradient anywhere: the total norm is 0 and there is nothing to do.
    EXPECT_EQ(clip_grad_norm_({untouched}, 1.0), 0.0);
    EXPECT_EQ(clip_grad_norm_({}, 1.0), 0.0);
}

TEST(ClipGradNorm, InfinityNormIsTheLargestValue) {
    Tensor a = param_with_grad({3.0f, -4.0f}), b = param_with_grad({2.0f});
    const double inf = std::numeric_limits<double>::infinity();
    // total = max(|3|, |−4|, |2|) = 4; coef = 2 / 4.000001: g ≈ [1.5, −2], [1]
    EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b}, 2.0, inf), 4.0);
    EXPECT_NEAR(a.grad().values()[0], 1.5f, 1e-6);
    EXPECT_NEAR(a.grad().values()[1], -2.0f, 1e-6);
    EXPECT_NEAR(b.grad().item(), 1.0f, 1e-6);
}

TEST(ClipGradNorm, OtherNormTypes) {
    // 1-norm: |3| + |−4| = 7; max_norm 3.5 halves the gradients.
    Tensor p = param_with_grad({3.0f, -4.0f});
    EXPECT_DOUBLE_EQ(clip_grad_norm_({p}, 3.5, 1.0), 7.0);
    EXPECT_NEAR(p.grad().values()[0], 1.5f, 1e-6);
    EXPECT_NEAR(p.grad().values()[1], -2.0f, 1e-6);
    // 3-norm: (1³ + 8 · 2³)^(1/3) = 65^(1/3) = 4.0207256
    Tensor q = param_with_grad({1, 2, 2, 2, 2, 2, 2, 2, 2});
    EXPECT_NEAR(clip_grad_norm_({q}, 100.0, 3.0), 4.0207256, 1e-6);
}

TEST(ClipGradNorm, ClippedGradientsHaveLengthMaxNorm) {
    // A Linear layer's real gradients: after clipping to 0.01, measuring again gives 0.01.
    ag::manual_seed(0);
    ag::nn::Linear layer(3, 2);
    Tensor x(std::vector<float>{1, -2, 3, 0.5f, 4, -1}, {2, 3});
    ag::sum(ag::square(layer.forward(x))).backward();
    const double before = clip_grad_norm_(layer.parameters(), 0.01);
    EXPECT_GT(before, 0.01);
    EXPECT_NEAR(clip_grad_norm_(layer.parameters(), 1e9), 0.01, 1e-7);
}

TEST(ClipGradNorm, NonFiniteGradients) {
    // An inf makes the total inf and coef = max_norm / inf = 0: finite values become 0, the inf
    // becomes inf · 0 = NaN. That is what PyTorch 1.13 does too (its error_if_nonfinite is false).
    Tensor a = param_with_grad({kInf, 1.0f}), b = param_with_grad({2.0f});
    EXPECT_TRUE(std::isinf(clip_grad_norm_({a, b}, 1.0)));
    EXPECT_TRUE(std::isnan(a.grad().values()[0]));
    EXPECT_EQ(a.grad().values()[1], 0.0f);
    EXPECT_EQ(b.grad().item(), 0.0f);
    // With error_if_nonfinite it throws instead, and the gradients are left as they were.
    Tensor c = param_with_grad({kInf, 1.0f});
    EXPECT_EQ(message_of<std::runtime_error>([&] { clip_grad_norm_({c}, 1.0, 2.0, true); }),
              "clip_grad_norm_: the total norm (order 2) of the gradients is inf, so they cannot be clipped "
              "(error_if_nonfinite is true)");
    EXPECT_EQ(c.grad().values()[1], 1.0f);
}

TEST(ClipGradNorm, BadArgumentsNameTheFunctionAndTheValue) {
    Tensor p = param_with_grad({3.0f, 4.0f});
    EXPECT_EQ(message_of<std::invalid_argument>([&] { clip_grad_norm_({p}, -1.0); }),
              "clip_grad_norm_: max_norm must be >= 0, got -1");
    EXPECT_EQ(message_of<std::invalid_argument>([&] { clip_grad_norm_({p}, std::nan("")); }),
              "clip_grad_norm_: max_norm must be >= 0, got nan");
    for (double bad : {0.0, -2.0, std::nan("")}) {
        const std::string m = message_of<std::invalid_argument>([&] { clip_grad_norm_({p}, 1.0, bad); });
        EXPECT_EQ(m.rfind("clip_grad_norm_: norm_type must be > 0", 0), 0u) << m;
    }
    EXPECT_NE(message_of<std::invalid_argument>([&] { clip_grad_norm_({p}, 1.0, -2.0); }).find("got -2"),
              std::string::npos);
    EXPECT_EQ(message_of<std::invalid_argument>([&] { clip_grad_norm_({p, Tensor()}, 1.0); }),
              "clip_grad_norm_: parameter 1 is undefined");
    EXPECT_EQ(p.grad().values(), std::vector<float>({3.0f, 4.0f}));  // a refused call changes nothing
}
