// scaled_dot_product_attention_test.cpp — the fused attention op equals the ops it replaces,
// values and gradients; MultiheadAttention gives the same with and without its weights.
//
// Teaches: how to trust a fused op, as rnn_step_test.cpp does: build the same computation from
// primitives (matmul, transpose, masked_fill, softmax), run both on the same inputs, and compare
// the outputs and every input's gradient, for each way of hiding keys. Then central differences,
// a value worked out by hand, and the error messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ag/ag.h"
#include "core_test_util.h"
#include "parity_runner/parity.h"

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

// softmax(masked_fill(q·kᵀ/√d, mask, −∞))·v from the primitive ops (mask and causal as the op's).
Tensor composed(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool causal) {
    const int64_t Lq = q.size(-2), Lk = k.size(-2);
    Tensor scores = ag::matmul(q, ag::transpose(k, -2, -1)) * static_cast<float>(1.0 / std::sqrt(double(q.size(-1))));
    if (mask.defined()) scores = ag::masked_fill(scores, mask, -kInf);
    if (causal) scores = ag::masked_fill(scores, ag::causal_mask(Lq, Lk), -kInf);
    return ag::matmul(ag::softmax(scores, -1), v);
}

// A 0/1 mask of `shape` that hides about one key in three.
Tensor some_mask(const Shape& shape) {
    Tensor m = Tensor::zeros(shape);
    for (int64_t i = 0; i < m.numel(); ++i) m.mutable_values()[i] = (i * 7 % 3 == 0) ? 1.0f : 0.0f;
    return m;
}

