// attention_test.cpp — the modules nn::MultiheadAttention and nn::LayerNorm, and the loss
// nn::CrossEntropyLoss.
//
// Teaches: a layer is checked against numbers it did not compute: PyTorch's initial weights
// (copied from the parity case init_gated_attention of ../shared/parity), a case small enough to
// work out by hand, and attention written again here as plain loops in double, heads, mask and all.
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

void set(Tensor& p, const std::vector<float>& v) { p.mutable_values() = ag::Buffer(v); }

// Attention as plain loops in double, from the module's weights: out (B, Lq, E), weights (B, Lq, Lk).
// masked(b, head, i, j) says whether key j is hidden from query i.
template <class Masked>
void reference_attention(const ag::nn::MultiheadAttention& m, const Tensor& query, const Tensor& key,
                         const Tensor& value, Masked masked, std::vector<double>& out, std::vector<double>& avg) {
    const int64_t E = m.embed_dim, H = m.num_heads, d = E / H, B = query.size(0), Lq = query.size(1),
                  Lk = key.size(1);
    auto project = [&](const Tensor& x, int64_t block, int64_t b, int64_t l, int64_t r) {  // row r of block
        double s = m.in_proj_bias.values()[block * E + r];
        for (int64_t c = 0; c < E; ++c) s += double(m.in_proj_weight.at({block * E + r, c})) * x.at({b, l, c});
        return s;
    };
    out.assign(B * Lq * E, 0.0);
    avg.assign(B * Lq * Lk, 0.0);
    for (int64_t b = 0; b < B; ++b) {
        std::vector<double> joined(Lq * E);
        for (int64_t h = 0; h < H; ++h)
            for (int64_t i = 0; i < Lq; ++i) {
                std::vector<double> w(Lk);
                double total = 0;
                for (int64_t j = 0; j < Lk; ++j) {
                    double s = 0;
                    for (int64_t r = h * d; r < (h + 1) * d; ++r) s += project(query, 0, b, i, r) * project(key, 1, b, j, r);
                    w[j] = masked(b, h, i, j) ? 0.0 : std::exp(s / std::sqrt(double(d)));
                    total += w[j];
                }
                for (int64_t j = 0; j < Lk; ++j) {
                    w[j] = total > 0 ? w[j] / total : 0.0;
                    avg[(b * Lq + i) * Lk + j] += w[j] / H;
                    for (int64_t r = h * d; r < (h + 1) * d; ++r) joined[i * E + r] += w[j] * project(value, 2, b, j, r);
                }
            }
        for (int64_t i = 0; i < Lq; ++i)
            for (int64_t o = 0; o < E; ++o) {
                double s = m.out_proj.bias.values()[o];
                for (int64_t c = 0; c < E; ++c) s += double(m.out_proj.weight.at({o, c})) * joined[i * E + c];
                out[(b * Lq + i) * E + o] = s;
            }
    }
}

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// Every parameter a random value, biases included (they start at 0).
void randomise(ag::nn::Module& m, uint32_t seed) {
    for (auto& [name, p] : m.named_parameters()) p.mutable_values() = rand_tensor(p.shape(), seed++, -0.8f, 0.8f, false).values();
}

}  // namespace

// ---- MultiheadAttention -----------------------------------------------------------------------

