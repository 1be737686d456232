// fused_rnn_test.cpp — the hand-written training loop that make bench measures the engine against.
//
// Teaches: two programs that claim to compute the same thing are checked against each other, not
// each against itself. examples/common/fused_rnn.cpp writes 01's and 02's training (forward,
// backprop-through-time, Adam) by hand with no graph; the engine gets the same numbers from
// autograd. From the same manual_seed(0) weights, both must reach the same loss at every epoch and
// the same weights at the end (to float rounding: their matrix loops add in the same order, but
// the compiler fuses some multiply-adds in one and not in the other).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../examples/common/fused_rnn.h"
#include "../examples/common/models.h"
#include "../examples/common/sine.h"
#include "ag/ag.h"

namespace {

TEST(HandWrittenLoop, SameLossesAndWeightsAsTheEngine) {
    const int64_t L = 60, H = 10;
    for (int layers : {1, 3}) {
        SCOPED_TRACE("layers=" + std::to_string(layers));
        const std::vector<float> x = ex::sine_data(L).values();  // the target is the input, as in 01
        ag::manual_seed(0);
        ex::VanishingRNNModel model(layers, H, ag::nn::Nonlinearity::Tanh, 1);

        fused::StackedRNN hand;
        hand.input = 1;
        hand.hidden = H;
        hand.layers = layers;
        hand.rnn.resize(static_cast<size_t>(layers));
        std::vector<std::vector<float>*> hand_params = hand.parameters();
        std::vector<ag::Tensor> params = model.parameters();
        ASSERT_EQ(hand_params.size(), params.size());
        for (size_t i = 0; i < params.size(); ++i) *hand_params[i] = params[i].values();
        fused::Trainer trainer(hand, 0.01);

        const ag::Tensor xt(x, {1, L, 1}), yt(x, {1, L, 1});
        ag::optim::Adam opt(params, 0.01);
        for (int epoch = 0; epoch < 8; ++epoch) {
            opt.zero_grad();
            ag::Tensor loss = ag::nn::mse_loss(model.forward(xt), yt);
            loss.backward();
            opt.step();
            const float hand_loss = trainer.step(x, x, 1, L);
            // (within 10⁻⁴ of the loss: Adam, which divides by the gradient's size, lets last-bit
            // differences grow a little from epoch to epoch; a wrong gradient is off by far more)
            EXPECT_NEAR(hand_loss, loss.item(), 1e-4f * std::fabs(loss.item())) << "epoch " << epoch;
        }
        for (size_t i = 0; i < params.size(); ++i) {
            const ag::Buffer& w = params[i].values();
            ASSERT_EQ(w.size(), hand_params[i]->size());
            for (size_t j = 0; j < w.size(); ++j)
                EXPECT_NEAR((*hand_params[i])[j], w[j], 1e-5f) << "parameter " << i << ", value " << j;
        }
    }
}

}  // namespace
