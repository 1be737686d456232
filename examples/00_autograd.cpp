// 00_autograd.cpp — the engine in ten lines: build a tiny graph, run backward, read gradients.
//
// y = tanh(w·x + b); dy/dw, dy/db computed by reverse-mode autodiff and printed beside the
// values worked out by hand: dy/dw = (1 − y²)·x, dy/db = 1 − y².
#include <cstdio>
#include <iostream>

#include "ag/ag.h"
#include "common/cli.h"

int main(int argc, char** argv) {
    // No flags: --help explains, anything else is a mistake (one line on stderr, exit status 2).
    ex::Args("00_autograd", "The engine in ten lines: y = tanh(w*x + b) and its gradients, by autograd and by hand.")
        .parse(argc, argv);

    ag::Tensor x({2.0f}, {1});
    ag::Tensor w({0.5f}, {1}, /*requires_grad=*/true);
    ag::Tensor b({-0.3f}, {1}, /*requires_grad=*/true);

    ag::Tensor y = ag::tanh(w * x + b);  // the graph is recorded as the ops run
    y.backward();                        // dy/dy = 1, sent back through tanh, add, mul

    float t = y.item();
    std::cout << "y      = " << y << "\n";
    std::printf("dy/dw  = %.6f   (by hand: (1 - y^2) * x = %.6f)\n", w.grad().item(), (1 - t * t) * 2.0f);
    std::printf("dy/db  = %.6f   (by hand: (1 - y^2)     = %.6f)\n", b.grad().item(), 1 - t * t);
    return 0;
}