TEST(MultiheadAttention, PyTorchNamesShapesAndOrder) {
    ag::nn::MultiheadAttention m(8, 2);
    auto named = m.named_parameters();
    ASSERT_EQ(named.size(), 4u);
    EXPECT_EQ(named[0].first, "in_proj_weight");
    EXPECT_EQ(named[0].second.shape(), (Shape{24, 8}));
    EXPECT_EQ(named[1].first, "in_proj_bias");
    EXPECT_EQ(named[1].second.shape(), (Shape{24}));
    EXPECT_EQ(named[2].first, "out_proj.weight");
    EXPECT_EQ(named[2].second.shape(), (Shape{8, 8}));
    EXPECT_EQ(named[3].first, "out_proj.bias");
    EXPECT_EQ(named[3].second.shape(), (Shape{8}));
    EXPECT_EQ(m.head_dim, 4);
    for (const Tensor& p : m.parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(MultiheadAttention, InitialisationIsPyTorchs) {
    // PyTorch 1.13: manual_seed(0); LSTM(1, 10); GRU(2, 6, 2); MultiheadAttention(8, 2); LayerNorm(8);
    // Linear(8, 3) (the parity case init_gated_attention). The first four values and the last of each.
    ag::manual_seed(0);
    ag::nn::LSTM lstm(1, 10);
    ag::nn::GRU gru(2, 6, 2);
    ag::nn::MultiheadAttention attn(8, 2);
    ag::nn::LayerNorm norm(8);
    ag::nn::Linear head(8, 3);
    auto first4_last = [](const Tensor& t) {
        const ag::Buffer& v = t.values();
        return std::vector<float>{v[0], v[1], v[2], v[3], v.back()};
    };
    EXPECT_TRUE(near_all(first4_last(attn.in_proj_weight),
                         {-0.0303394571f, -0.408979923f, -0.249668643f, 0.175600871f, -0.4268471f}, 1e-8f));
    EXPECT_TRUE(near_all(first4_last(attn.out_proj.weight),
                         {-0.289054126f, -0.282630652f, 0.211556569f, 0.179690719f, 0.197739318f}, 1e-8f));
    // The Linear after it draws on from where attention stopped: attention drew exactly PyTorch's count.
    EXPECT_TRUE(near_all(first4_last(head.weight),
                         {0.152213261f, 0.174816102f, -0.219584614f, 0.0876736641f, -0.307098866f}, 1e-8f));
    for (float v : attn.in_proj_bias.values()) EXPECT_EQ(v, 0.0f);
    for (float v : attn.out_proj.bias.values()) EXPECT_EQ(v, 0.0f);
    const float a = std::sqrt(6.0f / 32.0f);  // Xavier: √(6 / (E + 3E))
    for (float v : attn.in_proj_weight.values()) EXPECT_LE(std::fabs(v), a);
    for (float v : norm.weight.values()) EXPECT_EQ(v, 1.0f);
    for (float v : norm.bias.values()) EXPECT_EQ(v, 0.0f);
}

TEST(MultiheadAttention, HandComputedOneHead) {
    // E = 2, one head, every projection the identity, biases 0: q = k = v = x = [[1, 0], [0, 1]].
    // scores = x·xᵀ/√2 = [[1/√2, 0], [0, 1/√2]]; row 0: softmax(0.70710678, 0) = (σ, 1 − σ) with
    // σ = 1/(1 + e^−0.70710678) = 0.669761549; output = weights·v.
    ag::nn::MultiheadAttention m(2, 1);
    set(m.in_proj_weight, {1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1});
    set(m.out_proj.weight, {1, 0, 0, 1});
    Tensor x({1, 0, 0, 1}, {1, 2, 2});
    const float s = 0.669761549f;
    auto [out, w] = m.forward(x, x, x);
    EXPECT_EQ(out.shape(), (Shape{1, 2, 2}));
    EXPECT_EQ(w.shape(), (Shape{1, 2, 2}));
    EXPECT_TRUE(near_all(w.values(), {s, 1 - s, 1 - s, s}, 1e-6f));
    EXPECT_TRUE(near_all(out.values(), {s, 1 - s, 1 - s, s}, 1e-6f));
    // causal: query 0 sees only key 0 (weight 1, output x_0); query 1 as before
    auto [cout, cw] = m.forward(x, x, x, Tensor(), true);
    EXPECT_TRUE(near_all(cw.values(), {1, 0, 1 - s, s}, 1e-6f));
    EXPECT_TRUE(near_all(cout.values(), {1, 0, 1 - s, s}, 1e-6f));
}

TEST(MultiheadAttention, EqualsPlainLoopsWithHeadsAndMasks) {
    ag::nn::MultiheadAttention m(6, 3);
    randomise(m, 50);
    Tensor q = rand_tensor({2, 3, 6}, 51), k = rand_tensor({2, 4, 6}, 52), v = rand_tensor({2, 4, 6}, 53);
    std::vector<double> want_out, want_w;
    {  // no mask: cross-attention, Lq = 3, Lk = 4
        auto [out, w] = m.forward(q, k, v);
        reference_attention(m, q, k, v, [](int64_t, int64_t, int64_t, int64_t) { return false; }, want_out, want_w);
        EXPECT_TRUE(near_all(out.values(), to_float(want_out), 1e-5f));
        EXPECT_TRUE(near_all(w.values(), to_float(want_w), 1e-6f));
    }
    {  // causal over a rectangle: query i sees keys 0..i
        auto [out, w] = m.forward(q, k, v, Tensor(), true);
        reference_attention(m, q, k, v, [](int64_t, int64_t, int64_t i, int64_t j) { return j > i; }, want_out, want_w);
        EXPECT_TRUE(near_all(out.values(), to_float(want_out), 1e-5f));
        EXPECT_TRUE(near_all(w.values(), to_float(want_w), 1e-6f));
    }
    {  // a (B·heads, Lq, Lk) mask: a different pattern per batch entry and head, OR the causal mask
        Tensor mask = Tensor::zeros({6, 3, 4});
        for (int64_t i = 0; i < mask.numel(); ++i) mask.mutable_values()[i] = (i * 7 % 5 == 0) ? 1.0f : 0.0f;
        auto masked = [&](int64_t b, int64_t h, int64_t i, int64_t j) {
            return mask.at({b * 3 + h, i, j}) == 1.0f || j > i;
        };
        auto [out, w] = m.forward(q, k, v, mask, true);
        reference_attention(m, q, k, v, masked, want_out, want_w);
        EXPECT_TRUE(near_all(out.values(), to_float(want_out), 1e-5f));
        EXPECT_TRUE(near_all(w.values(), to_float(want_w), 1e-6f));
    }
    {  // an (Lq, Lk) mask shared by all
        Tensor mask({0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1}, {3, 4});
        auto [out, w] = m.forward(q, k, v, mask);
        reference_attention(m, q, k, v, [&](int64_t, int64_t, int64_t i, int64_t j) { return mask.at({i, j}) == 1.0f; },
                            want_out, want_w);
        EXPECT_TRUE(near_all(out.values(), to_float(want_out), 1e-5f));
    }
}

TEST(MultiheadAttention, WeightsAreProbabilitiesAndCausalIsLowerTriangular) {
    ag::manual_seed(3);
    ag::nn::MultiheadAttention m(8, 2);
    Tensor x = rand_tensor({2, 5, 8}, 61, -2, 2);
    auto [out, w] = m.forward(x, x, x, Tensor(), true);
    ASSERT_EQ(w.shape(), (Shape{2, 5, 5}));
    for (int64_t b = 0; b < 2; ++b)
        for (int64_t i = 0; i < 5; ++i) {
            double total = 0;
            for (int64_t j = 0; j < 5; ++j) {
                total += w.at({b, i, j});
                if (j > i) {
                    EXPECT_EQ(w.at({b, i, j}), 0.0f) << b << " " << i << " " << j;
                }
            }
            EXPECT_NEAR(total, 1.0, 1e-6);
        }
    EXPECT_NEAR(w.at({0, 0, 0}), 1.0f, 1e-7f);  // the first query can only see itself
}

TEST(MultiheadAttention, FullyMaskedQueryGetsZeroWeightsAndTheBias) {
    ag::nn::MultiheadAttention m(4, 2);
    randomise(m, 70);
    Tensor x = rand_tensor({1, 3, 4}, 71);
    Tensor mask({1, 1, 1, 0, 0, 0, 0, 1, 0}, {3, 3});  // query 0 may see nothing
    auto [out, w] = m.forward(x, x, x, mask);
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(w.at({0, 0, j}), 0.0f);
    for (int64_t o = 0; o < 4; ++o) EXPECT_NEAR(out.at({0, 0, o}), m.out_proj.bias.values()[o], 1e-6f);
    ag::sum(out).backward();  // and the gradients stay finite (PyTorch would give NaN here)
    for (const Tensor& p : m.parameters())
        for (float g : p.grad().values()) EXPECT_TRUE(std::isfinite(g));
    for (float g : x.grad().values()) EXPECT_TRUE(std::isfinite(g));
}

TEST(MultiheadAttention, GradientsOfQueryKeyAndValue) {
    ag::nn::MultiheadAttention m(4, 2);
    randomise(m, 80);
    EXPECT_TRUE(grad_ok([&](const V& v) { return std::get<0>(m.forward(v[0], v[1], v[2])); },
                        {rand_tensor({2, 3, 4}, 81), rand_tensor({2, 2, 4}, 82), rand_tensor({2, 2, 4}, 83)}));
    EXPECT_TRUE(grad_ok([&](const V& v) { return std::get<1>(m.forward(v[0], v[0], v[0], Tensor(), true)); },
                        {rand_tensor({1, 4, 4}, 84)}));
    // Self-attention: x feeds query, key and value, and its gradient is the sum of the three.
    EXPECT_TRUE(grad_ok([&](const V& v) { return std::get<0>(m.forward(v[0], v[0], v[0], Tensor(), true)); },
                        {rand_tensor({2, 3, 4}, 85)}));
}

TEST(MultiheadAttention, Errors) {
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::nn::MultiheadAttention(8, 3); }),
                             {"MultiheadAttention", "embed_dim (8)", "divisible by num_heads (3)"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::nn::MultiheadAttention(0, 1); }),
                             {"MultiheadAttention", "embed_dim (0)"}));
    ag::nn::MultiheadAttention m(4, 2);
    Tensor x = Tensor::zeros({2, 3, 4});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { m.forward(Tensor::zeros({2, 3, 5}), x, x); }),
                             {"MultiheadAttention(4, 2)", "query [2, 3, 5]", "[B, Lq, 4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { m.forward(x, x, Tensor::zeros({2, 2, 4})); }),
                             {"MultiheadAttention(4, 2)", "value [2, 2, 4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { m.forward(x, Tensor::zeros({1, 3, 4}), x); }),
                             {"key [1, 3, 4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { m.forward(x, x, x, Tensor::zeros({3, 4})); }),
                             {"mask of shape [3, 4]", "[3, 3] (Lq, Lk)", "[4, 3, 3] (B·num_heads, Lq, Lk)"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { m.forward(x, x, x, Tensor::full({3, 3}, 2)); }),
                             {"masked_fill", "only 0"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { m.forward(x, Tensor(), x); }), {"undefined"}));
}