struct Case {
    const char* name;
    Shape q, k, v;  // [..., Lq, d], [..., Lk, d], [..., Lk, dv]
    int mask;       // 0: none, 1: [Lq, Lk], 2: [..., Lq, Lk]
    bool causal;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Tensor mask_for(const Case& c) {
    if (c.mask == 0) return Tensor();
    const int64_t Lq = c.q[c.q.size() - 2], Lk = c.k[c.k.size() - 2];
    if (c.mask == 1) return some_mask({Lq, Lk});
    Shape full(c.q.begin(), c.q.end() - 1);
    full.push_back(Lk);
    return some_mask(full);
}

class Sdpa : public ::testing::TestWithParam<Case> {};

TEST_P(Sdpa, EqualsComposedOpsInValuesAndGradients) {
    const Case c = GetParam();
    const Tensor mask = mask_for(c);
    Tensor q = rand_tensor(c.q, 1, -2, 2), k = rand_tensor(c.k, 2, -2, 2), v = rand_tensor(c.v, 3);
    Tensor q2 = q.detach().set_requires_grad(true), k2 = k.detach().set_requires_grad(true);
    Tensor v2 = v.detach().set_requires_grad(true);
    Tensor fused = ag::scaled_dot_product_attention(q, k, v, mask, c.causal);
    Tensor plain = composed(q2, k2, v2, mask, c.causal);
    ASSERT_EQ(fused.shape(), plain.shape());
    EXPECT_TRUE(near_all(fused.values(), plain.values(), 1e-6f));
    const Tensor gout = rand_tensor(plain.shape(), 4, -1, 1, false);
    fused.backward(gout);
    plain.backward(gout);
    EXPECT_TRUE(near_all(q.grad().values(), q2.grad().values(), 1e-5f)) << "dq";
    EXPECT_TRUE(near_all(k.grad().values(), k2.grad().values(), 1e-5f)) << "dk";
    EXPECT_TRUE(near_all(v.grad().values(), v2.grad().values(), 1e-5f)) << "dv";
}

TEST_P(Sdpa, PassesGradcheck) {
    const Case c = GetParam();
    const Tensor mask = mask_for(c);
    // q·kᵀ/√d stays small here, so that the finite differences of the softmax are accurate
    EXPECT_TRUE(grad_ok([&](const V& x) { return ag::scaled_dot_product_attention(x[0], x[1], x[2], mask, c.causal); },
                        {rand_tensor(c.q, 5), rand_tensor(c.k, 6), rand_tensor(c.v, 7)}));
}

// Lq ≠ Lk, dv ≠ d, batch and head dims; the larger cases pass the 16-lane sums and the gemm tiles.
INSTANTIATE_TEST_SUITE_P(
    MasksAndShapes, Sdpa,
    ::testing::Values(Case{"plain", {2, 3, 4, 5}, {2, 3, 6, 5}, {2, 3, 6, 7}, 0, false},
                      Case{"causal", {2, 3, 4, 5}, {2, 3, 6, 5}, {2, 3, 6, 7}, 0, true},
                      Case{"causal_more_queries", {2, 6, 3}, {2, 4, 3}, {2, 4, 2}, 0, true},
                      Case{"shared_mask", {2, 3, 4, 5}, {2, 3, 6, 5}, {2, 3, 6, 7}, 1, false},
                      Case{"per_head_mask_and_causal", {2, 2, 5, 3}, {2, 2, 5, 3}, {2, 2, 5, 4}, 2, true},
                      Case{"rank2", {4, 3}, {5, 3}, {5, 2}, 0, false},
                      Case{"long_causal", {1, 2, 37, 16}, {1, 2, 37, 16}, {1, 2, 37, 16}, 0, true},
                      Case{"long_masked", {2, 21, 8}, {2, 40, 8}, {2, 40, 9}, 2, false}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(SdpaValues, HandComputed) {
    // q = k = v = [[1, 0], [0, 1]], d = 2: scores [[1/√2, 0], [0, 1/√2]], and softmax(1/√2, 0) =
    // (s, 1 − s) with s = 1/(1 + e^(−1/√2)) = 0.669761549; the output is the weights times v.
    Tensor x({1, 0, 0, 1}, {2, 2});
    const float s = 0.669761549f;
    EXPECT_TRUE(near_all(ag::scaled_dot_product_attention(x, x, x).values(), {s, 1 - s, 1 - s, s}, 1e-6f));
    // causal: query 0 sees key 0 only, so its output is v_0 = [1, 0]
    EXPECT_TRUE(near_all(ag::scaled_dot_product_attention(x, x, x, Tensor(), true).values(), {1, 0, 1 - s, s}, 1e-6f));
    // hiding key 0 from query 1 leaves it key 1 alone
    EXPECT_TRUE(near_all(ag::scaled_dot_product_attention(x, x, x, Tensor({0, 0, 1, 0}, {2, 2})).values(),
                         {s, 1 - s, 0, 1}, 1e-6f));
}

TEST(SdpaValues, LargeScoresStayFinite) {
    // scores of ±2000: all the weight on the largest, nothing overflows
    Tensor q({100, 0}, {1, 2}), k({40, 0, -40, 0}, {2, 2}), v({3, 4, 5, 6}, {2, 2});
    EXPECT_TRUE(near_all(ag::scaled_dot_product_attention(q, k, v).values(), {3, 4}, 0));
}

TEST(SdpaValues, QueryThatSeesNoKeyGetsZeroAndNoGradient) {
    Tensor q = rand_tensor({3, 2}, 11), k = rand_tensor({3, 2}, 12), v = rand_tensor({3, 2}, 13);
    const Tensor mask({1, 1, 1, 0, 0, 1, 0, 0, 0}, {3, 3});  // query 0 may see nothing
    Tensor out = ag::scaled_dot_product_attention(q, k, v, mask);
    EXPECT_EQ(out.at({0, 0}), 0.0f);
    EXPECT_EQ(out.at({0, 1}), 0.0f);
    ag::sum(out * out).backward();
    EXPECT_EQ(q.grad().at({0, 0}), 0.0f);
    EXPECT_EQ(q.grad().at({0, 1}), 0.0f);
    Tensor q2 = q.detach().set_requires_grad(true), k2 = k.detach().set_requires_grad(true);
    Tensor v2 = v.detach().set_requires_grad(true);
    Tensor plain = composed(q2, k2, v2, mask, false);
    EXPECT_TRUE(near_all(out.values(), plain.values(), 1e-6f));
    ag::sum(plain * plain).backward();
    for (auto [a, b] : {std::pair{q, q2}, {k, k2}, {v, v2}}) EXPECT_TRUE(near_all(a.grad().values(), b.grad().values(), 1e-6f));
}

TEST(SdpaValues, OneTensorAsQueryKeyAndValueGetsAllThreeGradients) {
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::scaled_dot_product_attention(x[0], x[0], x[0], Tensor(), true); },
                        {rand_tensor({2, 4, 3}, 21)}));
}

