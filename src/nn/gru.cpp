// gru.cpp — the GRU as a plain loop over time steps.
//
// Teaches: the loop of rnn.cpp with a gated step. The input half of every step is one linear over
// the whole sequence; the recurrent half, h·W_hhᵀ + b_hh, stays in the step because the reset
// gate multiplies its n rows, bias included. Nothing here computes a gradient.
#include "ag/nn/gru.h"

#include "ag/ops.h"
#include "recurrent.h"

namespace ag::nn {

GRU::GRU(int64_t input_size_, int64_t hidden_size_, int64_t num_layers_, bool fused_)
    : input_size(input_size_), hidden_size(hidden_size_), num_layers(num_layers_), fused(fused_) {
    check_recurrent_sizes("GRU", input_size, hidden_size, num_layers);
    // PyTorch: per layer weight_ih (3H, in), weight_hh (3H, H), bias_ih (3H), bias_hh (3H), in this order,
    // rows in three blocks for the gates r, z, n; every value U(−1/√H, 1/√H) (recurrent.h).
    draw_recurrent_parameters(/*gates=*/3, input_size, hidden_size, num_layers,
                              weight_ih, weight_hh, bias_ih, bias_hh);
    // Registered only now that the vectors stop growing: the module keeps pointers to them.
    for (auto& [name, p] : recurrent_parameter_names(weight_ih, weight_hh, bias_ih, bias_hh))
        register_parameter(name, *p);
}

// One step written as the formula, from engine ops.
static Tensor composed_step(const Tensor& xproj, int64_t t, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh) {
    const int64_t H = h.size(1);
    Tensor xw = select(xproj, 1, t);       // (B, 3H): x·W_ihᵀ + b_ih, rows r, z, n
    Tensor gh = linear(h, w_hh, b_hh);     // (B, 3H): h·W_hhᵀ + b_hh
    Tensor r = sigmoid(narrow(xw, 1, 0, H) + narrow(gh, 1, 0, H));
    Tensor z = sigmoid(narrow(xw, 1, H, H) + narrow(gh, 1, H, H));
    Tensor n = tanh(narrow(xw, 1, 2 * H, H) + r * narrow(gh, 1, 2 * H, H));
    return (1.0f - z) * n + z * h;         // (B, H)
}

RNNSteps GRU::forward_steps(const Tensor& x, const Tensor& h0) const {
    check_recurrent_input("GRU", x, input_size, hidden_size, num_layers, {{"h0", &h0}});
    const int64_t B = x.size(0), L = x.size(1), H = hidden_size;

    RNNSteps out;
    out.hidden.resize(static_cast<size_t>(num_layers));
    std::vector<Tensor> last;  // num_layers × (B, H)
    Tensor layer_input = x;    // (B, L, in) for layer 0, (B, L, H) above
    for (int64_t k = 0; k < num_layers; ++k) {
        Tensor xproj = linear(layer_input, weight_ih[k], bias_ih[k]);  // (B, L, 3H), b_hh not folded in
        Tensor h = h0.defined() ? select(h0, 0, k) : Tensor::zeros({B, H});  // (B, H)
        std::vector<Tensor>& hs = out.hidden[k];
        hs.reserve(static_cast<size_t>(L));
        for (int64_t t = 0; t < L; ++t) {
            h = fused ? gru_step(xproj, t, h, weight_hh[k], bias_hh[k])
                      : composed_step(xproj, t, h, weight_hh[k], bias_hh[k]);
            hs.push_back(h);
        }
        layer_input = stack(hs, 1);  // (B, L, H): the next layer's input
        last.push_back(h);
    }
    out.output = layer_input;  // (B, L, H)
    out.h_n = stack(last, 0);  // (num_layers, B, H)
    return out;
}

std::tuple<Tensor, Tensor> GRU::forward(const Tensor& x, const Tensor& h0) const {
    RNNSteps s = forward_steps(x, h0);
    return {s.output, s.h_n};
}

}  // namespace ag::nn
