// ops_gradcheck_test.cpp — every op of ops.h against central differences, plus forward values.
//
// Teaches: a hand-written backward is only trusted once it agrees with (L(x+ε) − L(x−ε)) / 2ε on
// every input value. Each test below is one line of gradcheck per case; the forward values are
// checked against numbers worked out by hand or by an independent plain loop.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/gradcheck.h"
#include "core_test_util.h"

using ag::Shape;
using ag::Tensor;
using core_test::grad_ok;
using core_test::near_all;
using core_test::rand_away_from_zero;
using core_test::rand_tensor;
using V = std::vector<Tensor>;

// ---- binary elementwise with broadcasting ----------------------------------------------------

// Pairs of shapes that broadcast, from equal shapes to a rank-0 scalar on either side.
static const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{2, 3}, {2, 3}}, {{2, 3}, {3}},    {{3}, {2, 3}},       {{2, 1}, {1, 3}}, {{4, 1, 3}, {2, 1}},
    {{}, {2, 3}},     {{2, 3}, {}},     {{2, 3}, {2, 1}},    {{1}, {2, 3}},    {{2, 1, 4}, {3, 1}},
};

static void check_binary(const char* name, ag::Tensor (*op)(const Tensor&, const Tensor&),
                         bool positive_b) {
    uint32_t seed = 10;
    for (const auto& [sa, sb] : kBroadcastPairs) {
        SCOPED_TRACE(std::string(name) + " " + ag::shape_str(sa) + " with " + ag::shape_str(sb));
        Tensor a = rand_tensor(sa, seed++);
        Tensor b = positive_b ? rand_tensor(sb, seed++, 0.5f, 2.0f) : rand_tensor(sb, seed++);
        EXPECT_TRUE(grad_ok([op](const V& x) { return op(x[0], x[1]); }, {a, b}));
    }
}

TEST(GradAdd, Broadcasting) { check_binary("add", ag::add, false); }
TEST(GradSub, Broadcasting) { check_binary("sub", ag::sub, false); }
TEST(GradMul, Broadcasting) { check_binary("mul", ag::mul, false); }
TEST(GradDiv, Broadcasting) { check_binary("div", ag::div, true); }

TEST(GradBroadcast, ForwardValuesFollowTheIndexMapping) {
    Tensor a({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor row({10, 20, 30}, {3});
    Tensor col({100, 200}, {2, 1});
    EXPECT_EQ((a + row).values(), (std::vector<float>{11, 22, 33, 14, 25, 36}));
    EXPECT_EQ((a * col).values(), (std::vector<float>{100, 200, 300, 800, 1000, 1200}));
    Tensor outer = Tensor({1, 2}, {2, 1}) * Tensor({3, 4, 5}, {1, 3});
    EXPECT_EQ(outer.shape(), (Shape{2, 3}));
    EXPECT_EQ(outer.values(), (std::vector<float>{3, 4, 5, 6, 8, 10}));
    Tensor q = Tensor::full({4, 1, 3}, 6.0f) / Tensor({2, 3}, {2, 1});
    EXPECT_EQ(q.shape(), (Shape{4, 2, 3}));
    EXPECT_EQ(q.at({3, 1, 2}), 2.0f);
    EXPECT_EQ(q.at({0, 0, 1}), 3.0f);
    EXPECT_EQ((Tensor::scalar(1.0f) - a).values(), (std::vector<float>{0, -1, -2, -3, -4, -5}));
    Tensor empty = Tensor::zeros({0, 3}, true) + Tensor::ones({3}, true);  // size 0 broadcasts too
    EXPECT_EQ(empty.shape(), (Shape{0, 3}));
    EXPECT_EQ(empty.numel(), 0);
}

TEST(GradBroadcast, RepeatedInputGetsTheSumOfItsCopiesGradients) {
    // bias [3] added to x [2, 3]: dL/dbias_j = Σ_i dL/dy_ij; with L = Σ y·w that is a column sum.
    Tensor x = Tensor::zeros({2, 3});
    Tensor bias = Tensor::zeros({3}, true);
    Tensor w({1, 2, 3, 4, 5, 6}, {2, 3});
    ag::sum((x + bias) * w).backward();
    EXPECT_EQ(bias.grad().values(), (std::vector<float>{5, 7, 9}));
}

// ---- neg, scalar ops and operator overloads --------------------------------------------------

TEST(GradScalarOps, NegAndScalarAddMulDiv) {
    Tensor a = rand_tensor({2, 3}, 1);
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::neg(x[0]); }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::add(x[0], 1.5f); }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::mul(x[0], -2.5f); }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::div(x[0], 4.0f); }, {a}));
}