TEST(SdpaErrors, NameTheShapes) {
    const Tensor q = Tensor::zeros({2, 3, 4}), k = Tensor::zeros({2, 5, 4}), v = Tensor::zeros({2, 5, 6});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::scaled_dot_product_attention(q, Tensor::zeros({2, 5, 3}), v); }),
                             {"scaled_dot_product_attention", "q [2, 3, 4]", "k [2, 5, 3]", "v [2, 5, 6]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::scaled_dot_product_attention(q, k, Tensor::zeros({2, 4, 6})); }),
                             {"scaled_dot_product_attention", "v [2, 4, 6]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::scaled_dot_product_attention(q, Tensor::zeros({1, 5, 4}), v); }),
                             {"same leading dims"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::scaled_dot_product_attention(q, k, v, Tensor::zeros({5, 3})); }),
                             {"mask of shape [5, 3]", "[3, 5] (Lq, Lk)", "[2, 3, 5]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::scaled_dot_product_attention(q, k, v, Tensor::full({3, 5}, 0.5f)); }),
                             {"mask of shape [3, 5]", "only 0 (keep) and 1 (hide)", "0.5"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::scaled_dot_product_attention(q, Tensor(), v); }),
                             {"scaled_dot_product_attention", "undefined"}));
}

// ---- MultiheadAttention without its weights -------------------------------------------------

// need_weights = false runs the fused op instead of the composed ops: the same output, and the
// same gradients for every parameter and for query, key and value.
TEST(MultiheadAttentionFused, EqualsTheComposedLayer) {
    for (int variant = 0; variant < 3; ++variant) {
        SCOPED_TRACE(variant);
        ag::manual_seed(5);
        ag::nn::MultiheadAttention m(6, 3);
        for (float& b : m.in_proj_bias.mutable_values()) b = 0.1f;
        Tensor q = rand_tensor({2, 4, 6}, 31), k = rand_tensor({2, 5, 6}, 32), v = rand_tensor({2, 5, 6}, 33);
        const Tensor mask = variant == 2 ? some_mask({6, 4, 5}) : variant == 1 ? some_mask({4, 5}) : Tensor();
        const bool causal = variant != 1;
        auto [out, w] = m.forward(q, k, v, mask, causal, /*need_weights=*/true);
        auto [fast, none] = m.forward(q, k, v, mask, causal, /*need_weights=*/false);
        EXPECT_FALSE(none.defined());
        EXPECT_TRUE(w.defined());
        EXPECT_TRUE(near_all(fast.values(), out.values(), 1e-6f));
        const Tensor gout = rand_tensor(out.shape(), 34, -1, 1, false);
        out.backward(gout);
        std::vector<std::vector<float>> want;
        for (const Tensor& t : m.parameters()) want.push_back(t.grad().values());
        for (const Tensor* t : {&q, &k, &v}) want.push_back(t->grad().values());
        m.zero_grad();
        for (Tensor* t : {&q, &k, &v}) t->zero_grad();
        fast.backward(gout);
        std::vector<std::vector<float>> got;
        for (const Tensor& t : m.parameters()) got.push_back(t.grad().values());
        for (const Tensor* t : {&q, &k, &v}) got.push_back(t->grad().values());
        for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(near_all(got[i], want[i], 1e-5f)) << "gradient " << i;
    }
}

// The PyTorch parity cases of the layer (tests/parity/attention_*.txt), run without the weights:
// the fused op must give PyTorch's output, loss and every gradient too.
TEST(MultiheadAttentionFused, MatchesThePyTorchParityCases) {
    for (const char* file : {"tests/parity/attention_self_causal.txt", "tests/parity/attention_cross.txt"}) {
        SCOPED_TRACE(file);
        parity::Case c = parity::parse_case_file(file);
        c.params["need_weights"] = parity::ParamText{"0", 0.0, 0};
        auto& e = c.expects;
        const size_t before = e.size();
        e.erase(std::remove_if(e.begin(), e.end(), [](const auto& x) { return x.first == "attn_weights"; }), e.end());
        EXPECT_EQ(e.size(), before - 1);
        const parity::CaseResult r = parity::run_case(c);
        EXPECT_TRUE(r.passed) << parity::format_result(r);
        EXPECT_LT(r.max_error, 1e-6);
    }
}

}  // namespace
