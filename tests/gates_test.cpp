// gates_test.cpp — the LSTM and the GRU: fused steps against the composed cells, central
// differences, a plain double-precision loop, hand-worked values, and the error messages.
//
// Teaches: three referees for a gated layer. The composed cell (engine ops, autograd's backward)
// must equal the fused op in every value and every gradient; central differences must agree with
// both; and the gradient that retain_grad() shows on an h_t or c_t must be the total derivative of
// the loss with respect to that state, measured here by nudging the state inside a loop written
// out in double precision. PyTorch's own numbers are in tests/parity/ (lstm_*, gru_*, init_gated).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "core_test_util.h"

namespace {

using ag::Shape;
using ag::Tensor;
using core_test::contains_all;
using core_test::grad_ok;
using core_test::message_of;
using core_test::rand_tensor;
using V = std::vector<Tensor>;

Tensor copy_of(const Tensor& t) { return t.detach().set_requires_grad(t.requires_grad()); }

// ---- the composed cells, written in the test from engine ops --------------------------------

// [h | c] of one LSTM step, from select, matmul, narrow, sigmoid, tanh, mul, add and cat.
Tensor composed_lstm_step(const Tensor& xw, int64_t t, const Tensor& h, const Tensor& c, const Tensor& w_hh) {
    const int64_t H = h.size(1);
    Tensor a = ag::select(xw, 1, t) + ag::matmul(h, ag::transpose(w_hh, 0, 1));
    Tensor i = ag::sigmoid(ag::narrow(a, 1, 0, H)), f = ag::sigmoid(ag::narrow(a, 1, H, H));
    Tensor g = ag::tanh(ag::narrow(a, 1, 2 * H, H)), o = ag::sigmoid(ag::narrow(a, 1, 3 * H, H));
    Tensor c_new = f * c + i * g;
    return ag::cat({o * ag::tanh(c_new), c_new}, 1);
}

// The same [h | c] from the fused ops, as LSTM::forward_steps calls them.
Tensor fused_lstm_step(const Tensor& xw, int64_t t, const Tensor& h, const Tensor& c, const Tensor& w_hh) {
    Tensor co = ag::lstm_cell(xw, t, h, c, w_hh);
    Tensor c_new = ag::narrow(co, 1, 0, h.size(1));
    return ag::cat({ag::lstm_hidden(co, c_new), c_new}, 1);
}

Tensor composed_gru_step(const Tensor& xw, int64_t t, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh) {
    const int64_t H = h.size(1);
    Tensor x = ag::select(xw, 1, t), gh = ag::linear(h, w_hh, b_hh);
    Tensor r = ag::sigmoid(ag::narrow(x, 1, 0, H) + ag::narrow(gh, 1, 0, H));
    Tensor z = ag::sigmoid(ag::narrow(x, 1, H, H) + ag::narrow(gh, 1, H, H));
    Tensor n = ag::tanh(ag::narrow(x, 1, 2 * H, H) + r * ag::narrow(gh, 1, 2 * H, H));
    return (1.0f - z) * n + z * h;
}

// Runs f on `inputs` and on copies of them through g, backward with the same weights, and
// compares the outputs and every input's gradient.
void expect_same_values_and_gradients(const std::function<Tensor(const V&)>& f, const std::function<Tensor(const V&)>& g,
                                      const V& inputs) {
    V copies;
    for (const Tensor& t : inputs) copies.push_back(copy_of(t));
    Tensor a = f(inputs), b = g(copies);
    ASSERT_EQ(a.shape(), b.shape());
    EXPECT_TRUE(core_test::near_all(a.values(), b.values(), 1e-6f));
    Tensor weights = rand_tensor(a.shape(), 99, -1.0f, 1.0f, false);
    a.backward(weights);
    b.backward(weights);
    for (size_t k = 0; k < inputs.size(); ++k) {
        SCOPED_TRACE("input " + std::to_string(k));
        EXPECT_TRUE(core_test::near_all(inputs[k].grad().values(), copies[k].grad().values(), 1e-5f));
    }
}

// ---- the fused ops: equal to the composed cells, and to central differences -----------------

TEST(LstmStep, EqualsComposedCellInValuesAndGradients) {
    for (int64_t t : {0, 2}) {
        SCOPED_TRACE("t = " + std::to_string(t));
        // B = 2, L = 3, H = 3: xw (2, 3, 12), h and c (2, 3), W_hh (12, 3)
        V in = {rand_tensor({2, 3, 12}, 1, -2.0f, 2.0f), rand_tensor({2, 3}, 2), rand_tensor({2, 3}, 3, -2.0f, 2.0f),
                rand_tensor({12, 3}, 4)};
        expect_same_values_and_gradients([t](const V& x) { return fused_lstm_step(x[0], t, x[1], x[2], x[3]); },
                                         [t](const V& x) { return composed_lstm_step(x[0], t, x[1], x[2], x[3]); }, in);
    }
}

TEST(LstmStep, PassesGradcheckOverTwoSteps) {
    // Two steps, the second reading the first one's h and c: BPTT through the ops.
    auto two_steps = [](const V& x) {
        Tensor hc = fused_lstm_step(x[0], 0, x[1], x[2], x[3]);
        return fused_lstm_step(x[0], 1, ag::narrow(hc, 1, 0, 3), ag::narrow(hc, 1, 3, 3), x[3]);
    };
    EXPECT_TRUE(grad_ok(two_steps, {rand_tensor({2, 2, 12}, 5, -2.0f, 2.0f), rand_tensor({2, 3}, 6),
                                    rand_tensor({2, 3}, 7, -2.0f, 2.0f), rand_tensor({12, 3}, 8)}));
    // Each op on its own: lstm_cell's [c | o], and lstm_hidden's o ⊙ tanh(c) with respect to both.
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::lstm_cell(x[0], 1, x[1], x[2], x[3]); },
                        {rand_tensor({2, 2, 12}, 37, -2.0f, 2.0f), rand_tensor({2, 3}, 38),
                         rand_tensor({2, 3}, 39, -2.0f, 2.0f), rand_tensor({12, 3}, 40)}));
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::lstm_hidden(x[0], x[1]); },
                        {rand_tensor({2, 6}, 41, 0.0f, 1.0f), rand_tensor({2, 3}, 42, -2.0f, 2.0f)}));
}

