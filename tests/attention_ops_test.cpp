// attention_ops_test.cpp — the ops attention is made of: softmax, log_softmax, masked_fill,
// causal_mask, layer_norm, and splitting a width into heads (reshape, transpose, 4-D matmul).
//
// Teaches: each op is checked twice: its forward against numbers worked out by hand (softmax of
// [0, 1, 2] is e^k / (1 + e + e²)), and its backward against central differences. Softmax is also
// pushed to ±1000 (finite, the same numbers as at 0, 1, 2) and to fully masked rows.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ag/ag.h"
#include "core_test_util.h"

using ag::Shape;
using ag::Tensor;
using core_test::contains_all;
using core_test::grad_ok;
using core_test::message_of;
using core_test::near_all;
using core_test::rand_tensor;
using V = std::vector<Tensor>;

namespace {

const float kInf = std::numeric_limits<float>::infinity();

// softmax(0, 1, 2) = e^k / (1 + e + e²), and log_softmax = k − ln(1 + e + e²) = k − 2.40760596
const std::vector<float> kSoftmax012 = {0.0900305732f, 0.244728471f, 0.665240956f};
const std::vector<float> kLogSoftmax012 = {-2.40760596f, -1.40760596f, -0.407605964f};

bool all_finite(const ag::Buffer& v) {
    for (float x : v)
        if (!std::isfinite(x)) return false;
    return true;
}

}  // namespace

// ---- softmax and log_softmax ----------------------------------------------------------------

TEST(GradSoftmax, HandComputedValues) {
    EXPECT_TRUE(near_all(ag::softmax(Tensor({0, 1, 2}, {3}), 0).values(), kSoftmax012, 1e-7f));
    EXPECT_TRUE(near_all(ag::log_softmax(Tensor({0, 1, 2}, {3}), -1).values(), kLogSoftmax012, 1e-6f));
    // softmax(0, ln 2, ln 3) = (1, 2, 3)/6
    EXPECT_TRUE(near_all(ag::softmax(Tensor({0, std::log(2.0f), std::log(3.0f)}, {3}), 0).values(),
                         {1 / 6.0f, 2 / 6.0f, 3 / 6.0f}, 1e-7f));
    // Along dim 0 of [[0, 5], [1, 5], [2, 5]]: column 0 is softmax(0, 1, 2), column 1 is uniform.
    Tensor y = ag::softmax(Tensor({0, 5, 1, 5, 2, 5}, {3, 2}), 0);
    EXPECT_TRUE(near_all(y.values(), {kSoftmax012[0], 1 / 3.0f, kSoftmax012[1], 1 / 3.0f, kSoftmax012[2], 1 / 3.0f},
                         1e-7f));
}

TEST(GradSoftmax, LargeInputsStayFiniteAndCorrect) {
    // Shifting every input by ±1000 changes nothing: e^(x − max) never overflows.
    for (float shift : {1000.0f, -1000.0f}) {
        SCOPED_TRACE(shift);
        Tensor x({shift, shift + 1, shift + 2}, {3}, true);
        Tensor y = ag::softmax(x, 0);
        EXPECT_TRUE(all_finite(y.values()));
        EXPECT_TRUE(near_all(y.values(), kSoftmax012, 1e-6f));
        EXPECT_TRUE(near_all(ag::log_softmax(x, 0).values(), kLogSoftmax012, 1e-5f));
        // L = y_2: dL/dx = y_2 (δ_2j − y_j)
        ag::select(y, 0, 2).backward();
        const float p = kSoftmax012[2];
        EXPECT_TRUE(near_all(x.grad().values(), {-p * kSoftmax012[0], -p * kSoftmax012[1], p * (1 - p)}, 1e-6f));
    }
    // +1000 against −1000: all the weight on the first; log-probabilities 0 and −2000, exactly.
    EXPECT_TRUE(near_all(ag::softmax(Tensor({1000, -1000}, {2}), 0).values(), {1, 0}, 0));
    EXPECT_TRUE(near_all(ag::log_softmax(Tensor({1000, -1000}, {2}), 0).values(), {0, -2000}, 0));
    // and the gradients there are finite too
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::log_softmax(x[0] * 1000.0f, 1); },
                        {Tensor({1, -1, 0.5f, 0.25f, -1, 1}, {2, 3}, true)}, {1e-4f, 1e-3, 1e-2}));
}