TEST(GradScalarOps, OperatorOverloadsWithFloats) {
    Tensor a = rand_tensor({2, 3}, 2);
    Tensor p = rand_tensor({2, 3}, 3, 0.5f, 2.0f);
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] + 2.0f; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return 2.0f + x[0]; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] - 2.0f; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return 2.0f - x[0]; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] * 3.0f; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return 3.0f * x[0]; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] / 4.0f; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return 4.0f / x[0]; }, {p}));
    EXPECT_TRUE(grad_ok([](const V& x) { return -x[0]; }, {a}));
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] + x[1]; }, {a, p}));
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] - x[1]; }, {a, p}));
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] * x[1]; }, {a, p}));
    EXPECT_TRUE(grad_ok([](const V& x) { return x[0] / x[1]; }, {a, p}));
}

TEST(GradScalarOps, OperatorForwardValues) {
    Tensor a({1, 2, 4}, {3});
    EXPECT_EQ((a + 1.0f).values(), (std::vector<float>{2, 3, 5}));
    EXPECT_EQ((1.0f + a).values(), (std::vector<float>{2, 3, 5}));
    EXPECT_EQ((a - 1.0f).values(), (std::vector<float>{0, 1, 3}));
    EXPECT_EQ((1.0f - a).values(), (std::vector<float>{0, -1, -3}));
    EXPECT_EQ((a * 2.0f).values(), (std::vector<float>{2, 4, 8}));
    EXPECT_EQ((2.0f * a).values(), (std::vector<float>{2, 4, 8}));
    EXPECT_EQ((a / 2.0f).values(), (std::vector<float>{0.5f, 1, 2}));
    EXPECT_EQ((2.0f / a).values(), (std::vector<float>{2, 1, 0.5f}));
    EXPECT_EQ((-a).values(), (std::vector<float>{-1, -2, -4}));
}

// ---- matmul ----------------------------------------------------------------------------------

// C = A·B with a plain triple loop in double: an independent reference for the tiled product.
static std::vector<float> reference_matmul(const std::vector<float>& A, const std::vector<float>& B,
                                           int64_t batches, int64_t n, int64_t k, int64_t m,
                                           bool shared_b) {
    std::vector<float> C(static_cast<size_t>(batches * n * m));
    for (int64_t t = 0; t < batches; ++t)
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < m; ++j) {
                double s = 0;
                for (int64_t p = 0; p < k; ++p)
                    s += double(A[(t * n + i) * k + p]) * B[(shared_b ? 0 : t * k * m) + p * m + j];
                C[(t * n + i) * m + j] = static_cast<float>(s);
            }
    return C;
}

TEST(GradMatmul, HandComputed2x2) {
    Tensor c = ag::matmul(Tensor({1, 2, 3, 4}, {2, 2}), Tensor({5, 6, 7, 8}, {2, 2}));
    EXPECT_EQ(c.values(), (std::vector<float>{19, 22, 43, 50}));
}

// (k, n) -> (n, k)
static std::vector<float> transposed(const std::vector<float>& A, int64_t k, int64_t n) {
    std::vector<float> T(A.size());
    for (int64_t p = 0; p < k; ++p)
        for (int64_t i = 0; i < n; ++i) T[i * k + p] = A[p * n + i];
    return T;
}

TEST(GradMatmul, ForwardAndBackwardMatchPlainLoopAcrossTileEdges) {
    // sizes below, at and past the gemm tiles: 8 and 4 rows; 32, 16 and 8 columns, then 4, 2, 1
    for (int64_t n : {1, 3, 4, 5, 8, 9, 13, 17})
        for (int64_t k : {1, 2, 7, 20})
            for (int64_t m : {1, 2, 3, 7, 8, 15, 16, 17, 24, 31, 32, 33, 41, 63}) {
                SCOPED_TRACE("n=" + std::to_string(n) + " k=" + std::to_string(k) + " m=" + std::to_string(m));
                Tensor a = rand_tensor({n, k}, 1);
                Tensor b = rand_tensor({k, m}, 2);
                Tensor c = ag::matmul(a, b);
                EXPECT_TRUE(near_all(c.values(), reference_matmul(a.values(), b.values(), 1, n, k, m, true), 1e-4f));
                // dA = dC·Bᵀ (gemm_nt) and dB = Aᵀ·dC (gemm_tn)
                Tensor g = rand_tensor({n, m}, 3, -1, 1, false);
                c.backward(g);
                EXPECT_TRUE(near_all(a.grad().values(),
                                     reference_matmul(g.values(), transposed(b.values(), k, m), 1, n, m, k, true), 1e-4f));
                EXPECT_TRUE(near_all(b.grad().values(),
                                     reference_matmul(transposed(a.values(), n, k), g.values(), 1, k, n, m, true), 1e-4f));
            }
}

