// anomaly_rnn_test.cpp — anomaly mode inside an RNN training step: it names the op that first
// produced a NaN or an Inf, in the forward pass or in the backward pass.
//
// Without the mode a NaN weight or an Inf input only shows up as a NaN loss at the end; with it
// (ag::DetectAnomalyGuard) the step stops at the first op whose output is not finite.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "ag/ag.h"

namespace {

// The message of the std::runtime_error that f throws ("" when it throws nothing).
template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// One training step of the notebook's model shape: RNN(1 -> 3) then the mean as the loss.
float train_step(ag::nn::RNN& rnn, ag::optim::Adam& adam, const ag::Tensor& x) {  // x (1, L, 1)
    adam.zero_grad();
    ag::Tensor loss = ag::mean(std::get<0>(rnn.forward(x)));
    loss.backward();
    adam.step();
    return loss.item();
}

ag::Tensor ramp(int64_t length) {  // (1, L, 1): 0, 0.1, 0.2, ...
    std::vector<float> v(static_cast<size_t>(length));
    for (int64_t t = 0; t < length; ++t) v[t] = 0.1f * static_cast<float>(t);
    return ag::Tensor(v, {1, length, 1});
}

}  // namespace

TEST(AnomalyRNN, ANaNWeightMidTrainingIsReportedByTheOpThatReadsIt) {
    ag::manual_seed(0);
    ag::nn::RNN rnn(1, 3);
    ag::optim::Adam adam(rnn.parameters(), 0.01);
    const ag::Tensor x = ramp(6);
    for (int step = 0; step < 3; ++step) EXPECT_TRUE(std::isfinite(train_step(rnn, adam, x)));

    rnn.weight_ih[0].mutable_values()[1] = std::numeric_limits<float>::quiet_NaN();  // W_ih[1][0], mid-training
    {
        ag::DetectAnomalyGuard anomaly;
        const std::string m = error_of([&] { train_step(rnn, adam, x); });
        // x·W_ihᵀ + b_ih for every step at once, before the loop over time: the first op to see it.
        // The step stops there: no backward, no update.
        EXPECT_TRUE(has(m, "forward of 'linear'") && has(m, "NaN")) << m;
    }
    EXPECT_TRUE(std::isfinite(rnn.weight_hh[0].values()[0]));

    // Without the mode the step runs to the end: a NaN loss, and Adam spreads the NaN gradient
    // into every weight.
    EXPECT_TRUE(std::isnan(train_step(rnn, adam, x)));
    EXPECT_TRUE(std::isnan(rnn.weight_hh[0].values()[0]));
    EXPECT_TRUE(std::isnan(rnn.bias_hh[0].values()[2]));
}

TEST(AnomalyRNN, AHiddenStateThatOverflowsIsReportedByTheRnnStep) {
    // ReLU, every W_hh entry 1e30, everything else 1, x = 1, so every sum is of positive terms:
    //   h_0 = relu(1 + 1 + 1) = 3,  h_1 = relu(1 + 2 + 3·1e30·3) = 9e30,  h_2 = 3·1e30·9e30 = Inf.
    // The weights and the input are finite: the third rnn_step is the first op with an Inf.
    ag::nn::RNN rnn(1, 3, 1, ag::nn::Nonlinearity::ReLU);
    for (ag::Tensor* p : {&rnn.weight_ih[0], &rnn.bias_ih[0], &rnn.bias_hh[0]})
        for (float& v : p->mutable_values()) v = 1.0f;
    for (float& w : rnn.weight_hh[0].mutable_values()) w = 1e30f;
    const ag::Tensor x({1.0f, 1.0f, 1.0f}, {1, 3, 1});
    ag::DetectAnomalyGuard anomaly;
    EXPECT_NO_THROW(rnn.forward(ag::Tensor({1.0f, 1.0f}, {1, 2, 1})));  // two steps are still finite
    const std::string m = error_of([&] { rnn.forward(x); });
    EXPECT_TRUE(has(m, "forward of 'rnn_step'") && has(m, "Inf")) << m;
}

TEST(AnomalyRNN, AnInfInputIsReportedByTheInputProjection) {
    ag::manual_seed(0);
    ag::nn::RNN rnn(1, 3);
    ag::optim::Adam adam(rnn.parameters(), 0.01);
    ag::Tensor x = ramp(6);
    x.mutable_values()[4] = std::numeric_limits<float>::infinity();  // x_4
    ag::DetectAnomalyGuard anomaly;
    const std::string m = error_of([&] { train_step(rnn, adam, x); });
    // x·W_ihᵀ + b_ih for every step at once (the linear before the loop) is the first to see it;
    // tanh would squash it back to ±1 and hide it.
    EXPECT_TRUE(has(m, "forward of 'linear'") && has(m, "Inf")) << m;
}

TEST(AnomalyRNN, AGradientThatOverflowsGoingBackIsReportedByTheRnnStepBackward) {
    // No squashing (identity), W_hh = 1e20 everywhere, h_0 tiny, three steps, loss = mean(output):
    //   h_0 = 1e-21·1 = 1e-21,  h_1 = 3·1e20·1e-21 = 0.3,  h_2 = 3·1e20·0.3 = 9e19: all finite.
    // Back: ∂L/∂h_2 = 1/9, ∂L/∂h_1 = 1/9 + 3·1e20/9 ≈ 3.3e19, ∂L/∂h_0 ≈ 3·1e20·3.3e19 = 1e40 = Inf,
    // produced by the backward of the step that made h_1 (its gradient for h_prev).
    ag::nn::RNN rnn(1, 3, 1, ag::nn::Nonlinearity::Identity);
    for (float& w : rnn.weight_ih[0].mutable_values()) w = 1.0f;
    for (float& w : rnn.weight_hh[0].mutable_values()) w = 1e20f;
    for (ag::Tensor* b : {&rnn.bias_ih[0], &rnn.bias_hh[0]})
        for (float& v : b->mutable_values()) v = 0.0f;
    const ag::Tensor x({1e-21f, 0.0f, 0.0f}, {1, 3, 1});
    ag::Tensor loss = ag::mean(std::get<0>(rnn.forward(x)));
    EXPECT_NEAR(loss.item(), 9e19 * 3 / 9 + 0.3 * 3 / 9, 1e14);  // the forward pass is finite

    ag::DetectAnomalyGuard anomaly;
    const std::string m = error_of([&] { loss.backward(); });
    EXPECT_TRUE(has(m, "backward of 'rnn_step'") && has(m, "Inf")) << m;
}
