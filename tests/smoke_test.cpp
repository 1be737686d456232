// smoke_test.cpp — the first thing to break if the build or the graph is broken.
//
// Teaches: the smallest end-to-end check: y = tanh(w·x + b), one backward, and the gradients
// compared with the chain rule done by hand (the same graph as examples/00_autograd.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"

TEST(Smoke, TanhOfAffineHasHandDerivedGradient) {
    ag::Tensor x({2.0f}, {1});
    ag::Tensor w({0.5f}, {1}, true);
    ag::Tensor b({-0.3f}, {1}, true);
    ag::Tensor y = ag::tanh(w * x + b);
    y.backward();
    float t = std::tanh(0.7f);
    EXPECT_NEAR(y.item(), t, 1e-6);
    EXPECT_NEAR(w.grad().item(), (1 - t * t) * 2.0f, 1e-6);
    EXPECT_NEAR(b.grad().item(), 1 - t * t, 1e-6);
}