TEST(GradMatmul, TwoD) {
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); },
                        {rand_tensor({3, 4}, 1), rand_tensor({4, 5}, 2)}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); },
                        {rand_tensor({1, 1}, 3), rand_tensor({1, 1}, 4)}));
    // past the tile sizes of the gemm loops, forward and backward
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); },
                        {rand_tensor({6, 20}, 5), rand_tensor({20, 41}, 6)}));
}

TEST(GradMatmul, OnlyOneSideRequiresGrad) {
    Tensor a = rand_tensor({3, 4}, 1);
    Tensor b = rand_tensor({4, 5}, 2, -1, 1, false);
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); }, {a, b}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[1], x[0]); },
                        {rand_tensor({5, 2}, 3), rand_tensor({3, 5}, 4, -1, 1, false)}));
}

TEST(GradMatmul, SquareMatrixTimesItself) {
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[0]); }, {rand_tensor({3, 3}, 7)}));
}

TEST(GradMatmul, BatchedTimesShared2D) {
    Tensor a = rand_tensor({2, 3, 4}, 1);
    Tensor b = rand_tensor({4, 5}, 2);
    Tensor c = ag::matmul(a, b);
    EXPECT_EQ(c.shape(), (Shape{2, 3, 5}));
    EXPECT_TRUE(near_all(c.values(), reference_matmul(a.values(), b.values(), 2, 3, 4, 5, true), 1e-5f));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); }, {a, b}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); },
                        {rand_tensor({2, 2, 3, 4}, 3), rand_tensor({4, 2}, 4)}));
}

TEST(GradMatmul, BatchedTimesBatched) {
    Tensor a = rand_tensor({2, 3, 4}, 1);
    Tensor b = rand_tensor({2, 4, 5}, 2);
    Tensor c = ag::matmul(a, b);
    EXPECT_EQ(c.shape(), (Shape{2, 3, 5}));
    EXPECT_TRUE(near_all(c.values(), reference_matmul(a.values(), b.values(), 2, 3, 4, 5, false), 1e-5f));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); }, {a, b}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::matmul(x[0], x[1]); },
                        {rand_tensor({2, 2, 3, 4}, 3), rand_tensor({2, 2, 4, 2}, 4)}));
}

// ---- linear ----------------------------------------------------------------------------------

TEST(GradLinear, WithAndWithoutBias2D) {
    Tensor x = rand_tensor({3, 4}, 1), w = rand_tensor({5, 4}, 2), b = rand_tensor({5}, 3);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::linear(v[0], v[1], v[2]); }, {x, w, b}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::linear(v[0], v[1], Tensor()); }, {x, w}));
}

TEST(GradLinear, ThreeDAndOneDInput) {
    Tensor x = rand_tensor({2, 3, 4}, 1), w = rand_tensor({5, 4}, 2), b = rand_tensor({5}, 3);
    EXPECT_EQ(ag::linear(x, w, b).shape(), (Shape{2, 3, 5}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::linear(v[0], v[1], v[2]); }, {x, w, b}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::linear(v[0], v[1], Tensor()); }, {x, w}));
    Tensor x1 = rand_tensor({4}, 4);
    EXPECT_EQ(ag::linear(x1, w, b).shape(), (Shape{5}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::linear(v[0], v[1], v[2]); }, {x1, w, b}));
}

TEST(GradLinear, LargeEnoughForTheTransposedScratchPath) {
    // k·m > 256 takes the other branch of the weight product
    Tensor x = rand_tensor({5, 20}, 1), w = rand_tensor({33, 20}, 2), b = rand_tensor({33}, 3);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::linear(v[0], v[1], v[2]); }, {x, w, b}));
}