TEST(LstmStep, OneTensorAsBothStatesGetsBothGradients) {
    // h_prev and c_prev the same tensor s: its gradient is the sum of both roles' gradients.
    EXPECT_TRUE(grad_ok([](const V& x) { return ag::lstm_cell(x[0], 1, x[1], x[1], x[2]); },
                        {rand_tensor({1, 2, 8}, 9), rand_tensor({1, 2}, 10), rand_tensor({8, 2}, 11)}));
}

TEST(GruStep, EqualsComposedCellInValuesAndGradients) {
    for (int64_t t : {0, 2}) {
        SCOPED_TRACE("t = " + std::to_string(t));
        // B = 2, L = 3, H = 4: xw (2, 3, 12), h (2, 4), W_hh (12, 4), b_hh (12)
        V in = {rand_tensor({2, 3, 12}, 12, -2.0f, 2.0f), rand_tensor({2, 4}, 13), rand_tensor({12, 4}, 14),
                rand_tensor({12}, 15)};
        expect_same_values_and_gradients([t](const V& x) { return ag::gru_step(x[0], t, x[1], x[2], x[3]); },
                                         [t](const V& x) { return composed_gru_step(x[0], t, x[1], x[2], x[3]); }, in);
    }
}

TEST(GruStep, PassesGradcheckOverTwoSteps) {
    auto two_steps = [](const V& x) {
        return ag::gru_step(x[0], 1, ag::gru_step(x[0], 0, x[1], x[2], x[3]), x[2], x[3]);
    };
    EXPECT_TRUE(grad_ok(two_steps, {rand_tensor({2, 2, 9}, 16, -2.0f, 2.0f), rand_tensor({2, 3}, 17),
                                    rand_tensor({9, 3}, 18), rand_tensor({9}, 19)}));
}

// ---- values worked out by hand ---------------------------------------------------------------

