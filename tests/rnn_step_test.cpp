// rnn_step_test.cpp — the fused RNN step equals the ops it replaces, values and gradients.
//
// Teaches: how to trust a fused op: build the same step from primitives (select, matmul,
// transpose, add, tanh/relu), run both, and compare outputs and every input's gradient, for each
// activation.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/gradcheck.h"

namespace {

ag::Tensor filled(const ag::Shape& shape, float scale, float phase, bool grad = true) {
    std::vector<float> v(ag::shape_numel(shape));
    for (size_t i = 0; i < v.size(); ++i) v[i] = scale * std::sin(0.7f * float(i) + phase);
    return ag::Tensor(v, shape, grad);
}

ag::Tensor composed(const ag::Tensor& xw, int64_t t, const ag::Tensor& h, const ag::Tensor& w,
                    ag::Nonlinearity act) {
    ag::Tensor z = ag::select(xw, 1, t) + ag::matmul(h, ag::transpose(w, 0, 1));
    if (act == ag::Nonlinearity::Tanh) return ag::tanh(z);
    if (act == ag::Nonlinearity::ReLU) return ag::relu(z);
    return z;
}

class RnnStep : public ::testing::TestWithParam<ag::Nonlinearity> {};

TEST_P(RnnStep, EqualsComposedOpsInValuesAndGradients) {
    const ag::Nonlinearity act = GetParam();
    for (int64_t t : {0, 2}) {
        ag::Tensor xw = filled({2, 3, 4}, 0.8f, 0.1f), h = filled({2, 4}, 0.5f, 1.0f);
        ag::Tensor w = filled({4, 4}, 0.6f, 2.0f);
        ag::Tensor xw2 = xw.detach().set_requires_grad(true), h2 = h.detach().set_requires_grad(true);
        ag::Tensor w2 = w.detach().set_requires_grad(true);
        ag::Tensor fused = ag::rnn_step(xw, t, h, w, act);
        ag::Tensor plain = composed(xw2, t, h2, w2, act);
        ASSERT_EQ(fused.shape(), plain.shape());
        for (int64_t i = 0; i < fused.numel(); ++i)
            EXPECT_NEAR(fused.values()[i], plain.values()[i], 1e-6) << "t=" << t << " i=" << i;
        ag::Tensor gout = filled({2, 4}, 1.0f, 0.5f, false);
        fused.backward(gout);
        plain.backward(gout);
        for (auto [a, c] : {std::pair{xw, xw2}, {h, h2}, {w, w2}})
            for (int64_t i = 0; i < a.numel(); ++i)
                EXPECT_NEAR(a.grad().values()[i], c.grad().values()[i], 1e-5) << "t=" << t << " i=" << i;
    }
}

TEST_P(RnnStep, PassesGradcheck) {
    const ag::Nonlinearity act = GetParam();
    auto r = ag::gradcheck(
        [act](const std::vector<ag::Tensor>& in) {
            ag::Tensor h1 = ag::rnn_step(in[0], 0, in[1], in[2], act);
            return ag::rnn_step(in[0], 1, h1, in[2], act);  // two steps: h reused
        },
        {filled({2, 3, 4}, 0.8f, 0.4f), filled({2, 4}, 0.5f, 1.0f), filled({4, 4}, 0.6f, 2.0f)});  // no z at ReLU's kink
    EXPECT_TRUE(r.ok) << r.message;
}

INSTANTIATE_TEST_SUITE_P(Activations, RnnStep,
                         ::testing::Values(ag::Nonlinearity::Tanh, ag::Nonlinearity::ReLU,
                                           ag::Nonlinearity::Identity));

// The RNN layer with the composed cell (fused = false) against the default fused step: a
// two-layer RNN over 6 steps, batch 2, from the same seed, with h0; every output value and every
// parameter's gradient.
TEST_P(RnnStep, ComposedCellLayerEqualsFusedLayer) {
    const ag::Nonlinearity act = GetParam();
    ag::manual_seed(3);
    ag::nn::RNN fused(3, 5, 2, act);
    ag::manual_seed(3);
    ag::nn::RNN composed(3, 5, 2, act, /*fused=*/false);
    const ag::Tensor x = filled({2, 6, 3}, 1.0f, 0.3f, false), h0 = filled({2, 2, 5}, 0.5f, 0.9f, false);
    auto [out_f, hn_f] = fused.forward(x, h0);
    auto [out_c, hn_c] = composed.forward(x, h0);
    ASSERT_EQ(out_f.shape(), out_c.shape());
    for (int64_t i = 0; i < out_f.numel(); ++i) EXPECT_NEAR(out_f.values()[i], out_c.values()[i], 1e-6) << i;
    (ag::sum(out_f * out_f) + ag::sum(hn_f)).backward();
    (ag::sum(out_c * out_c) + ag::sum(hn_c)).backward();
    std::vector<ag::Tensor> pf = fused.parameters(), pc = composed.parameters();
    ASSERT_EQ(pf.size(), 8u);
    for (size_t k = 0; k < pf.size(); ++k)
        for (int64_t i = 0; i < pf[k].numel(); ++i)
            EXPECT_NEAR(pf[k].grad().values()[i], pc[k].grad().values()[i], 1e-5) << "parameter " << k << " index " << i;
}

TEST(RnnStepErrors, NamesShapesAndStep) {
    ag::Tensor xw = ag::Tensor::zeros({2, 3, 4}), h = ag::Tensor::zeros({2, 4});
    ag::Tensor w = ag::Tensor::zeros({4, 4});
    try {
        ag::rnn_step(xw, 3, h, w);
        FAIL() << "no exception";
    } catch (const std::out_of_range& e) {
        EXPECT_NE(std::string(e.what()).find("step 3 out of range for length 3"), std::string::npos) << e.what();
    }
    try {
        ag::rnn_step(xw, 0, ag::Tensor::zeros({3, 4}), w);
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("[3, 4]"), std::string::npos) << e.what();
    }
}

// The step keeps W_hh transposed from one call to the next (gemm.h). A weight written between
// steps through one held reference, as gradcheck and a hand-written update do (the version
// counter rises once, at mutable_values(), not at each write), must still be read afresh.
TEST(RnnStepKeptTranspose, AWeightWrittenThroughAHeldReferenceIsReadAfresh) {
    ag::NoGradGuard no_grad;
    ag::Tensor xw = filled({1, 2, 3}, 0.5f, 0.1f, false);
    ag::Tensor h = filled({1, 3}, 0.8f, 0.4f, false);
    ag::Tensor w = filled({3, 3}, 0.6f, 0.9f, false);
    ag::Buffer& wv = w.mutable_values();
    for (int write = 0; write < 3; ++write) {
        wv[1] += 0.25f;  // W_hh[0][1]: row 0 of the product changes
        ag::Tensor fused = ag::rnn_step(xw, 1, h, w, ag::Nonlinearity::Tanh);
        ag::Tensor plain = composed(xw, 1, h, w, ag::Nonlinearity::Tanh);
        for (int64_t j = 0; j < 3; ++j)
            EXPECT_NEAR(fused.values()[j], plain.values()[j], 1e-6f) << "write " << write << ", value " << j;
    }
}

}  // namespace