TEST(GradLinear, EqualsComposedMatmulTransposeAdd) {
    for (const Shape& sx : {Shape{3, 4}, Shape{2, 3, 4}, Shape{5, 4}}) {
        SCOPED_TRACE(ag::shape_str(sx));
        Tensor x1 = rand_tensor(sx, 1), w1 = rand_tensor({6, 4}, 2), b1 = rand_tensor({6}, 3);
        Tensor x2 = rand_tensor(sx, 1), w2 = rand_tensor({6, 4}, 2), b2 = rand_tensor({6}, 3);
        Tensor g = rand_tensor([&] { Shape s = sx; s.back() = 6; return s; }(), 9, -1, 1, false);
        Tensor fused = ag::linear(x1, w1, b1);
        Tensor composed = ag::matmul(x2, ag::transpose(w2, 0, 1)) + b2;
        ASSERT_EQ(fused.shape(), composed.shape());
        EXPECT_TRUE(near_all(fused.values(), composed.values(), 1e-5f));
        ag::sum(fused * g).backward();
        ag::sum(composed * g).backward();
        EXPECT_TRUE(near_all(x1.grad().values(), x2.grad().values(), 1e-5f));
        EXPECT_TRUE(near_all(w1.grad().values(), w2.grad().values(), 1e-5f));
        EXPECT_TRUE(near_all(b1.grad().values(), b2.grad().values(), 1e-5f));
    }
}

TEST(GradLinear, BiasRowsAndTheirSumAcrossLaneEdges) {
    // every row of y starts as the bias, and db sums the rows of dy, a register's worth of columns
    // at a time: widths below, at and past a register (1, 10, 16, 17, 33), with and without bias
    for (int64_t out_f : {1, 2, 9, 10, 15, 16, 17, 33})
        for (int64_t rows : {1, 2, 17, 40}) {
            SCOPED_TRACE("out=" + std::to_string(out_f) + " rows=" + std::to_string(rows));
            Tensor x = rand_tensor({rows, 3}, 1), w = rand_tensor({out_f, 3}, 2), b = rand_tensor({out_f}, 3);
            Tensor g = rand_tensor({rows, out_f}, 4, -1, 1, false);
            std::vector<float> xw = reference_matmul(x.values(), transposed(w.values(), out_f, 3), 1, rows, 3, out_f, true);
            std::vector<float> want(xw), db(static_cast<size_t>(out_f), 0.0f);
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t j = 0; j < out_f; ++j) {
                    want[r * out_f + j] += b.values()[j];
                    db[j] += g.values()[r * out_f + j];
                }
            Tensor y = ag::linear(x, w, b);
            EXPECT_TRUE(near_all(y.values(), want, 1e-5f));
            y.backward(g);
            EXPECT_TRUE(near_all(b.grad().values(), db, 1e-5f));
            EXPECT_TRUE(near_all(ag::linear(x, w, Tensor()).values(), xw, 1e-5f));
        }
}

TEST(GradLinear, HandComputed) {
    // y = x·Wᵀ + b with x = [1, 2], W = [[1, 0], [2, 3]], b = [0.5, -1]: y = [1.5, 7]
    Tensor x({1, 2}, {1, 2}, true), w({1, 0, 2, 3}, {2, 2}, true), b({0.5f, -1}, {2}, true);
    Tensor y = ag::linear(x, w, b);
    EXPECT_EQ(y.values(), (std::vector<float>{1.5f, 7}));
    ag::sum(y).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{3, 3}));        // column sums of W
    EXPECT_EQ(w.grad().values(), (std::vector<float>{1, 2, 1, 2}));  // x in every row
    EXPECT_EQ(b.grad().values(), (std::vector<float>{1, 1}));
}

// ---- transpose and reshape -------------------------------------------------------------------