TEST(LstmStep, ZeroWeightsGiveHalfGates) {
    // Every pre-activation 0: i = f = o = σ(0) = 1/2, g = tanh(0) = 0.
    // c = f·c_prev + i·g = c_prev/2 = 0.5 ; h = o·tanh(c) = tanh(0.5)/2 = 0.2310585786
    Tensor hc = fused_lstm_step(Tensor::zeros({1, 1, 4}), 0, Tensor::full({1, 1}, 0.3f), Tensor::full({1, 1}, 1.0f),
                              Tensor::zeros({4, 1}));
    ASSERT_EQ(hc.shape(), (Shape{1, 2}));
    EXPECT_NEAR(hc.values()[0], 0.2310585786, 1e-7);
    EXPECT_NEAR(hc.values()[1], 0.5, 1e-7);
    // With a = (0, ln 3, 0, 0) the forget gate is σ(ln 3) = 3/4 and c = 0.75.
    Tensor xw({0.0f, float(std::log(3.0)), 0.0f, 0.0f}, {1, 1, 4});
    hc = fused_lstm_step(xw, 0, Tensor::zeros({1, 1}), Tensor::full({1, 1}, 1.0f), Tensor::zeros({4, 1}));
    EXPECT_NEAR(hc.values()[1], 0.75, 1e-7);
    EXPECT_NEAR(hc.values()[0], 0.5 * std::tanh(0.75), 1e-7);
}

TEST(GruStep, ZeroWeightsHalveTheState) {
    // r = z = σ(0) = 1/2, n = tanh(0 + r·0) = 0, h = (1 − z)·n + z·h_prev = h_prev/2
    Tensor h = ag::gru_step(Tensor::zeros({1, 1, 6}), 0, Tensor({0.8f, -0.4f}, {1, 2}), Tensor::zeros({6, 2}),
                            Tensor::zeros({6}));
    EXPECT_NEAR(h.values()[0], 0.4, 1e-7);
    EXPECT_NEAR(h.values()[1], -0.2, 1e-7);
    // b_hn = 1 sits inside r ⊙ (W_hn h + b_hn): n = tanh(0.5) for both units, h = tanh(0.5)/2 + h_prev/2
    h = ag::gru_step(Tensor::zeros({1, 1, 6}), 0, Tensor({0.8f, -0.4f}, {1, 2}), Tensor::zeros({6, 2}),
                     Tensor({0, 0, 0, 0, 1, 1}, {6}));
    EXPECT_NEAR(h.values()[0], 0.5 * std::tanh(0.5) + 0.4, 1e-7);
    EXPECT_NEAR(h.values()[1], 0.5 * std::tanh(0.5) - 0.2, 1e-7);
}

// ---- the layers: fused and composed agree, parameters as PyTorch names them ------------------

class Gated : public ::testing::TestWithParam<bool> {};  // the parameter: fused

TEST(LstmLayer, ParametersInPyTorchsOrderAndShapes) {
    ag::nn::LSTM lstm(3, 5, 2);
    std::vector<std::string> names;
    std::vector<Shape> shapes;
    for (auto& [name, p] : lstm.named_parameters()) {
        names.push_back(name);
        shapes.push_back(p.shape());
    }
    EXPECT_EQ(names, (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                               "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"}));
    EXPECT_EQ(shapes, (std::vector<Shape>{{20, 3}, {20, 5}, {20}, {20}, {20, 5}, {20, 5}, {20}, {20}}));
    ag::nn::GRU gru(3, 5);
    EXPECT_EQ(gru.parameters().size(), 4u);
    EXPECT_EQ(gru.weight_ih[0].shape(), (Shape{15, 3}));
    EXPECT_EQ(gru.weight_hh[0].shape(), (Shape{15, 5}));
    // Every value within U(−1/√H, 1/√H)
    for (const Tensor& p : lstm.parameters())
        for (float v : p.values()) EXPECT_LE(std::abs(v), 1.0 / std::sqrt(5.0));
}

