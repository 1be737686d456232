// readme_messages_test.cpp — the error messages README.md quotes ("When things go wrong"), verbatim.
//
// Teaches: a message a learner is told to expect is part of the interface. Each mistake below is
// the one examples/mistakes.cpp makes; if an engine message changes, this test fails until the
// README (and this file) are updated to match.
#include <gtest/gtest.h>

#include "core_test_util.h"

using core_test::message_of;

TEST(ReadmeMessages, ShapeMismatches) {
    EXPECT_EQ(message_of<std::invalid_argument>([] { ag::matmul(ag::Tensor::ones({2, 3}), ag::Tensor::ones({4, 5})); }),
              "matmul: shapes [2, 3] and [4, 5] do not match (3 != 4)");
    EXPECT_EQ(message_of<std::invalid_argument>([] { ag::Tensor::ones({2, 3}) + ag::Tensor::ones({4}); }),
              "add: shapes [2, 3] and [4] cannot be broadcast (3 vs 4 in dim 1 of the result)");
    ag::manual_seed(0);
    ag::nn::Linear dense(10, 1);
    EXPECT_EQ(message_of<std::invalid_argument>([&] { dense.forward(ag::Tensor::zeros({1, 20, 1})); }),
              "Linear(10, 1): input of shape [1, 20, 1] must be [..., 10]");
    ag::nn::RNN rnn(1, 10);
    EXPECT_EQ(message_of<std::invalid_argument>([&] { rnn.forward(ag::Tensor::zeros({20, 1})); }),
              "RNN(1, 10, num_layers=1): input of shape [20, 1] must be [batch, length, 1]");
}

TEST(ReadmeMessages, Backward) {
    ag::Tensor w({2.0f}, {1}, true);
    ag::Tensor loss = ag::sum(ag::tanh(w * 3.0f));
    loss.backward();
    EXPECT_EQ(message_of<std::logic_error>([&] { loss.backward(); }),
              "backward: the graph through 'sum' was already freed by an earlier backward(); to "
              "backpropagate through it twice, pass retain_graph=true to the first backward()");
    ag::Tensor v({1.0f, 2.0f, 3.0f}, {3}, true);
    EXPECT_EQ(message_of<std::logic_error>([&] { (v * v).backward(); }),
              "backward: called on a tensor of shape [3]; without grad_output it needs a single value "
              "(reduce it first, e.g. with sum() or mean(), or pass grad_output)");
}

TEST(ReadmeMessages, EmbeddingIndexOutOfRange) {
    ag::manual_seed(0);
    ag::nn::Embedding embedding_layer(9, 8);
    EXPECT_EQ(message_of<std::out_of_range>([&] { embedding_layer.forward(ag::Tensor({0.0f, 2.0f, 9.0f}, {1, 3})); }),
              "Embedding(9, 8): index_select_rows: index 9 is out of range for a table of 9 rows (shape [9, 8])");
}

TEST(ReadmeMessages, AnomalyModeNamesTheOpThatMadeTheNaN) {
    ag::DetectAnomalyGuard anomaly;
    ag::Tensor x({1.0f, -2.0f}, {2}, true);
    EXPECT_EQ(message_of<std::runtime_error>([&] { ag::mean(ag::log(x)); }),
              "anomaly: forward of 'log' produced NaN at flat index 1");
}

TEST(ReadmeMessages, OptimizerStepBeforeBackward) {
    ag::manual_seed(0);
    ag::nn::Linear dense(2, 1);
    ag::optim::Adam optimizer(dense.parameters(), 0.01);
    const ag::Tensor x = ag::Tensor::ones({3, 2});
    ag::sum(dense.forward(x)).backward();
    ag::Tensor loss = ag::sum(dense.forward(x));
    optimizer.step();
    EXPECT_EQ(message_of<std::logic_error>([&] { loss.backward(); }),
              "backward of 'linear': its input 1 (a leaf of shape [1, 2]) was modified in place after the forward "
              "(through mutable_values(), for example optimizer.step() before backward()); compute the forward "
              "again after changing it");
}

TEST(ReadmeMessages, ForgettingZeroGradAccumulates) {
    // L = w·x, x = 3: dL/dw = 3 per pass; without zero_grad the passes add up: 3, 6, 9
    ag::Tensor w({2.0f}, {1}, true);
    ag::Tensor x({3.0f}, {1});
    for (float want : {3.0f, 6.0f, 9.0f}) {
        ag::sum(w * x).backward();
        EXPECT_FLOAT_EQ(w.grad().item(), want);
    }
    w.zero_grad();
    ag::sum(w * x).backward();
    EXPECT_FLOAT_EQ(w.grad().item(), 3.0f);
}