TEST(GradTranspose, ValuesOf2D) {
    Tensor t = ag::transpose(Tensor({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 1);
    EXPECT_EQ(t.shape(), (Shape{3, 2}));
    EXPECT_EQ(t.values(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(GradTranspose, ValuesOfRank3MatchIndexSwap) {
    Tensor x = rand_tensor({2, 3, 4}, 1, -1, 1, false);
    Tensor t = ag::transpose(x, 0, 2);
    ASSERT_EQ(t.shape(), (Shape{4, 3, 2}));
    for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 3; ++j)
            for (int64_t k = 0; k < 4; ++k) EXPECT_EQ(t.at({k, j, i}), x.at({i, j, k}));
}

TEST(GradTranspose, SeveralDimPairs) {
    struct Case { Shape s; int64_t d0, d1; };
    for (const Case& c : std::vector<Case>{{{2, 3}, 0, 1},       {{2, 3}, 1, 0},      {{2, 3, 4}, 0, 2},
                                           {{2, 3, 4}, 1, 2},    {{2, 3, 4}, -1, -3}, {{2, 3, 4}, 1, 1},
                                           {{2, 3, 4, 5}, 1, 3}, {{2, 3, 4, 5}, 0, -1}, {{2, 3, 4, 5}, -2, 0}}) {
        SCOPED_TRACE(ag::shape_str(c.s) + " " + std::to_string(c.d0) + "," + std::to_string(c.d1));
        EXPECT_TRUE(grad_ok([&](const V& x) { return ag::transpose(x[0], c.d0, c.d1); }, {rand_tensor(c.s, 3)}));
    }
}

TEST(GradTranspose, DimsOfSize1MatchIndexSwap) {
    // With a dim of size 1 among the swapped ones, often no value moves (attention's split into
    // one head: [B, L, 1, d] -> [B, 1, L, d]); sometimes one still does ([1, 3, 2], 0 with 2).
    struct Case { Shape s; int64_t d0, d1; };
    for (const Case& c : std::vector<Case>{{{2, 5, 1, 3}, 1, 2}, {{2, 1, 5, 3}, 1, 2}, {{3, 1, 1, 2}, 0, 2},
                                           {{1, 3, 2}, 0, 2},    {{4, 1, 1}, 1, 2},    {{1, 4}, 0, 1},
                                           {{2, 1, 3}, 0, 2},    {{1, 1, 5, 1}, 0, 3}}) {
        SCOPED_TRACE(ag::shape_str(c.s) + " " + std::to_string(c.d0) + "," + std::to_string(c.d1));
        Tensor x = rand_tensor(c.s, 4);
        Tensor t = ag::transpose(x, c.d0, c.d1);
        std::vector<int64_t> idx(c.s.size(), 0);  // x's index, counted like an odometer
        for (int64_t n = 0; n < x.numel(); ++n) {
            std::vector<int64_t> swapped = idx;
            std::swap(swapped[c.d0], swapped[c.d1]);
            EXPECT_EQ(t.at(swapped), x.at(idx));
            for (size_t d = idx.size(); d-- > 0;) {
                if (++idx[d] < c.s[d]) break;
                idx[d] = 0;
            }
        }
        EXPECT_TRUE(grad_ok([&](const V& v) { return ag::transpose(v[0], c.d0, c.d1); }, {x}));
    }
}

TEST(GradReshape, ShapesAndGradients) {
    Tensor x = rand_tensor({2, 3, 4}, 1);
    EXPECT_EQ(ag::reshape(x, {6, 4}).shape(), (Shape{6, 4}));
    EXPECT_EQ(ag::reshape(x, {-1}).shape(), (Shape{24}));
    EXPECT_EQ(ag::reshape(x, {4, -1, 2}).shape(), (Shape{4, 3, 2}));
    EXPECT_EQ(ag::reshape(x, {4, -1, 2}).values(), x.values());
    EXPECT_EQ(ag::reshape(Tensor({5}, {1, 1}), {}).shape(), Shape{});
    for (const Shape& s : {Shape{6, 4}, Shape{-1}, Shape{4, -1, 2}, Shape{2, 12}}) {
        SCOPED_TRACE(ag::shape_str(s));
        EXPECT_TRUE(grad_ok([&](const V& v) { return ag::reshape(v[0], s); }, {x}));
    }
}

// ---- unary functions -------------------------------------------------------------------------

TEST(GradUnary, TanhExpSinCos) {
    Tensor x = rand_tensor({2, 3}, 1, -2.0f, 2.0f);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::tanh(v[0]); }, {x}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::exp(v[0]); }, {x}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::sin(v[0]); }, {x}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::cos(v[0]); }, {x}));
}

TEST(GradUnary, LogSqrtOnPositiveInputs) {
    Tensor x = rand_tensor({2, 3}, 2, 0.5f, 3.0f);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::log(v[0]); }, {x}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::sqrt(v[0]); }, {x}));
}

TEST(GradUnary, PowAndSquare) {
    Tensor x = rand_tensor({2, 3}, 3, 0.5f, 2.0f);
    for (float p : {3.0f, 2.0f, 0.5f, -1.5f, 1.0f, 0.0f}) {
        SCOPED_TRACE(p);
        EXPECT_TRUE(grad_ok([p](const V& v) { return ag::pow(v[0], p); }, {x}));
    }
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::pow(v[0], 3.0f); }, {rand_tensor({4}, 4)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::square(v[0]); }, {rand_tensor({2, 3}, 5)}));
}

TEST(GradUnary, PowZeroHasZeroGradientEverywhere) {
    // x⁰ = 1: d/dx = 0, also at x = 0 (PyTorch gives 0 there too, not NaN)
    Tensor x({0, 2, -1}, {3}, true);
    ag::sum(ag::pow(x, 0.0f)).backward();
    EXPECT_EQ(x.grad().values(), (std::vector<float>{0, 0, 0}));
    EXPECT_EQ(ag::pow(x, 0.0f).values(), (std::vector<float>{1, 1, 1}));
}