// Two layers, batch 2, 6 steps, h0 and c0 given; the loss reads output, h_n and c_n.
TEST(LstmLayer, ComposedCellEqualsFusedStep) {
    ag::manual_seed(3);
    ag::nn::LSTM fused(3, 4, 2);
    ag::manual_seed(3);
    ag::nn::LSTM composed(3, 4, 2, /*fused=*/false);
    V fi = {rand_tensor({2, 6, 3}, 20), rand_tensor({2, 2, 4}, 21), rand_tensor({2, 2, 4}, 22)};
    V ci = {copy_of(fi[0]), copy_of(fi[1]), copy_of(fi[2])};
    auto [of, hf, cf] = fused.forward(fi[0], fi[1], fi[2]);
    auto [oc, hc, cc] = composed.forward(ci[0], ci[1], ci[2]);
    EXPECT_TRUE(core_test::near_all(of.values(), oc.values(), 1e-6f));
    EXPECT_TRUE(core_test::near_all(hf.values(), hc.values(), 1e-6f));
    EXPECT_TRUE(core_test::near_all(cf.values(), cc.values(), 1e-6f));
    (ag::sum(of * of) + ag::sum(hf) + ag::sum(cf * cf)).backward();
    (ag::sum(oc * oc) + ag::sum(hc) + ag::sum(cc * cc)).backward();
    for (size_t k = 0; k < 3; ++k) EXPECT_TRUE(core_test::near_all(fi[k].grad().values(), ci[k].grad().values(), 1e-5f)) << k;
    V pf = fused.parameters(), pc = composed.parameters();
    ASSERT_EQ(pf.size(), 8u);
    for (size_t k = 0; k < pf.size(); ++k)
        EXPECT_TRUE(core_test::near_all(pf[k].grad().values(), pc[k].grad().values(), 1e-5f)) << "parameter " << k;
}

TEST(GruLayer, ComposedCellEqualsFusedStep) {
    ag::manual_seed(4);
    ag::nn::GRU fused(3, 4, 2);
    ag::manual_seed(4);
    ag::nn::GRU composed(3, 4, 2, /*fused=*/false);
    V fi = {rand_tensor({2, 6, 3}, 23), rand_tensor({2, 2, 4}, 24)};
    V ci = {copy_of(fi[0]), copy_of(fi[1])};
    auto [of, hf] = fused.forward(fi[0], fi[1]);
    auto [oc, hc] = composed.forward(ci[0], ci[1]);
    EXPECT_TRUE(core_test::near_all(of.values(), oc.values(), 1e-6f));
    EXPECT_TRUE(core_test::near_all(hf.values(), hc.values(), 1e-6f));
    (ag::sum(of * of) + ag::sum(hf)).backward();
    (ag::sum(oc * oc) + ag::sum(hc)).backward();
    for (size_t k = 0; k < 2; ++k) EXPECT_TRUE(core_test::near_all(fi[k].grad().values(), ci[k].grad().values(), 1e-5f)) << k;
    V pf = fused.parameters(), pc = composed.parameters();
    ASSERT_EQ(pf.size(), 8u);
    for (size_t k = 0; k < pf.size(); ++k)
        EXPECT_TRUE(core_test::near_all(pf[k].grad().values(), pc[k].grad().values(), 1e-5f)) << "parameter " << k;
}

// Central differences through a whole two-layer layer, with respect to input and initial states.
TEST_P(Gated, LayersPassGradcheck) {
    const bool fused = GetParam();
    ag::manual_seed(5);
    ag::nn::LSTM lstm(2, 3, 2, fused);
    EXPECT_TRUE(grad_ok(
        [&](const V& x) {
            auto [out, h_n, c_n] = lstm.forward(x[0], x[1], x[2]);
            return ag::cat({ag::reshape(out, {-1}), ag::reshape(h_n, {-1}), ag::reshape(c_n, {-1})}, 0);
        },
        {rand_tensor({2, 4, 2}, 25, -2.0f, 2.0f), rand_tensor({2, 2, 3}, 26), rand_tensor({2, 2, 3}, 27, -2.0f, 2.0f)}));
    ag::nn::GRU gru(2, 3, 2, fused);
    EXPECT_TRUE(grad_ok(
        [&](const V& x) {
            auto [out, h_n] = gru.forward(x[0], x[1]);
            return ag::cat({ag::reshape(out, {-1}), ag::reshape(h_n, {-1})}, 0);
        },
        {rand_tensor({2, 4, 2}, 28, -2.0f, 2.0f), rand_tensor({2, 2, 3}, 29)}));
}

