// rnn.h — the Elman RNN: h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), batch first.
//
// Teaches: an RNN is one small layer applied again and again along time, feeding its own output
// back in. forward() is a visible loop over time steps built from engine ops, so backpropagation
// through time is not written anywhere: it falls out of autograd walking that loop backwards.
#pragma once

#include <tuple>
#include <vector>

#include "ag/nn/module.h"
#include "ag/ops.h"

namespace ag::nn {

using ag::Nonlinearity;  // Tanh, ReLU or Identity (ops.h)

// Everything one forward pass computed, including every hidden state as its own tensor, so that
// hidden[k][t].retain_grad() can expose ∂L/∂h_t of layer k at step t.
struct RNNSteps {
    Tensor output;                            // (B, L, H) the last layer's h_t for every t
    Tensor h_n;                               // (num_layers, B, H) each layer's last h_t
    std::vector<std::vector<Tensor>> hidden;  // [layer][t] -> (B, H)
};

class RNN : public Module {
public:
    // Every parameter U(−1/√hidden_size, 1/√hidden_size), drawn in the order of parameters().
    // fused: each step is one rnn_step op (the default); false composes it from select, matmul,
    // add and the activation, the formula as written (slower; the same values and gradients).
    RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1,
        Nonlinearity nonlinearity = Nonlinearity::Tanh, bool fused = true);

    // x (B, L, input_size), h0 (num_layers, B, H) or undefined for zeros
    // -> {output (B, L, H), h_n (num_layers, B, H)}
    std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = Tensor()) const;
    // The same computation, keeping every step's hidden state.
    RNNSteps forward_steps(const Tensor& x, const Tensor& h0 = Tensor()) const;

    int64_t input_size, hidden_size, num_layers;
    Nonlinearity nonlinearity;
    bool fused;  // one rnn_step op per step, or the composed cell
    // Per layer k (PyTorch names weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}):
    std::vector<Tensor> weight_ih;  // (H, input_size) for k = 0, (H, H) above
    std::vector<Tensor> weight_hh;  // (H, H)
    std::vector<Tensor> bias_ih;    // (H)
    std::vector<Tensor> bias_hh;    // (H)
};

}  // namespace ag::nn