TEST(GradUnary, ReluAwayFromZero) {
    Tensor x = rand_away_from_zero({3, 4}, 6);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::relu(v[0]); }, {x}));
    EXPECT_EQ(ag::relu(Tensor({-1, 2, 0}, {3})).values(), (std::vector<float>{0, 2, 0}));
}

TEST(GradUnary, ForwardValues) {
    Tensor x({0.5f, 1.0f, 2.0f}, {3});
    for (size_t i = 0; i < 3; ++i) {
        float v = x.values()[i];
        EXPECT_FLOAT_EQ(ag::tanh(x).values()[i], std::tanh(v));
        EXPECT_FLOAT_EQ(ag::exp(x).values()[i], std::exp(v));
        EXPECT_FLOAT_EQ(ag::log(x).values()[i], std::log(v));
        EXPECT_FLOAT_EQ(ag::sqrt(x).values()[i], std::sqrt(v));
        EXPECT_FLOAT_EQ(ag::sin(x).values()[i], std::sin(v));
        EXPECT_FLOAT_EQ(ag::cos(x).values()[i], std::cos(v));
        EXPECT_FLOAT_EQ(ag::pow(x, 3.0f).values()[i], v * v * v);
        EXPECT_FLOAT_EQ(ag::square(x).values()[i], v * v);
    }
}

// ---- reductions ------------------------------------------------------------------------------

TEST(GradReduce, SumAndMeanOfAll) {
    Tensor x({1, 2, 3, 4, 5, 6}, {2, 3}, true);
    EXPECT_EQ(ag::sum(x).item(), 21.0f);
    EXPECT_EQ(ag::sum(x).shape(), Shape{});
    EXPECT_EQ(ag::mean(x).item(), 3.5f);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::sum(v[0]); }, {rand_tensor({2, 3, 4}, 1)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::mean(v[0]); }, {rand_tensor({2, 3, 4}, 2)}));
    ag::mean(x).backward();
    EXPECT_TRUE(near_all(x.grad().values(), std::vector<float>(6, 1.0f / 6.0f), 1e-7f));
}

TEST(GradReduce, SumAlongDimValues) {
    Tensor x({1, 2, 3, 4, 5, 6}, {2, 3});
    EXPECT_EQ(ag::sum(x, 0).values(), (std::vector<float>{5, 7, 9}));
    EXPECT_EQ(ag::sum(x, 1).values(), (std::vector<float>{6, 15}));
    EXPECT_EQ(ag::sum(x, -1, true).shape(), (Shape{2, 1}));
    EXPECT_EQ(ag::mean(x, 0, true).values(), (std::vector<float>{2.5f, 3.5f, 4.5f}));
    EXPECT_EQ(ag::mean(x, 0, true).shape(), (Shape{1, 3}));
}

TEST(GradReduce, SumAndMeanAlongEveryDim) {
    Tensor x = rand_tensor({2, 3, 4}, 3);
    struct Case { int64_t dim; Shape dropped, kept; };
    for (const Case& c : std::vector<Case>{{0, {3, 4}, {1, 3, 4}},
                                           {1, {2, 4}, {2, 1, 4}},
                                           {2, {2, 3}, {2, 3, 1}},
                                           {-1, {2, 3}, {2, 3, 1}},
                                           {-2, {2, 4}, {2, 1, 4}},
                                           {-3, {3, 4}, {1, 3, 4}}}) {
        SCOPED_TRACE("dim " + std::to_string(c.dim));
        EXPECT_EQ(ag::sum(x, c.dim).shape(), c.dropped);
        EXPECT_EQ(ag::sum(x, c.dim, true).shape(), c.kept);
        EXPECT_EQ(ag::mean(x, c.dim).shape(), c.dropped);
        EXPECT_EQ(ag::mean(x, c.dim, true).shape(), c.kept);
        for (bool keep : {false, true}) {
            EXPECT_TRUE(grad_ok([&](const V& v) { return ag::sum(v[0], c.dim, keep); }, {x}));
            EXPECT_TRUE(grad_ok([&](const V& v) { return ag::mean(v[0], c.dim, keep); }, {x}));
        }
    }
}

// ---- narrow, select, stack, cat --------------------------------------------------------------