TEST(GradSoftmax, EveryDimOfARank3Tensor) {
    Tensor x = rand_tensor({2, 3, 4}, 5, -2, 2);
    for (int64_t dim : {0, 1, 2, -1}) {
        SCOPED_TRACE(dim);
        EXPECT_TRUE(grad_ok([dim](const V& v) { return ag::softmax(v[0], dim); }, {x}));
        EXPECT_TRUE(grad_ok([dim](const V& v) { return ag::log_softmax(v[0], dim); }, {x}));
        // each slice along dim sums to 1
        Tensor s = ag::sum(ag::softmax(x, dim), dim);
        for (float v : s.values()) EXPECT_NEAR(v, 1.0f, 1e-6f);
    }
}

TEST(GradSoftmax, FullyMaskedRowGivesZerosAndNoGradient) {
    // Row 0: all −∞ (every key masked) -> 0 0 0 (PyTorch: NaN). Row 1: one −∞ -> weight 0 there.
    Tensor x({-kInf, -kInf, -kInf, 0, -kInf, 0}, {2, 3}, true);
    Tensor y = ag::softmax(x, 1);
    EXPECT_EQ(y.values(), (std::vector<float>{0, 0, 0, 0.5f, 0, 0.5f}));
    ag::sum(y * Tensor({1, 2, 3, 4, 5, 6}, {2, 3})).backward();
    // row 1: dx = y ⊙ (g − Σ g·y) with g = (4, 5, 6), Σ g·y = 5: (−0.5, 0, 0.5)
    EXPECT_EQ(x.grad().values(), (std::vector<float>{0, 0, 0, -0.5f, 0, 0.5f}));

    Tensor x2({-kInf, -kInf, 0, std::log(3.0f)}, {2, 2}, true);
    Tensor ly = ag::log_softmax(x2, 1);
    EXPECT_EQ(ly.values()[0], -kInf);
    EXPECT_EQ(ly.values()[1], -kInf);
    EXPECT_TRUE(near_all({ly.values()[2], ly.values()[3]}, {std::log(0.25f), std::log(0.75f)}, 1e-6f));
    ag::sum(ly * Tensor({1, 1, 1, 1}, {2, 2})).backward();
    // row 1: dx = g − softmax · Σ g = 1 − (0.25, 0.75)·2 = (0.5, −0.5); row 0 gets nothing
    EXPECT_TRUE(near_all(x2.grad().values(), {0, 0, 0.5f, -0.5f}, 1e-6f));
}

TEST(GradSoftmax, Errors) {
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([] { ag::softmax(Tensor::zeros({2, 3}), 2); }),
                             {"softmax", "dim 2", "[2, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::log_softmax(Tensor::scalar(1), 0); }),
                             {"log_softmax", "rank 1 or more", "[]"}));
}

// ---- masked_fill and causal_mask ------------------------------------------------------------

TEST(GradMaskedFill, ValuesWithBroadcastMasks) {
    Tensor x({1, 2, 3, 4, 5, 6}, {2, 3});
    EXPECT_EQ(ag::masked_fill(x, Tensor({0, 1, 0}, {3}), -7).values(), (std::vector<float>{1, -7, 3, 4, -7, 6}));
    EXPECT_EQ(ag::masked_fill(x, Tensor({1, 0}, {2, 1}), 0).values(), (std::vector<float>{0, 0, 0, 4, 5, 6}));
    EXPECT_EQ(ag::masked_fill(x, Tensor({0, 0, 1, 1, 0, 0}, {2, 3}), 9).values(),
              (std::vector<float>{1, 2, 9, 9, 5, 6}));
    EXPECT_EQ(ag::masked_fill(x, Tensor::scalar(1), 2).values(), (std::vector<float>{2, 2, 2, 2, 2, 2}));
    // a [L, L] mask over [B, heads, L, L] scores: the same pattern in every batch entry and head
    Tensor scores = Tensor::zeros({2, 2, 3, 3});
    Tensor filled = ag::masked_fill(scores, ag::causal_mask(3), -kInf);
    for (int64_t b = 0; b < 2; ++b)
        for (int64_t h = 0; h < 2; ++h)
            for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(filled.at({b, h, i, j}), j > i ? -kInf : 0.0f);
}

