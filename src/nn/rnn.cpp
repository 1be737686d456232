// rnn.cpp — the Elman RNN as a plain loop over time steps.
//
// Teaches: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) is one small layer reused at every
// step. Nothing here computes a gradient: backpropagation through time is autograd walking this
// loop backwards, and every h_t stays a tensor you can ask for its gradient.
#include "ag/nn/rnn.h"

#include <cmath>
#include <stdexcept>

#include "ag/ops.h"
#include "ag/random.h"

namespace ag::nn {

RNN::RNN(int64_t input_size_, int64_t hidden_size_, int64_t num_layers_, Nonlinearity nonlinearity_, bool fused_)
    : input_size(input_size_), hidden_size(hidden_size_), num_layers(num_layers_), nonlinearity(nonlinearity_),
      fused(fused_) {
    if (input_size < 1 || hidden_size < 1 || num_layers < 1)
        throw std::invalid_argument("RNN: input_size, hidden_size and num_layers must be positive, got " +
                                    std::to_string(input_size) + ", " + std::to_string(hidden_size) + ", " +
                                    std::to_string(num_layers));
    // PyTorch: every parameter U(−k, k), k = 1/√hidden_size, drawn in the order of parameters().
    const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
    const float lo = static_cast<float>(-k), hi = static_cast<float>(k);
    const int64_t H = hidden_size;
    for (int64_t l = 0; l < num_layers; ++l) {
        weight_ih.push_back(rand_uniform({H, l == 0 ? input_size : H}, lo, hi));
        weight_hh.push_back(rand_uniform({H, H}, lo, hi));
        bias_ih.push_back(rand_uniform({H}, lo, hi));
        bias_hh.push_back(rand_uniform({H}, lo, hi));
    }
    // Registered only now that the vectors stop growing: the module keeps pointers to them.
    for (size_t l = 0; l < weight_ih.size(); ++l) {
        const std::string s = std::to_string(l);
        register_parameter("weight_ih_l" + s, weight_ih[l]);
        register_parameter("weight_hh_l" + s, weight_hh[l]);
        register_parameter("bias_ih_l" + s, bias_ih[l]);
        register_parameter("bias_hh_l" + s, bias_hh[l]);
    }
}

// One step written as the formula: act(xw_t + h·W_hhᵀ), four ops and their four backward rules.
static Tensor composed_step(const Tensor& xproj, int64_t t, const Tensor& h, const Tensor& w_hh, Nonlinearity act) {
    Tensor z = select(xproj, 1, t) + matmul(h, transpose(w_hh, 0, 1));  // (B, H)
    if (act == Nonlinearity::Tanh) return tanh(z);
    if (act == Nonlinearity::ReLU) return relu(z);
    return z;
}

RNNSteps RNN::forward_steps(const Tensor& x, const Tensor& h0) const {
    const std::string who = "RNN(" + std::to_string(input_size) + ", " + std::to_string(hidden_size) +
                            ", num_layers=" + std::to_string(num_layers) + "): ";
    if (!x.defined()) throw std::invalid_argument(who + "input is undefined");
    if (x.dim() != 3 || x.size(2) != input_size)
        throw std::invalid_argument(who + "input of shape " + shape_str(x.shape()) +
                                    " must be [batch, length, " + std::to_string(input_size) + "]");
    const int64_t B = x.size(0), L = x.size(1), H = hidden_size;
    if (L < 1)
        throw std::invalid_argument(who + "input of shape " + shape_str(x.shape()) + " has no time steps");
    if (h0.defined() && h0.shape() != Shape{num_layers, B, H})
        throw std::invalid_argument(who + "h0 of shape " + shape_str(h0.shape()) + " must be [" +
                                    std::to_string(num_layers) + ", " + std::to_string(B) + ", " +
                                    std::to_string(H) + "] (num_layers, batch, hidden_size)");

    RNNSteps out;
    out.hidden.resize(static_cast<size_t>(num_layers));
    std::vector<Tensor> last;  // num_layers × (B, H)
    Tensor layer_input = x;    // (B, L, in) for layer 0, (B, L, H) above
    for (int64_t k = 0; k < num_layers; ++k) {
        // The input half of every step at once: one matmul over all B·L rows. Both biases are
        // added here, once per sequence instead of once per step; their sum is a node, so the
        // gradient reaches each of them (the same gradient, as in PyTorch).
        Tensor xproj = linear(layer_input, weight_ih[k], bias_ih[k] + bias_hh[k]);  // (B, L, H)
        Tensor h = h0.defined() ? select(h0, 0, k) : Tensor::zeros({B, H});  // (B, H)
        std::vector<Tensor>& hs = out.hidden[k];
        hs.reserve(static_cast<size_t>(L));
        for (int64_t t = 0; t < L; ++t) {
            // h_t = act(x_t·W_ihᵀ + b_ih + b_hh + h_{t−1}·W_hhᵀ): one fused op, or the formula's four
            h = fused ? rnn_step(xproj, t, h, weight_hh[k], nonlinearity)
                      : composed_step(xproj, t, h, weight_hh[k], nonlinearity);
            hs.push_back(h);
        }
        layer_input = stack(hs, 1);  // (B, L, H): the next layer's input
        last.push_back(h);
    }
    out.output = layer_input;  // (B, L, H)
    out.h_n = stack(last, 0);  // (num_layers, B, H)
    return out;
}

std::tuple<Tensor, Tensor> RNN::forward(const Tensor& x, const Tensor& h0) const {
    RNNSteps s = forward_steps(x, h0);
    return {s.output, s.h_n};
}

}  // namespace ag::nn