TEST(GradSlice, NarrowValuesAndGradients) {
    Tensor x({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
    EXPECT_EQ(ag::narrow(x, 0, 1, 2).values(), (std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11}));
    EXPECT_EQ(ag::narrow(x, 1, 1, 2).values(), (std::vector<float>{1, 2, 5, 6, 9, 10}));
    EXPECT_EQ(ag::narrow(x, -1, 3, 1).shape(), (Shape{3, 1}));
    Tensor y = rand_tensor({3, 4, 5}, 1);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::narrow(v[0], 0, 1, 2); }, {y}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::narrow(v[0], 1, 2, 2); }, {y}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::narrow(v[0], -1, 0, 3); }, {y}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::narrow(v[0], 2, 4, 1); }, {y}));
}

TEST(GradSlice, SelectValuesAndGradients) {
    Tensor x({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
    EXPECT_EQ(ag::select(x, 0, 1).values(), (std::vector<float>{4, 5, 6, 7}));
    EXPECT_EQ(ag::select(x, 1, 2).values(), (std::vector<float>{2, 6, 10}));
    EXPECT_EQ(ag::select(x, 1, -1).values(), (std::vector<float>{3, 7, 11}));
    EXPECT_EQ(ag::select(x, -2, -3).values(), (std::vector<float>{0, 1, 2, 3}));
    EXPECT_EQ(ag::select(x, 0, 2).shape(), Shape{4});
    Tensor s = ag::select(Tensor({1, 2, 3}, {3}), 0, -1);  // rank 1 -> rank 0
    EXPECT_EQ(s.shape(), Shape{});
    EXPECT_EQ(s.item(), 3.0f);
    EXPECT_EQ(ag::narrow(x, 1, 4, 0).shape(), (Shape{3, 0}));  // an empty slice at the end is fine
    Tensor y = rand_tensor({3, 4, 5}, 2);
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::select(v[0], 1, 2); }, {y}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::select(v[0], 1, -1); }, {y}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::select(v[0], 0, 0); }, {y}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::select(v[0], -1, -2); }, {y}));
}

TEST(GradSlice, EveryTimeStepSelectedAndStackedBack) {
    // select each step of [B, L, H] and stack along dim 1: the identity, gradient 1 everywhere
    Tensor x = rand_tensor({2, 3, 4}, 4);
    std::vector<Tensor> steps;
    for (int64_t t = 0; t < 3; ++t) steps.push_back(ag::select(x, 1, t));
    Tensor back = ag::stack(steps, 1);
    EXPECT_EQ(back.values(), x.values());
    ag::sum(back).backward();
    EXPECT_EQ(x.grad().values(), std::vector<float>(24, 1.0f));
}

TEST(GradJoin, StackShapesAndValues) {
    Tensor a({1, 2, 3, 4, 5, 6}, {2, 3}), b({7, 8, 9, 10, 11, 12}, {2, 3});
    EXPECT_EQ(ag::stack({a, b}, 0).shape(), (Shape{2, 2, 3}));
    EXPECT_EQ(ag::stack({a, b}, 0).values(), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
    EXPECT_EQ(ag::stack({a, b}, 1).shape(), (Shape{2, 2, 3}));
    EXPECT_EQ(ag::stack({a, b}, 1).values(), (std::vector<float>{1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12}));
    EXPECT_EQ(ag::stack({a, b}, 2).shape(), (Shape{2, 3, 2}));
    EXPECT_EQ(ag::stack({a, b}, -1).values(), (std::vector<float>{1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12}));
}

TEST(GradJoin, StackGradients) {
    Tensor a = rand_tensor({2, 3}, 1), b = rand_tensor({2, 3}, 2), c = rand_tensor({2, 3}, 3);
    for (int64_t dim : {0, 1, 2, -1, -3}) {
        SCOPED_TRACE(dim);
        EXPECT_TRUE(grad_ok([dim](const V& v) { return ag::stack(v, dim); }, {a, b, c}));
    }
}

TEST(GradJoin, CatShapesAndValues) {
    Tensor a({1, 2, 3, 4}, {2, 2}), b({5, 6}, {2, 1});
    EXPECT_EQ(ag::cat({a, b}, 1).shape(), (Shape{2, 3}));
    EXPECT_EQ(ag::cat({a, b}, 1).values(), (std::vector<float>{1, 2, 5, 3, 4, 6}));
    EXPECT_EQ(ag::cat({a, Tensor({7, 8}, {1, 2})}, 0).values(), (std::vector<float>{1, 2, 3, 4, 7, 8}));
}

TEST(GradJoin, CatGradientsWithDifferentSizes) {
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::cat(v, 0); },
                        {rand_tensor({2, 3}, 1), rand_tensor({4, 3}, 2), rand_tensor({1, 3}, 3)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::cat(v, 1); },
                        {rand_tensor({2, 3, 2}, 4), rand_tensor({2, 1, 2}, 5), rand_tensor({2, 2, 2}, 6)}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::cat(v, -1); },
                        {rand_tensor({2, 3}, 7), rand_tensor({2, 5}, 8)}));
}

