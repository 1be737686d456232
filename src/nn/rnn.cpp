// rnn.cpp — the Elman RNN as a plain loop over time steps.
//
// Teaches: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) is one small layer reused at every
// step. Nothing here computes a gradient: backpropagation through time is autograd walking this
// loop backwards, and every h_t stays a tensor you can ask for its gradient.
#include "ag/nn/rnn.h"

#include "ag/ops.h"
#include "recurrent.h"

namespace ag::nn {

RNN::RNN(int64_t input_size_, int64_t hidden_size_, int64_t num_layers_, Nonlinearity nonlinearity_, bool fused_)
    : input_size(input_size_), hidden_size(hidden_size_), num_layers(num_layers_), nonlinearity(nonlinearity_),
      fused(fused_) {
    check_recurrent_sizes("RNN", input_size, hidden_size, num_layers);
    // PyTorch: per layer weight_ih (H, in), weight_hh (H, H), bias_ih (H), bias_hh (H), in this order,
    // every value U(−1/√H, 1/√H) (recurrent.h).
    draw_recurrent_parameters(/*gates=*/1, input_size, hidden_size, num_layers,
                              weight_ih, weight_hh, bias_ih, bias_hh);
    // Registered only now that the vectors stop growing: the module keeps pointers to them.
    for (auto& [name, p] : recurrent_parameter_names(weight_ih, weight_hh, bias_ih, bias_hh))
        register_parameter(name, *p);
}

// One step written as the formula: act(xw_t + h·W_hhᵀ), four ops and their four backward rules.
static Tensor composed_step(const Tensor& xproj, int64_t t, const Tensor& h, const Tensor& w_hh, Nonlinearity act) {
    Tensor z = select(xproj, 1, t) + matmul(h, transpose(w_hh, 0, 1));  // (B, H)
    if (act == Nonlinearity::Tanh) return tanh(z);
    if (act == Nonlinearity::ReLU) return relu(z);
    return z;
}

RNNSteps RNN::forward_steps(const Tensor& x, const Tensor& h0) const {
    check_recurrent_input("RNN", x, input_size, hidden_size, num_layers, {{"h0", &h0}});
    const int64_t B = x.size(0), L = x.size(1), H = hidden_size;

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
