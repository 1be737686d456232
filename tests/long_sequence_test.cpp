// long_sequence_test.cpp — an RNN over a million time steps: forward, backward, no crash.
//
// A graph of a million rnn_step nodes, each holding the one before it, is walked by backward()
// and torn down without recursion (a recursive walk or destructor chain would overflow the call
// stack long before this). The numbers are checked against backpropagation through time written
// out directly in double below, not against the engine itself.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ag/ag.h"

namespace {

// 0.6 s and 450 MB in the optimised build, 2.3 s and 720 MB under AddressSanitizer.
constexpr int64_t kLength = 1000000;
constexpr int64_t kHidden = 4;

// x_t = 0.5·sin(0.01·t): a signal that keeps the hidden state moving.
float input_at(int64_t t) { return static_cast<float>(0.5 * std::sin(0.01 * static_cast<double>(t))); }

}  // namespace

TEST(LongSequence, RNNOfAMillionStepsMatchesBackpropThroughTimeByHand) {
    ag::manual_seed(0);
    ag::nn::RNN rnn(1, kHidden);  // h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh)
    std::vector<float> xs(kLength);
    for (int64_t t = 0; t < kLength; ++t) xs[t] = input_at(t);
    ag::Tensor x(xs, {1, kLength, 1}, /*requires_grad=*/true);  // (B=1, L, 1)

    ag::Tensor loss;
    {
        auto [output, h_n] = rnn.forward(x);  // output (1, L, H)
        loss = ag::mean(output);              // L = (1 / (L·H)) Σ_t Σ_j h_t[j]
    }                                         // only the loss keeps the graph alive now
    loss.backward();

    // ---- the same in double: forward, then BPTT ------------------------------------------------
    const std::vector<float>&w_ih = rnn.weight_ih[0].values(), &w_hh = rnn.weight_hh[0].values(),
                       &b_ih = rnn.bias_ih[0].values(), &b_hh = rnn.bias_hh[0].values();
    std::vector<double> h(static_cast<size_t>(kLength * kHidden));  // (L, H)
    double sum = 0.0;
    for (int64_t t = 0; t < kLength; ++t)
        for (int64_t j = 0; j < kHidden; ++j) {
            double a = w_ih[j] * double(xs[t]) + b_ih[j] + b_hh[j];
            for (int64_t k = 0; k < kHidden && t > 0; ++k) a += w_hh[j * kHidden + k] * h[(t - 1) * kHidden + k];
            h[t * kHidden + j] = std::tanh(a);
            sum += h[t * kHidden + j];
        }
    const double n = double(kLength * kHidden);
    EXPECT_NEAR(loss.item(), sum / n, 1e-5);

    // g_t = ∂L/∂h_t = 1/n + W_hhᵀ·(δ_{t+1}); δ_t = g_t ⊙ (1 − h_t²) = ∂L/∂a_t; ∂L/∂x_t = W_ihᵀ·δ_t.
    std::vector<double> dx(static_cast<size_t>(kLength)), delta_next(kHidden, 0.0), delta(kHidden);
    double dw_hh00 = 0.0;  // ∂L/∂W_hh[0][0] = Σ_t δ_t[0]·h_{t−1}[0]
    for (int64_t t = kLength - 1; t >= 0; --t) {
        for (int64_t j = 0; j < kHidden; ++j) {
            double g = 1.0 / n;
            for (int64_t i = 0; i < kHidden; ++i) g += w_hh[i * kHidden + j] * delta_next[i];
            const double hj = h[t * kHidden + j];
            delta[j] = g * (1.0 - hj * hj);
        }
        dx[t] = 0.0;
        for (int64_t j = 0; j < kHidden; ++j) dx[t] += w_ih[j] * delta[j];
        if (t > 0) dw_hh00 += delta[0] * h[(t - 1) * kHidden];
        delta_next = delta;
    }

    const std::vector<float> gx = x.grad().values();  // a copy: grad() is a new tensor
    ASSERT_EQ(gx.size(), size_t(kLength));
    for (int64_t t : {int64_t(0), int64_t(1), kLength / 2, kLength - 2, kLength - 1})
        EXPECT_NEAR(gx[t], dx[t], 1e-3 * std::fabs(dx[t]) + 1e-12) << "dL/dx at step " << t;
    double largest = 0.0, worst = 0.0;
    for (int64_t t = 0; t < kLength; ++t) {
        largest = std::max(largest, std::fabs(dx[t]));
        worst = std::max(worst, std::fabs(gx[t] - dx[t]));
    }
    EXPECT_LT(worst, 1e-3 * largest) << "the largest error of dL/dx over all steps";
    // A parameter gradient adds up a million per-step terms in float (as PyTorch does): rounding
    // grows with the count, about 2e-3 relative here, so 1e-2.
    EXPECT_NEAR(rnn.weight_hh[0].grad().values()[0], dw_hh00, 1e-2 * std::fabs(dw_hh00));
}