// ---- retain_grad on h_t and c_t: the total derivative, against a loop in double -------------
//
// The reference runs the layers in double precision and can nudge one value of one state (layer
// k, step t, h or c) by ε right where the state is made, before anything reads it. The loss is
// L = Σ output ⊙ w_out + Σ h_n ⊙ w_h + Σ c_n ⊙ w_c. (L(+ε) − L(−ε)) / 2ε is then ∂L/∂(that value),
// every path included (for c_t: through h_t = o ⊙ tanh(c_t) and through c_{t+1}).

struct Nudge {
    int64_t layer = -1, t = -1, index = -1;  // index = b·H + j
    char state = 'h';                        // 'h' or 'c'
    double eps = 0.0;
};

std::vector<double> as_double(const Tensor& t) { return std::vector<double>(t.values().begin(), t.values().end()); }
double sigma(double a) { return 1.0 / (1.0 + std::exp(-a)); }

// gates = 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n); the same loop serves both cells.
double reference_loss(const ag::nn::Module& m, int64_t gates, int64_t in0, int64_t H, int64_t layers, const Tensor& x,
                      const Tensor& w_out, const Tensor& w_h, const Tensor& w_c, const Nudge& nudge,
                      std::vector<double>* output = nullptr) {
    const int64_t B = x.size(0), L = x.size(1);
    const V p = m.parameters();
    std::vector<double> input = as_double(x), wo = as_double(w_out), wh = as_double(w_h), wc = as_double(w_c);
    int64_t in = in0;
    double loss = 0.0;
    for (int64_t k = 0; k < layers; ++k) {
        const std::vector<double> Wih = as_double(p[4 * k]), Whh = as_double(p[4 * k + 1]),
                                  bih = as_double(p[4 * k + 2]), bhh = as_double(p[4 * k + 3]);
        std::vector<double> h(B * H, 0.0), c(B * H, 0.0), next(B * L * H);
        for (int64_t t = 0; t < L; ++t) {
            std::vector<double> hn(B * H), cn(B * H);
            for (int64_t b = 0; b < B; ++b) {
                std::vector<double> ax(gates * H), ah(gates * H);  // x·W_ihᵀ + b_ih, h·W_hhᵀ + b_hh
                for (int64_t r = 0; r < gates * H; ++r) {
                    ax[r] = bih[r];
                    ah[r] = bhh[r];
                    for (int64_t q = 0; q < in; ++q) ax[r] += Wih[r * in + q] * input[(b * L + t) * in + q];
                    for (int64_t q = 0; q < H; ++q) ah[r] += Whh[r * H + q] * h[b * H + q];
                }
                for (int64_t j = 0; j < H; ++j) {
                    const int64_t s = b * H + j;
                    if (gates == 4) {
                        const double i = sigma(ax[j] + ah[j]), f = sigma(ax[H + j] + ah[H + j]);
                        const double g = std::tanh(ax[2 * H + j] + ah[2 * H + j]);
                        const double o = sigma(ax[3 * H + j] + ah[3 * H + j]);
                        cn[s] = f * c[s] + i * g;
                        if (nudge.layer == k && nudge.t == t && nudge.state == 'c' && nudge.index == s) cn[s] += nudge.eps;
                        hn[s] = o * std::tanh(cn[s]);
                    } else {
                        const double r = sigma(ax[j] + ah[j]), z = sigma(ax[H + j] + ah[H + j]);
                        const double n = std::tanh(ax[2 * H + j] + r * ah[2 * H + j]);
                        hn[s] = (1 - z) * n + z * h[s];
                    }
                    if (nudge.layer == k && nudge.t == t && nudge.state == 'h' && nudge.index == s) hn[s] += nudge.eps;
                }
            }
            h = hn;
            c = cn;
            for (int64_t b = 0; b < B; ++b)
                for (int64_t j = 0; j < H; ++j) next[(b * L + t) * H + j] = h[b * H + j];
        }
        for (int64_t s = 0; s < B * H; ++s) loss += h[s] * wh[k * B * H + s] + (gates == 4 ? c[s] * wc[k * B * H + s] : 0.0);
        input = next;
        in = H;
    }
    for (size_t s = 0; s < input.size(); ++s) loss += input[s] * wo[s];
    if (output) *output = input;
    return loss;
}

