// in_place_test.cpp — writing into a tensor that a graph saved is caught; gradients may be edited.
//
// Teaches: a backward reads the values its forward saw. Write into them in between (through
// mutable_values(), as an optimizer step does) and the gradient would be silently wrong, so the
// backward refuses, as PyTorch's version counter does. Writing between iterations is fine: the
// next forward records the new values. Gradients themselves can be changed in place (clipping).
#include <gtest/gtest.h>

#include "core_test_util.h"

namespace {

using ag::Tensor;
using core_test::contains_all;

std::string backward_error(const Tensor& loss) {
    try {
        loss.backward();
    } catch (const std::logic_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(InPlace, WritingAnInputAfterTheForwardMakesItsBackwardThrow) {
    Tensor w({1, 2, 3, 4}, {2, 2}, true);
    Tensor x({1, 1}, {1, 2});
    Tensor loss = ag::sum(ag::matmul(x, w));
    w.mutable_values()[0] = 10.0f;
    EXPECT_TRUE(contains_all(backward_error(loss), {"backward of 'matmul'", "its input 1 (a leaf of shape [2, 2])", "modified in place", "mutable_values()"}));
}

TEST(InPlace, WritingAnOutputThatItsBackwardReadsIsCaughtToo) {
    Tensor x({0.5f, -0.5f}, {2}, true);
    Tensor y = ag::tanh(x);  // tanh's backward reads y: 1 − y²
    Tensor loss = ag::sum(y * 2.0f);
    y.mutable_values()[1] = 0.0f;
    EXPECT_TRUE(contains_all(backward_error(loss), {"backward of 'mul_scalar'", "its input 0 (made by 'tanh' of shape [2])", "modified in place"}));
}

TEST(InPlace, AnOpThatReadsItsOwnOutputSeesItChange) {
    Tensor x({0.5f, -0.5f}, {2}, true);
    Tensor y = ag::tanh(x);  // d tanh/dx = 1 − y², read from y
    y.mutable_values()[0] = 0.0f;  // before sum saw it: sum is fine, tanh is not
    EXPECT_TRUE(contains_all(backward_error(ag::sum(y)), {"backward of 'tanh'", "its output", "modified in place"}));
    Tensor z = ag::tanh(x);  // the walk starts at z itself
    z.mutable_values()[0] = 0.0f;
    try {
        z.backward(Tensor({1, 1}, {2}));
        ADD_FAILURE() << "no error";
    } catch (const std::logic_error& e) {
        EXPECT_TRUE(contains_all(e.what(), {"backward of 'tanh'", "its output", "modified in place"}));
    }
}

TEST(InPlace, ReadingIsNotWriting) {
    Tensor w({1, 2}, {2}, true);
    Tensor loss = ag::sum(w * w);
    float read = w.values()[0] + w.at({1});
    (void)read;
    loss.backward();
    EXPECT_EQ(w.grad().values(), (std::vector<float>{2, 4}));
}

TEST(InPlace, OptimizerStepBetweenIterationsIsLegalAndBeforeBackwardIsNot) {
    ag::manual_seed(0);
    ag::nn::Linear lin(2, 1);
    ag::optim::Adam opt(lin.parameters(), 0.1);
    const Tensor x({1, 2, 3, 4}, {2, 2}), y({1, -1}, {2, 1});
    for (int step = 0; step < 3; ++step) {  // the usual loop: zero_grad, forward, backward, step
        opt.zero_grad();
        ag::nn::mse_loss(lin.forward(x), y).backward();
        opt.step();
    }
    opt.zero_grad();
    Tensor loss = ag::nn::mse_loss(lin.forward(x), y);
    opt.step();  // before backward(): the weights the graph saved have changed
    EXPECT_TRUE(contains_all(backward_error(loss), {"backward of 'linear'", "its input 1", "optimizer.step()"}));
}

TEST(InPlace, GradientsCanBeScaledInPlace) {
    Tensor w({3, 4}, {2}, true);
    ag::sum(w * w).backward();  // dL/dw = 2w = (6, 8)
    for (float& g : w.mutable_grad()) g *= 0.5f;
    EXPECT_EQ(w.grad().values(), (std::vector<float>{3, 4}));
    ag::sum(w).backward();  // the next backward adds to the edited gradient
    EXPECT_EQ(w.grad().values(), (std::vector<float>{4, 5}));
}

TEST(InPlace, MutableGradNeedsAGradient) {
    Tensor w({1}, {1}, true);
    EXPECT_THROW(
        {
            try {
                w.mutable_grad();
            } catch (const std::logic_error& e) {
                EXPECT_TRUE(contains_all(e.what(), {"mutable_grad", "[1]", "no gradient"}));
                throw;
            }
        },
        std::logic_error);
}

}  // namespace
