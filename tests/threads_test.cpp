// threads_test.cpp — tensors cross threads, and threads train side by side.
//
// Teaches: what the engine promises about threads. A tensor may be made on one thread and read,
// used in a graph, or freed on another, also after the first thread has ended (hand it over
// through a join, a future or a mutex: two threads must not hold copies of one tensor at the same
// time). Two threads that each train their own model get exactly the numbers they would get one
// after the other. CI runs this suite under ThreadSanitizer (make test-threads MODE=tsan).
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "ag/ag.h"

namespace {

using ag::Tensor;

TEST(Threads, ATensorMadeOnAThreadThatEndedCanBeReadUsedAndFreed) {
    const int64_t before = ag::live_nodes();
    Tensor w, h;
    std::thread worker([&] {
        w = Tensor({1, 2, 3, 4}, {2, 2}, true);
        h = ag::tanh(ag::matmul(w, w));  // a graph, made on the worker
        for (int i = 0; i < 1000; ++i) ag::tanh(w);  // and memory the worker recycles, then frees
    });
    worker.join();  // the worker and its free lists are gone
    EXPECT_EQ(w.values(), (std::vector<float>{1, 2, 3, 4}));
    ag::sum(h * w).backward();  // its graph, walked here
    ASSERT_TRUE(w.has_grad());
    // L = Σ h ⊙ w: dL/dw gets h directly, plus the path through tanh(w·w); all values are finite
    // and the direct part is there: dL/dw[0] ≥ h[0] − (a small tanh′ term)
    EXPECT_NEAR(w.grad().values()[0], h.values()[0], 1e-3);
    Tensor again = ag::matmul(w, w);  // used in a new graph here
    EXPECT_EQ(again.values(), (std::vector<float>{7, 10, 15, 22}));
    w = Tensor();
    h = Tensor();
    again = Tensor();
    EXPECT_EQ(ag::live_nodes(), before - 3);  // w, w·w and h: made there, so this thread counts only their frees
}

TEST(Threads, ATensorHandedOverThroughAFuture) {
    std::future<Tensor> made = std::async(std::launch::async, [] {
        Tensor x({0.5f, -1.0f}, {2}, true);
        return ag::exp(x);
    });
    Tensor y = made.get();
    ag::sum(y).backward();  // d eˣ/dx = eˣ
    EXPECT_FLOAT_EQ(y.values()[0], std::exp(0.5f));
}

// A small training run: RNN(1, 8) + Linear(8, 1) on a sine, Adam, 30 epochs; every loss.
std::vector<float> train(uint64_t seed) {
    ag::manual_seed(seed);
    ag::nn::RNN rnn(1, 8);
    ag::nn::Linear dense(8, 1);
    std::vector<Tensor> params = rnn.parameters();
    for (const Tensor& p : dense.parameters()) params.push_back(p);
    ag::optim::Adam opt(params, 0.01);
    std::vector<float> xs(60);
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.2f * float(i));
    const Tensor x(xs, {1, 60, 1});
    std::vector<float> losses;
    for (int epoch = 0; epoch < 30; ++epoch) {
        opt.zero_grad();
        Tensor loss = ag::nn::mse_loss(dense.forward(std::get<0>(rnn.forward(x))), x);
        loss.backward();
        opt.step();
        losses.push_back(loss.item());
    }
    return losses;
}

TEST(Threads, TwoModelsTrainedAtOnceGetTheNumbersOfOneAfterTheOther) {
    const std::vector<float> first = train(0), second = train(1);
    std::vector<float> a, b;
    std::thread ta([&] { a = train(0); });
    std::thread tb([&] { b = train(1); });
    ta.join();
    tb.join();
    EXPECT_EQ(a, first);  // bit for bit
    EXPECT_EQ(b, second);
    EXPECT_NE(first, second);
}

TEST(Threads, GraphsWalkedOnSeveralThreadsAtOnce) {
    // Each thread builds and walks many small graphs; the walks' visit marks must never clash.
    std::vector<std::thread> threads;
    std::vector<float> grads(4);
    for (int k = 0; k < 4; ++k)
        threads.emplace_back([k, &grads] {
            Tensor x({float(k)}, {1}, true);
            for (int i = 0; i < 2000; ++i) ag::sum(x * x + x).backward();  // d/dx = 2x + 1, 2000 times
            grads[k] = x.grad().item();
        });
    for (std::thread& t : threads) t.join();
    for (int k = 0; k < 4; ++k) EXPECT_EQ(grads[k], 2000.0f * (2.0f * float(k) + 1.0f)) << k;
}

}  // namespace