TEST_P(Gated, LstmRetainedGradientsAreTheTotalDerivativesOfTheStates) {
    const bool fused = GetParam();
    const int64_t B = 2, L = 4, H = 3, layers = 2;
    ag::manual_seed(6);
    ag::nn::LSTM lstm(2, H, layers, fused);
    Tensor x = rand_tensor({B, L, 2}, 30, -2.0f, 2.0f, false);
    Tensor wo = rand_tensor({B, L, H}, 31, -1, 1, false), wh = rand_tensor({layers, B, H}, 32, -1, 1, false),
           wc = rand_tensor({layers, B, H}, 33, -1, 1, false);
    ag::nn::LSTMSteps s = lstm.forward_steps(x);
    for (auto& layer : s.hidden)
        for (Tensor& h : layer) h.retain_grad();
    for (auto& layer : s.cell)
        for (Tensor& c : layer) c.retain_grad();
    (ag::sum(s.output * wo) + ag::sum(s.h_n * wh) + ag::sum(s.c_n * wc)).backward();

    std::vector<double> ref_out;
    reference_loss(lstm, 4, 2, H, layers, x, wo, wh, wc, Nudge{}, &ref_out);
    for (size_t i = 0; i < ref_out.size(); ++i) EXPECT_NEAR(s.output.values()[i], ref_out[i], 1e-6) << i;
    for (int64_t k = 0; k < layers; ++k)
        for (int64_t t = 0; t < L; ++t)
            for (char state : {'h', 'c'})
                for (int64_t idx = 0; idx < B * H; ++idx) {
                    const double eps = 1e-5;
                    const double up = reference_loss(lstm, 4, 2, H, layers, x, wo, wh, wc, {k, t, idx, state, eps});
                    const double down = reference_loss(lstm, 4, 2, H, layers, x, wo, wh, wc, {k, t, idx, state, -eps});
                    const Tensor& got = state == 'h' ? s.hidden[k][t] : s.cell[k][t];
                    EXPECT_NEAR(got.grad().values()[idx], (up - down) / (2 * eps), 2e-5)
                        << state << " layer " << k << " t " << t << " index " << idx;
                }
}

TEST_P(Gated, GruRetainedGradientsAreTheTotalDerivativesOfTheStates) {
    const bool fused = GetParam();
    const int64_t B = 2, L = 4, H = 3, layers = 2;
    ag::manual_seed(7);
    ag::nn::GRU gru(2, H, layers, fused);
    Tensor x = rand_tensor({B, L, 2}, 34, -2.0f, 2.0f, false);
    Tensor wo = rand_tensor({B, L, H}, 35, -1, 1, false), wh = rand_tensor({layers, B, H}, 36, -1, 1, false);
    ag::nn::RNNSteps s = gru.forward_steps(x);
    for (auto& layer : s.hidden)
        for (Tensor& h : layer) h.retain_grad();
    (ag::sum(s.output * wo) + ag::sum(s.h_n * wh)).backward();

    std::vector<double> ref_out;
    reference_loss(gru, 3, 2, H, layers, x, wo, wh, wh, Nudge{}, &ref_out);
    for (size_t i = 0; i < ref_out.size(); ++i) EXPECT_NEAR(s.output.values()[i], ref_out[i], 1e-6) << i;
    for (int64_t k = 0; k < layers; ++k)
        for (int64_t t = 0; t < L; ++t)
            for (int64_t idx = 0; idx < B * H; ++idx) {
                const double eps = 1e-5;
                const double up = reference_loss(gru, 3, 2, H, layers, x, wo, wh, wh, {k, t, idx, 'h', eps});
                const double down = reference_loss(gru, 3, 2, H, layers, x, wo, wh, wh, {k, t, idx, 'h', -eps});
                EXPECT_NEAR(s.hidden[k][t].grad().values()[idx], (up - down) / (2 * eps), 2e-5)
                    << "layer " << k << " t " << t << " index " << idx;
            }
}