// ---- LayerNorm --------------------------------------------------------------------------------

TEST(LayerNormModule, StartsAsPlainNormalisation) {
    ag::nn::LayerNorm norm(4);
    auto named = norm.named_parameters();
    ASSERT_EQ(named.size(), 2u);
    EXPECT_EQ(named[0].first, "weight");
    EXPECT_EQ(named[1].first, "bias");
    EXPECT_EQ(norm.eps, 1e-5f);
    // [1, 2, 3, 4] -> (−1.5, −0.5, 0.5, 1.5)/√(1.25 + 1e-5)
    Tensor y = norm.forward(Tensor({1, 2, 3, 4}, {1, 1, 4}));
    EXPECT_TRUE(near_all(y.values(), {-1.34163547f, -0.447211832f, 0.447211832f, 1.34163547f}, 1e-6f));
    ag::sum(y * Tensor({1, 2, 3, 4}, {4})).backward();
    // dL/dbias = Σ_rows g = g; dL/dweight = g·x̂
    EXPECT_EQ(norm.bias.grad().values(), (std::vector<float>{1, 2, 3, 4}));
    EXPECT_TRUE(near_all(norm.weight.grad().values(), {-1.34163547f, -0.894423664f, 1.3416355f, 5.36654186f}, 1e-5f));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { norm.forward(Tensor::zeros({2, 3})); }),
                             {"LayerNorm(4)", "[2, 3]", "[..., 4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::nn::LayerNorm(0); }), {"LayerNorm", "0"}));
}

