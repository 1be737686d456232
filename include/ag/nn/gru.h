// gru.h — the GRU: a lighter gated RNN with no separate cell state, batch first.
//
// Teaches: the GRU keeps one state and mixes old and new with an update gate z:
// h' = (1 − z) ⊙ n + z ⊙ h, so where z is near 1 the state, and its gradient, pass through
// almost unchanged. A reset gate r decides how much of h the candidate n may read.
#pragma once

#include <tuple>
#include <vector>

#include "ag/nn/module.h"
#include "ag/nn/rnn.h"  // RNNSteps
#include "ag/ops.h"

namespace ag::nn {

// PyTorch's equations and gate order (rows r, z, n of every weight and bias):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   h' = (1 − z) ⊙ n + z ⊙ h
class GRU : public Module {
public:
    // Every parameter U(−1/√hidden_size, 1/√hidden_size), drawn in the order of parameters().
    // fused: each step is one gru_step op (the default); false composes it from engine ops.
    GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool fused = true);

    // x (B, L, input_size), h0 (num_layers, B, H) or undefined for zeros
    // -> {output (B, L, H), h_n (num_layers, B, H)}
    std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = Tensor()) const;
    // The same computation, keeping every step's hidden state: hidden[k][t] (B, H).
    RNNSteps forward_steps(const Tensor& x, const Tensor& h0 = Tensor()) const;

    int64_t input_size, hidden_size, num_layers;
    bool fused;  // one gru_step op per step, or the composed cell
    // Per layer k (PyTorch names weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}),
    // rows [0, H) the gate r, [H, 2H) z, [2H, 3H) n:
    std::vector<Tensor> weight_ih;  // (3H, input_size) for k = 0, (3H, H) above
    std::vector<Tensor> weight_hh;  // (3H, H)
    std::vector<Tensor> bias_ih;    // (3H)
    std::vector<Tensor> bias_hh;    // (3H)
};

}  // namespace ag::nn