TEST(GradMaskedFill, GradientPassesOnlyWhereNotFilled) {
    Tensor x = rand_tensor({2, 3}, 3);
    ag::sum(ag::masked_fill(x, Tensor({0, 1, 0}, {3}), -kInf) * Tensor({1, 2, 3, 4, 5, 6}, {2, 3})).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{1, 0, 3, 4, 0, 6}));
    for (const Shape& ms : {Shape{2, 3, 4}, Shape{4}, Shape{3, 1}, Shape{1, 1, 4}, Shape{}, Shape{2, 1, 1}}) {
        SCOPED_TRACE(ag::shape_str(ms));
        Tensor mask = Tensor::zeros(ms);
        for (size_t i = 0; i < mask.values().size(); i += 2) mask.mutable_values()[i] = 1;
        EXPECT_TRUE(grad_ok([&](const V& v) { return ag::masked_fill(v[0], mask, 0.5f); }, {rand_tensor({2, 3, 4}, 4)}));
    }
}

TEST(GradMaskedFill, CausalMaskBeforeSoftmax) {
    EXPECT_EQ(ag::causal_mask(3).values(), (std::vector<float>{0, 1, 1, 0, 0, 1, 0, 0, 0}));
    EXPECT_EQ(ag::causal_mask(2, 3).shape(), (Shape{2, 3}));
    EXPECT_EQ(ag::causal_mask(2, 3).values(), (std::vector<float>{0, 1, 1, 0, 0, 1}));
    EXPECT_EQ(ag::causal_mask(0).numel(), 0);
    // Equal scores, causal: query i spreads its weight evenly over keys 0..i.
    Tensor w = ag::softmax(ag::masked_fill(Tensor::zeros({3, 3}), ag::causal_mask(3), -kInf), -1);
    EXPECT_TRUE(near_all(w.values(), {1, 0, 0, 0.5f, 0.5f, 0, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f}, 1e-7f));
    // The composition's gradient, masked entries included (finite scores there: −∞ has no neighbourhood).
    Tensor x = rand_tensor({2, 4, 4}, 8);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::softmax(ag::masked_fill(v[0], ag::causal_mask(4), -kInf), -1); }, {x}));
}

TEST(GradMaskedFill, Errors) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::masked_fill(x, Tensor::zeros({4}), 0); }),
                             {"masked_fill", "[4]", "[2, 3]", "broadcast"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::masked_fill(x, Tensor::zeros({1, 2, 3}), 0); }),
                             {"masked_fill", "[1, 2, 3]", "[2, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::masked_fill(x, Tensor({0, 0.5f, 1}, {3}), 0); }),
                             {"masked_fill", "only 0", "value 1 is 0.5"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::causal_mask(-2); }), {"causal_mask", "-2"}));
}

// ---- layer_norm -------------------------------------------------------------------------------

// The formula written with engine ops, nine nodes: the reference the fused op must equal.
static Tensor composed_layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps) {
    Tensor centred = x - ag::mean(x, -1, true);
    Tensor var = ag::mean(ag::square(centred), -1, true);
    return centred / ag::sqrt(var + eps) * w + b;
}

TEST(GradLayerNorm, HandComputedValues) {
    // [1, 2, 3, 4]: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25; eps 0:
    // x̂ = (−1.5, −0.5, 0.5, 1.5)/√1.25 = (−1.34164079, −0.447213595, 0.447213595, 1.34164079)
    Tensor y = ag::layer_norm(Tensor({1, 2, 3, 4}, {1, 4}), Tensor(), Tensor(), 0.0f);
    EXPECT_TRUE(near_all(y.values(), {-1.34164079f, -0.447213595f, 0.447213595f, 1.34164079f}, 1e-6f));
    // weight 2, bias 1: 2x̂ + 1; a constant row is 0 (then just the bias): (0 − 0)/√(0 + eps)
    Tensor y2 = ag::layer_norm(Tensor({1, 2, 3, 4, 7, 7, 7, 7}, {2, 4}), Tensor::full({4}, 2), Tensor::ones({4}));
    EXPECT_NEAR(y2.values()[0], 2 * -1.34163543f + 1, 1e-5f);  // eps 1e-5: 1.5/√1.25001
    EXPECT_EQ(y2.values()[4], 1.0f);
    EXPECT_EQ(y2.values()[7], 1.0f);
}

TEST(GradLayerNorm, Gradients) {
    Tensor x = rand_tensor({2, 3, 5}, 11, -2, 2), w = rand_tensor({5}, 12, 0.5f, 1.5f), b = rand_tensor({5}, 13);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::layer_norm(v[0], v[1], v[2]); }, {x, w, b}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::layer_norm(v[0], Tensor(), Tensor()); }, {x}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::layer_norm(v[0], Tensor(), v[1], 0.1f); },
                        {rand_tensor({4, 5}, 14), rand_tensor({5}, 15)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::layer_norm(v[0], v[1], v[2]); },
                        {rand_tensor({3, 1}, 16), rand_tensor({1}, 17), rand_tensor({1}, 18)}));  // D = 1: y = bias
}