// ---- CrossEntropyLoss -------------------------------------------------------------------------

TEST(CrossEntropy, HandComputed) {
    // logits [0, 0], class 0: loss = ln 2; dL/dlogits = softmax − one_hot = (−0.5, 0.5)
    Tensor logits({0, 0}, {1, 2}, true);
    Tensor loss = ag::nn::CrossEntropyLoss()(logits, Tensor({0}, {1}));
    EXPECT_EQ(loss.shape(), Shape{});
    EXPECT_NEAR(loss.item(), 0.693147181f, 1e-7f);
    loss.backward();
    EXPECT_TRUE(near_all(logits.grad().values(), {-0.5f, 0.5f}, 1e-7f));
    // Mean over the batch: (ln 2 + (ln(1 + e + e²) − 2)) / 2, with logits (0, 1, 2) and class 2.
    Tensor two({0, 0, 0, 0, 1, 2}, {2, 3});
    const double want = (std::log(3.0) + std::log(1 + std::exp(1.0) + std::exp(2.0)) - 2) / 2;
    EXPECT_NEAR(ag::nn::cross_entropy(two, Tensor({1, 2}, {2})).item(), want, 1e-6);
}

TEST(CrossEntropy, LogitsOfPlusMinus100StayFinite) {
    // Right classes: loss ≈ 0 (e^−200 is below float's range); wrong ones: loss = 200 exactly.
    Tensor logits({100, -100, -100, 100}, {2, 2}, true);
    Tensor right = ag::nn::cross_entropy(logits, Tensor({0, 1}, {2}));
    EXPECT_EQ(right.item(), 0.0f);
    Tensor wrong = ag::nn::cross_entropy(logits, Tensor({1, 0}, {2}));
    EXPECT_EQ(wrong.item(), 200.0f);
    wrong.backward();
    // (softmax − one_hot)/N: row 0 (1, 0) − (0, 1) = (1, −1), halved
    EXPECT_EQ(logits.grad().values(), (std::vector<float>{0.5f, -0.5f, -0.5f, 0.5f}));
}

TEST(CrossEntropy, Gradients) {
    Tensor targets({2, 0, 1, 2}, {4});
    EXPECT_TRUE(grad_ok([&](const V& v) { return ag::nn::cross_entropy(v[0], targets); }, {rand_tensor({4, 3}, 91, -3, 3)}));
}

TEST(CrossEntropy, Errors) {
    Tensor logits = Tensor::zeros({3, 4});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::nn::cross_entropy(logits, Tensor({0, 4, 1}, {3})); }),
                             {"cross_entropy", "target 4", "example 1", "[0, 4)", "[3, 4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::nn::cross_entropy(logits, Tensor({0, -1, 1}, {3})); }),
                             {"cross_entropy", "target -1"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::nn::cross_entropy(logits, Tensor({0, 1.5f, 1}, {3})); }),
                             {"cross_entropy", "target 1.5"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::nn::cross_entropy(logits, Tensor({0, 1}, {2})); }),
                             {"cross_entropy", "logits of shape [3, 4]", "targets of shape [2]", "[N, C]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::nn::cross_entropy(Tensor::zeros({4}), Tensor({0}, {1})); }),
                             {"cross_entropy", "[4]"}));
}
