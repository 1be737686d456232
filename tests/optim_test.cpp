// optim_test.cpp — Adam and SGD on one scalar parameter, against updates worked out by hand.
//
// Teaches: an optimizer step is a few lines of arithmetic per value. With L = p², g = 2p, the
// first Adam step moves p by exactly lr (m̂/√v̂ = g/|g| = 1): the reason Adam's early steps
// have the size of the learning rate whatever the gradient's scale.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"

using ag::Tensor;

namespace {

// One forward/backward of L = p² (g = 2p) followed by the optimizer's step.
template <class Opt>
void step_on_square(Opt& opt, Tensor& p) {
    opt.zero_grad();
    (p * p).backward();
    opt.step();
}

}  // namespace

TEST(Adam, OneAndTwoStepsOnASquare) {
    Tensor p = Tensor::scalar(1.0f, true);
    ag::optim::Adam adam({p}, 0.1);
    // t = 1: g = 2, m = 0.1·2 = 0.2, v = 0.001·4 = 0.004, m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4,
    //        p = 1 − 0.1·2/(√4 + 1e-8) = 0.9 (+5e-10)
    step_on_square(adam, p);
    EXPECT_NEAR(p.item(), 0.9f, 1e-7);
    // t = 2: g = 1.8, m = 0.9·0.2 + 0.1·1.8 = 0.36, v = 0.999·0.004 + 0.001·3.24 = 0.007236,
    //        m̂ = 0.36/0.19 = 1.8947368, v̂ = 0.007236/0.001999 = 3.6198099, √v̂ = 1.9025798,
    //        p = 0.9 − 0.1·1.8947368/1.9025798 = 0.80041223
    step_on_square(adam, p);
    EXPECT_NEAR(p.item(), 0.80041223f, 2e-7);
}

TEST(Adam, WeightDecayAddsToTheGradient) {
    Tensor p = Tensor::scalar(1.0f, true);
    ag::optim::AdamOptions o;
    o.lr = 0.1;
    o.weight_decay = 0.5;
    ag::optim::Adam adam({p}, o);
    // g = 2 + 0.5·1 = 2.5; the first step is still lr·g/|g|
    step_on_square(adam, p);
    EXPECT_NEAR(p.item(), 0.9f, 1e-7);
    EXPECT_EQ(adam.options().weight_decay, 0.5);
}

TEST(Adam, SkipsParametersWithoutAGradient) {
    Tensor used = Tensor::scalar(1.0f, true), unused = Tensor::scalar(5.0f, true);
    ag::optim::Adam adam({used, unused}, 0.1);
    step_on_square(adam, used);
    EXPECT_NEAR(used.item(), 0.9f, 1e-7);
    EXPECT_EQ(unused.item(), 5.0f);
    EXPECT_FALSE(unused.has_grad());
}

TEST(Adam, DefaultsArePyTorchs) {
    ag::optim::Adam adam({Tensor::scalar(0.0f, true)});
    EXPECT_EQ(adam.options().lr, 1e-3);
    EXPECT_EQ(adam.options().beta1, 0.9);
    EXPECT_EQ(adam.options().beta2, 0.999);
    EXPECT_EQ(adam.options().eps, 1e-8);
    EXPECT_EQ(adam.options().weight_decay, 0.0);
}

TEST(Adam, RefusesBadHyperParameters) {
    ag::optim::AdamOptions o;
    o.beta1 = 1.0;
    EXPECT_THROW(ag::optim::Adam({Tensor::scalar(0.0f, true)}, o), std::invalid_argument);
    EXPECT_THROW(ag::optim::Adam({Tensor::scalar(0.0f, true)}, -1.0), std::invalid_argument);
}

TEST(SGD, PlainStepIsLrTimesGradient) {
    Tensor p = Tensor::scalar(1.0f, true);
    ag::optim::SGD sgd({p}, {0.1, 0.0});
    step_on_square(sgd, p);  // p = 1 − 0.1·2 = 0.8
    EXPECT_NEAR(p.item(), 0.8f, 1e-7);
    step_on_square(sgd, p);  // p = 0.8 − 0.1·1.6 = 0.64
    EXPECT_NEAR(p.item(), 0.64f, 1e-7);
}

TEST(SGD, MomentumStartsFromTheFirstGradient) {
    Tensor p = Tensor::scalar(1.0f, true);
    ag::optim::SGD sgd({p}, {0.1, 0.9});
    step_on_square(sgd, p);  // buf = g = 2, p = 1 − 0.2 = 0.8
    EXPECT_NEAR(p.item(), 0.8f, 1e-7);
    step_on_square(sgd, p);  // g = 1.6, buf = 0.9·2 + 1.6 = 3.4, p = 0.8 − 0.34 = 0.46
    EXPECT_NEAR(p.item(), 0.46f, 1e-7);
    step_on_square(sgd, p);  // g = 0.92, buf = 0.9·3.4 + 0.92 = 3.98, p = 0.46 − 0.398 = 0.062
    EXPECT_NEAR(p.item(), 0.062f, 1e-6);
}

TEST(Optimizers, ZeroGradZeroesTheGradients) {
    Tensor p = Tensor::scalar(3.0f, true);
    ag::optim::SGD sgd({p}, {0.1, 0.0});
    (p * p).backward();
    EXPECT_EQ(p.grad().item(), 6.0f);
    sgd.zero_grad();
    EXPECT_EQ(p.grad().item(), 0.0f);
    ag::optim::Adam adam({p});
    (p * p).backward();
    adam.zero_grad();
    EXPECT_EQ(p.grad().item(), 0.0f);
}

// A Linear fitted by Adam on y = 2x − 1: the loss falls and the weights approach the line.
TEST(Adam, FitsALine) {
    ag::manual_seed(0);
    ag::nn::Linear lin(1, 1);
    Tensor x({-1, 0, 1, 2}, {4, 1}), y({-3, -1, 1, 3}, {4, 1});
    ag::optim::Adam adam(lin.parameters(), 0.05);
    float first = 0, last = 0;
    for (int i = 0; i < 400; ++i) {
        adam.zero_grad();
        Tensor loss = ag::nn::mse_loss(lin.forward(x), y);
        loss.backward();
        adam.step();
        (i == 0 ? first : last) = loss.item();
    }
    EXPECT_LT(last, first * 1e-3f);
    EXPECT_NEAR(lin.weight.item(), 2.0f, 0.05f);
    EXPECT_NEAR(lin.bias.item(), -1.0f, 0.05f);
}
