// lstm.h — the LSTM: an RNN whose memory is a cell state c_t, changed only through gates, batch first.
//
// Teaches: the fix the LSTM proposes for vanishing gradients. c_t = f ⊙ c_{t−1} + i ⊙ g is a sum,
// not a squashing, so a gradient travelling back along c is multiplied only by the forget gate f:
// it survives as long as f stays near 1. forward_steps() is the same visible loop over time as the
// RNN's, and backprop-through-time again comes from autograd walking it backwards.
#pragma once

#include <tuple>
#include <vector>

#include "ag/nn/module.h"
#include "ag/ops.h"

namespace ag::nn {

// Everything one forward pass computed, including every h_t and c_t as its own tensor, so that
// hidden[k][t].retain_grad() and cell[k][t].retain_grad() expose ∂L/∂h_t and ∂L/∂c_t of layer k.
struct LSTMSteps {
    Tensor output;                            // (B, L, H) the last layer's h_t for every t
    Tensor h_n;                               // (num_layers, B, H)
    Tensor c_n;                               // (num_layers, B, H)
    std::vector<std::vector<Tensor>> hidden;  // [layer][t] -> (B, H), each h_t its own tensor
    std::vector<std::vector<Tensor>> cell;    // [layer][t] -> (B, H), each c_t its own tensor
};

// PyTorch's equations and gate order (rows i, f, g, o of every weight and bias):
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)   f = σ(…f…)   g = tanh(…g…)   o = σ(…o…)
//   c' = f ⊙ c + i ⊙ g                    h' = o ⊙ tanh(c')
class LSTM : public Module {
public:
    // Every parameter U(−1/√hidden_size, 1/√hidden_size), drawn in the order of parameters().
    // fused: each step is the ops lstm_cell and lstm_hidden (the default); false composes it from
    // select, matmul, narrow, sigmoid, tanh, mul and add, the formula as written (slower; the
    // same numbers).
    LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool fused = true);

    // x (B, L, input_size), h0 and c0 (num_layers, B, H) or undefined for zeros
    // -> {output (B, L, H), h_n (num_layers, B, H), c_n (num_layers, B, H)}
    std::tuple<Tensor, Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = Tensor(),
                                               const Tensor& c0 = Tensor()) const;
    // The same computation, keeping every step's h_t and c_t.
    LSTMSteps forward_steps(const Tensor& x, const Tensor& h0 = Tensor(), const Tensor& c0 = Tensor()) const;

    int64_t input_size, hidden_size, num_layers;
    bool fused;  // lstm_cell and lstm_hidden at each step, or the composed cell
    // Per layer k (PyTorch names weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}),
    // rows [0, H) the gate i, [H, 2H) f, [2H, 3H) g, [3H, 4H) o:
    std::vector<Tensor> weight_ih;  // (4H, input_size) for k = 0, (4H, H) above
    std::vector<Tensor> weight_hh;  // (4H, H)
    std::vector<Tensor> bias_ih;    // (4H)
    std::vector<Tensor> bias_hh;    // (4H)
};

}  // namespace ag::nn