TEST(GradLayerNorm, EqualsTheComposedOps) {
    Tensor x = rand_tensor({3, 4, 6}, 21, -3, 3), w = rand_tensor({6}, 22), b = rand_tensor({6}, 23);
    Tensor x2 = x.detach().set_requires_grad(true), w2 = w.detach().set_requires_grad(true),
           b2 = b.detach().set_requires_grad(true);
    Tensor g = rand_tensor({3, 4, 6}, 24, -1, 1, false);
    Tensor fused = ag::layer_norm(x, w, b, 1e-5f);
    Tensor composed = composed_layer_norm(x2, w2, b2, 1e-5f);
    EXPECT_EQ(fused.op(), std::string("layer_norm"));
    EXPECT_TRUE(near_all(fused.values(), composed.values(), 2e-6f));
    ag::sum(fused * g).backward();
    ag::sum(composed * g).backward();
    EXPECT_TRUE(near_all(x.grad().values(), x2.grad().values(), 2e-5f));
    EXPECT_TRUE(near_all(w.grad().values(), w2.grad().values(), 2e-5f));
    EXPECT_TRUE(near_all(b.grad().values(), b2.grad().values(), 2e-5f));
}

TEST(GradLayerNorm, Errors) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::layer_norm(x, Tensor::ones({4}), Tensor()); }),
                             {"layer_norm", "weight", "[4]", "[2, 3]", "needs [3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::layer_norm(x, Tensor(), Tensor::ones({2})); }),
                             {"layer_norm", "bias", "[2]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::layer_norm(Tensor::scalar(1), Tensor(), Tensor()); }),
                             {"layer_norm", "[]"}));
}

// ---- splitting into heads -------------------------------------------------------------------

TEST(GradHeads, SplitAndJoinAreInverse) {
    // (B, L, E) -> (B, L, h, d) -> (B, h, L, d): head k of position l is columns [k·d, (k+1)·d).
    Tensor x = rand_tensor({2, 3, 6}, 31, -1, 1, false);
    Tensor heads = ag::transpose(ag::reshape(x, {2, 3, 2, 3}), 1, 2);
    ASSERT_EQ(heads.shape(), (Shape{2, 2, 3, 3}));
    for (int64_t b = 0; b < 2; ++b)
        for (int64_t h = 0; h < 2; ++h)
            for (int64_t l = 0; l < 3; ++l)
                for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(heads.at({b, h, l, j}), x.at({b, l, h * 3 + j}));
    Tensor joined = ag::reshape(ag::transpose(heads, 1, 2), {2, 3, 6});
    EXPECT_EQ(joined.values(), x.values());
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::transpose(ag::reshape(v[0], {2, 3, 2, 3}), 1, 2); },
                        {rand_tensor({2, 3, 6}, 32)}));
}

TEST(GradHeads, FourDMatmulIsOneProductPerBatchAndHead) {
    Tensor a = rand_tensor({2, 3, 4, 5}, 41), b = rand_tensor({2, 3, 5, 2}, 42);
    Tensor c = ag::matmul(a, b);
    ASSERT_EQ(c.shape(), (Shape{2, 3, 4, 2}));
    for (int64_t i = 0; i < 2; ++i)
        for (int64_t h = 0; h < 3; ++h)
            for (int64_t n = 0; n < 4; ++n)
                for (int64_t m = 0; m < 2; ++m) {
                    double want = 0;  // a plain loop in double
                    for (int64_t k = 0; k < 5; ++k) want += double(a.at({i, h, n, k})) * b.at({i, h, k, m});
                    EXPECT_NEAR(c.at({i, h, n, m}), want, 1e-5);
                }
    // q·kᵀ with kᵀ made by transposing the last two dims, as attention does
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::matmul(v[0], ag::transpose(v[1], 2, 3)); },
                        {rand_tensor({2, 2, 3, 4}, 43), rand_tensor({2, 2, 5, 4}, 44)}));
    EXPECT_TRUE(contains_all(
        message_of<std::invalid_argument>([] { ag::matmul(Tensor::zeros({2, 3, 4, 5}), Tensor::zeros({2, 2, 5, 2})); }),
        {"matmul", "batch dims", "[2, 3, 4, 5]", "[2, 2, 5, 2]"}));
}
