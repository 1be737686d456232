// gru.cpp — the GRU as a plain loop over time steps.
//
// Teaches: the loop of rnn.cpp with a gated step. The input half of every step is one linear over
// the whole sequence; the recurrent half, h·W_hhᵀ + b_hh, stays in the step because the reset
// gate multiplies its n rows, bias included. Nothing here computes a gradient.
#include "ag/nn/gru.h"

#include <cmath>
#include <stdexcept>

#include "ag/ops.h"
#include "ag/random.h"

namespace ag::nn {

GRU::GRU(int64_t input_size_, int64_t hidden_size_, int64_t num_layers_, bool fused_)
    : input_size(input_size_), hidden_size(hidden_size_), num_layers(num_layers_), fused(fused_) {
    if (input_size < 1 || hidden_size < 1 || num_layers < 1)
        throw std::invalid_argument("GRU: input_size, hidden_size and num_layers must be positive, got " +
                                    std::to_string(input_size) + ", " + std::to_string(hidden_size) + ", " +
                                    std::to_string(num_layers));
    // PyTorch: every parameter U(−k, k), k = 1/√hidden_size, drawn in the order of parameters().
    const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
    const float lo = static_cast<float>(-k), hi = static_cast<float>(k);
    const int64_t H = hidden_size;
    for (int64_t l = 0; l < num_layers; ++l) {
        weight_ih.push_back(rand_uniform({3 * H, l == 0 ? input_size : H}, lo, hi));
        weight_hh.push_back(rand_uniform({3 * H, H}, lo, hi));
        bias_ih.push_back(rand_uniform({3 * H}, lo, hi));
        bias_hh.push_back(rand_uniform({3 * H}, lo, hi));
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
    const std::string who = "GRU(" + std::to_string(input_size) + ", " + std::to_string(hidden_size) +
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
