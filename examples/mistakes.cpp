// mistakes.cpp — the errors a learner meets, made on purpose, with the message the engine prints.
//
// Teaches: every mistake below is an exception whose message names the op (or the layer), the
// shapes and the bad value, so the fix can be read off the message. The last one is not an
// error at all, which is what makes it dangerous: gradients ADD UP until zero_grad() clears them.
// README.md ("When things go wrong") quotes this program's output line for line.
#include <cstdio>
#include <exception>
#include <functional>

#include "ag/ag.h"
#include "common/cli.h"

// Runs one mistake and prints the message it throws.
static void attempt(const char* what, const std::function<void()>& mistake) {
    std::printf("%s\n", what);
    try {
        mistake();
        std::printf("  (no error)\n");
    } catch (const std::exception& e) {
        std::printf("  -> %s\n", e.what());
    }
}

int main(int argc, char** argv) {
    // No flags: --help explains, anything else is a mistake (one line on stderr, exit status 2).
    ex::Args("mistakes", "The errors a learner meets, made on purpose, with the engine's messages.").parse(argc, argv);
    ag::manual_seed(0);

    attempt("1. matmul of [2, 3] by [4, 5]: the inner sizes differ", [] {
        ag::matmul(ag::Tensor::ones({2, 3}), ag::Tensor::ones({4, 5}));
    });
    attempt("2. add of [2, 3] and [4]: sizes 3 and 4 cannot be broadcast", [] {
        ag::Tensor::ones({2, 3}) + ag::Tensor::ones({4});
    });
    attempt("3. Linear(10, 1) given [1, 20, 1]: the last dim must be in_features", [] {
        ag::nn::Linear dense(10, 1);
        dense.forward(ag::Tensor::zeros({1, 20, 1}));
    });
    attempt("4. RNN(1, 10) given [20, 1]: the batch dim is missing", [] {
        ag::nn::RNN rnn(1, 10);
        rnn.forward(ag::Tensor::zeros({20, 1}));
    });
    attempt("5. backward() twice through the same graph", [] {
        ag::Tensor w({2.0f}, {1}, /*requires_grad=*/true);
        ag::Tensor loss = ag::sum(ag::tanh(w * 3.0f));
        loss.backward();
        loss.backward();  // the first call freed the graph
    });
    attempt("6. backward() on a tensor of 3 values instead of a scalar loss", [] {
        ag::Tensor w({1.0f, 2.0f, 3.0f}, {3}, /*requires_grad=*/true);
        (w * w).backward();
    });
    attempt("7. an Embedding(9, 8) looked up with token 9", [] {
        ag::nn::Embedding embedding_layer(9, 8);
        embedding_layer.forward(ag::Tensor({0.0f, 2.0f, 9.0f}, {1, 3}));
    });
    attempt("8. a NaN, found by anomaly mode: log of a negative value", [] {
        ag::DetectAnomalyGuard anomaly;  // every op checks its output for NaN and Inf
        ag::Tensor x({1.0f, -2.0f}, {2}, /*requires_grad=*/true);
        ag::mean(ag::log(x));
    });

    attempt("9. optimizer.step() between the forward pass and backward()", [] {
        ag::nn::Linear dense(2, 1);
        ag::optim::Adam optimizer(dense.parameters(), 0.01);
        const ag::Tensor x = ag::Tensor::ones({3, 2});
        ag::sum(dense.forward(x)).backward();  // a first pass: the weights have gradients now
        ag::Tensor loss = ag::sum(dense.forward(x));
        optimizer.step();  // changes the weights that this forward used, before its backward
        loss.backward();
    });

    // 10. Forgetting zero_grad: L = w·x with x = 3, so dL/dw = 3 on every pass. Without zero_grad
    // the second and third passes add to the first.
    std::printf("10. three backward passes without zero_grad (dL/dw = 3 each time)\n");
    ag::Tensor w({2.0f}, {1}, /*requires_grad=*/true);
    ag::Tensor x({3.0f}, {1});
    for (int pass = 1; pass <= 3; ++pass) {
        ag::sum(w * x).backward();
        std::printf("  pass %d: w.grad = %g\n", pass, w.grad().item());
    }
    w.zero_grad();
    ag::sum(w * x).backward();
    std::printf("  after w.zero_grad(), one more pass: w.grad = %g\n", w.grad().item());
    return 0;
}