// A piece's first gradient is copied from its slice of dL/dy and later ones are added, so a leaf
// that already holds a gradient (from an earlier backward) gets the sum, across every row run.
TEST(GradJoin, StackAddsToAGradientAlreadyThere) {
    Tensor a({1, 2, 3, 4}, {2, 2}, true), b({5, 6, 7, 8}, {2, 2}, true);
    const Tensor w({1, 10, 100, 1000, -1, -10, -100, -1000}, {2, 2, 2});  // dL/dy for stack dim 1
    for (int pass = 1; pass <= 2; ++pass) ag::sum(ag::stack({a, b}, 1) * w).backward();
    EXPECT_EQ(a.grad().values(), (std::vector<float>{2, 20, -2, -20}));
    EXPECT_EQ(b.grad().values(), (std::vector<float>{200, 2000, -200, -2000}));
}

TEST(GradJoin, SameTensorTwiceAccumulates) {
    Tensor a({1, 2}, {2}, true);
    ag::sum(ag::stack({a, a, a}, 0)).backward();
    EXPECT_EQ(a.grad().values(), (std::vector<float>{3, 3}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::cat({v[0], v[0]}, 0); }, {rand_tensor({2, 3}, 1)}));
}

// ---- index_select_rows -----------------------------------------------------------------------

TEST(GradGather, RowsArePickedByIndex) {
    Tensor table({0, 1, 10, 11, 20, 21}, {3, 2});
    Tensor out = ag::index_select_rows(table, Tensor({2, 0, 2}, {3}));
    EXPECT_EQ(out.shape(), (Shape{3, 2}));
    EXPECT_EQ(out.values(), (std::vector<float>{20, 21, 0, 1, 20, 21}));
    EXPECT_EQ(ag::index_select_rows(table, Tensor({1, 2, 0, 1}, {2, 2})).shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(ag::index_select_rows(table, Tensor::scalar(1)).values(), (std::vector<float>{10, 11}));
}

TEST(GradGather, RepeatedIndexAccumulatesExactly) {
    // indices [[0, 2], [2, 4]] into a [5, 3] table: row 2 is used twice, rows 1 and 3 never.
    Tensor table = rand_tensor({5, 3}, 1);
    Tensor idx({0, 2, 2, 4}, {2, 2});
    Tensor out = ag::index_select_rows(table, idx);
    ASSERT_EQ(out.shape(), (Shape{2, 2, 3}));
    // weights per output row: 1, 2, 3, 4 → table row 0 gets 1, row 2 gets 2 + 3, row 4 gets 4
    Tensor w({1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}, {2, 2, 3});
    ag::sum(out * w).backward();
    EXPECT_EQ(table.grad().values(), (std::vector<float>{1, 1, 1, 0, 0, 0, 5, 5, 5, 0, 0, 0, 4, 4, 4}));
    EXPECT_FALSE(idx.has_grad());
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::index_select_rows(v[0], v[1]); },
                        {rand_tensor({5, 3}, 2), idx}));
    EXPECT_TRUE(grad_ok([](const V& v) { return ag::index_select_rows(v[0], v[1]); },
                        {rand_tensor({4, 2}, 3), Tensor({3, 3, 3, 0, 1, 3}, {6})}));
}

// ---- a composition: the RNN step this engine exists for ---------------------------------------

TEST(GradComposite, RnnStepTanhOfTwoLinears) {
    // h_t = tanh(x_t·Wxᵀ + h_{t-1}·Whᵀ + b) over three steps, loss = mean of the last h
    EXPECT_TRUE(grad_ok(
        [](const V& v) {
            Tensor h = Tensor::zeros({2, 3});
            for (int64_t t = 0; t < 3; ++t)
                h = ag::tanh(ag::linear(ag::select(v[0], 1, t), v[1], v[3]) + ag::linear(h, v[2], Tensor()));
            return ag::mean(h);
        },
        {rand_tensor({2, 3, 4}, 1), rand_tensor({3, 4}, 2), rand_tensor({3, 3}, 3), rand_tensor({3}, 4)}));
}