INSTANTIATE_TEST_SUITE_P(FusedAndComposed, Gated, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "fused" : "composed"; });

TEST(LstmLayer, NoGradForwardRecordsNothing) {
    ag::nn::LSTM lstm(1, 4);
    ag::NoGradGuard no_grad;
    auto [out, h_n, c_n] = lstm.forward(Tensor::ones({1, 5, 1}));
    EXPECT_FALSE(out.requires_grad());
    EXPECT_FALSE(c_n.requires_grad());
    EXPECT_EQ(out.shape(), (Shape{1, 5, 4}));
}

// ---- errors name the module or op and the shapes --------------------------------------------

TEST(GatedErrors, LayersNameTheModuleAndTheShapes) {
    ag::nn::LSTM lstm(3, 4, 2);
    ag::nn::GRU gru(3, 4, 2);
    const Tensor x = Tensor::zeros({2, 5, 3});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { lstm.forward(Tensor::zeros({2, 5, 2})); }),
                             {"LSTM(3, 4, num_layers=2)", "[2, 5, 2]", "[batch, length, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { lstm.forward(x, Tensor(), Tensor::zeros({1, 2, 4})); }),
                             {"LSTM(3, 4, num_layers=2)", "c0 of shape [1, 2, 4]", "[2, 2, 4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { lstm.forward(x, Tensor::zeros({2, 2, 5})); }),
                             {"h0 of shape [2, 2, 5]", "(num_layers, batch, hidden_size)"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { lstm.forward(Tensor::zeros({2, 0, 3})); }),
                             {"LSTM", "no time steps"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { lstm.forward(Tensor()); }), {"LSTM", "undefined"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { gru.forward(Tensor::zeros({5, 3})); }),
                             {"GRU(3, 4, num_layers=2)", "[5, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { gru.forward(x, Tensor::zeros({2, 4})); }),
                             {"GRU", "h0 of shape [2, 4]", "[2, 2, 4]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::nn::LSTM bad(3, 0); }), {"LSTM", "positive", "3, 0, 1"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([] { ag::nn::GRU bad(0, 2, 1); }), {"GRU", "positive"}));
}

TEST(GatedErrors, StepOpsNameTheOpAndTheShapes) {
    const Tensor xw = Tensor::zeros({2, 3, 8}), h = Tensor::zeros({2, 2}), w = Tensor::zeros({8, 2});
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::lstm_cell(xw, 3, h, h, w); }),
                             {"lstm_cell", "step 3 out of range for length 3"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::lstm_cell(xw, 0, h, Tensor::zeros({2, 3}), w); }),
                             {"lstm_cell", "[2, 2]", "[8, 2]", "[2, 3]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::lstm_cell(Tensor::zeros({2, 3, 6}), 0, h, h, w); }),
                             {"lstm_cell", "4·hidden", "[2, 3, 6]"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::lstm_hidden(Tensor::zeros({2, 3}), h); }),
                             {"lstm_hidden", "[batch, 2·hidden]", "got [2, 3] and [2, 2]"}));
    const Tensor xg = Tensor::zeros({2, 3, 6}), wg = Tensor::zeros({6, 2});
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::gru_step(xg, 0, h, wg, Tensor::zeros({4})); }),
                             {"gru_step", "b_hh [6]", "got [2, 2], [6, 2] and [4]"}));
    EXPECT_TRUE(contains_all(message_of<std::out_of_range>([&] { ag::gru_step(xg, -1, h, wg, Tensor::zeros({6})); }),
                             {"gru_step", "step -1"}));
    EXPECT_TRUE(contains_all(message_of<std::invalid_argument>([&] { ag::gru_step(xg, 0, h, Tensor(), Tensor::zeros({6})); }),
                             {"gru_step", "undefined"}));
}

}  // namespace
