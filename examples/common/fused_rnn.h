// fused_rnn.h — the notebook's model trained WITHOUT autograd: forward, backprop-through-time and
// Adam written out by hand.
//
// Teaches: what autograd saves you from writing. Every gradient below was derived on paper and
// coded as a loop; the engine gets the same numbers from the forward pass alone. It is also the
// speed floor of the benchmark: no graph, no per-op allocation, just the arithmetic.
#pragma once

#include <cstdint>
#include <vector>

namespace fused {

// `layers` stacked single-layer tanh RNNs (the first reads `input` features, the others `hidden`),
// then a Linear(hidden, 1) on every time step. Parameter order and initial values: whatever the
// caller copies in (the benchmark copies them from the engine's model).
struct StackedRNN {
    int64_t input = 1, hidden = 10, layers = 1;
    struct Layer {
        std::vector<float> w_ih;  // (hidden, in)
        std::vector<float> w_hh;  // (hidden, hidden)
        std::vector<float> b_ih;  // (hidden)
        std::vector<float> b_hh;  // (hidden)
    };
    std::vector<Layer> rnn;       // [layers]
    std::vector<float> dense_w;   // (1, hidden)
    std::vector<float> dense_b;   // (1)

    // All parameter buffers in PyTorch's order: per layer w_ih, w_hh, b_ih, b_hh; then dense w, b.
    std::vector<std::vector<float>*> parameters();
};

// Adam with PyTorch's update, over a list of float buffers.
struct Adam {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    int64_t t = 0;
    std::vector<std::vector<float>> m, v;
    void step(const std::vector<std::vector<float>*>& params, const std::vector<std::vector<float>>& grads);
};

// One full-batch training step on x (B, L, input) with target y (B, L, 1): forward, MSE loss,
// backward through time, Adam update. Returns the loss before the update.
class Trainer {
public:
    Trainer(StackedRNN& model, double lr);
    float step(const std::vector<float>& x, const std::vector<float>& y, int64_t batch, int64_t length);

private:
    StackedRNN& model_;
    Adam adam_;
    // Work buffers, kept between steps so that a step allocates nothing.
    std::vector<std::vector<float>> h_;      // per layer (L, B, H), time-major
    std::vector<float> x_tm_, dout_, dz_, dh_next_, din_, out_;
    std::vector<std::vector<float>> grads_;  // same order as parameters()
};

}  // namespace fused
