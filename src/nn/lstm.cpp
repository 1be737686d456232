// lstm.cpp — the LSTM as a plain loop over time steps.
//
// Teaches: the same loop as rnn.cpp with two states instead of one. Each step reads h_{t−1} and
// c_{t−1} and makes h_t and c_t, every one of them a tensor of its own, so retain_grad() on any of
// them shows the gradient that reached it. Nothing here computes a gradient.
#include "ag/nn/lstm.h"

#include <cmath>
#include <stdexcept>

#include "ag/ops.h"
#include "ag/random.h"

namespace ag::nn {

LSTM::LSTM(int64_t input_size_, int64_t hidden_size_, int64_t num_layers_, bool fused_)
    : input_size(input_size_), hidden_size(hidden_size_), num_layers(num_layers_), fused(fused_) {
    if (input_size < 1 || hidden_size < 1 || num_layers < 1)
        throw std::invalid_argument("LSTM: input_size, hidden_size and num_layers must be positive, got " +
                                    std::to_string(input_size) + ", " + std::to_string(hidden_size) + ", " +
                                    std::to_string(num_layers));
    // PyTorch: every parameter U(−k, k), k = 1/√hidden_size, drawn in the order of parameters().
    const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
    const float lo = static_cast<float>(-k), hi = static_cast<float>(k);
    const int64_t H = hidden_size;
    for (int64_t l = 0; l < num_layers; ++l) {
        weight_ih.push_back(rand_uniform({4 * H, l == 0 ? input_size : H}, lo, hi));
        weight_hh.push_back(rand_uniform({4 * H, H}, lo, hi));
        bias_ih.push_back(rand_uniform({4 * H}, lo, hi));
        bias_hh.push_back(rand_uniform({4 * H}, lo, hi));
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

// One step written as the formula, from engine ops: {h_t, c_t}.
static std::pair<Tensor, Tensor> composed_step(const Tensor& xproj, int64_t t, const Tensor& h, const Tensor& c,
                                               const Tensor& w_hh) {
    const int64_t H = h.size(1);
    Tensor a = select(xproj, 1, t) + matmul(h, transpose(w_hh, 0, 1));  // (B, 4H): gates i, f, g, o
    Tensor i = sigmoid(narrow(a, 1, 0, H));
    Tensor f = sigmoid(narrow(a, 1, H, H));
    Tensor g = tanh(narrow(a, 1, 2 * H, H));
    Tensor o = sigmoid(narrow(a, 1, 3 * H, H));
    Tensor c_new = f * c + i * g;  // (B, H)
    return {o * tanh(c_new), c_new};
}

LSTMSteps LSTM::forward_steps(const Tensor& x, const Tensor& h0, const Tensor& c0) const {
    const std::string who = "LSTM(" + std::to_string(input_size) + ", " + std::to_string(hidden_size) +
                            ", num_layers=" + std::to_string(num_layers) + "): ";
    if (!x.defined()) throw std::invalid_argument(who + "input is undefined");
    if (x.dim() != 3 || x.size(2) != input_size)
        throw std::invalid_argument(who + "input of shape " + shape_str(x.shape()) +
                                    " must be [batch, length, " + std::to_string(input_size) + "]");
    const int64_t B = x.size(0), L = x.size(1), H = hidden_size;
    if (L < 1)
        throw std::invalid_argument(who + "input of shape " + shape_str(x.shape()) + " has no time steps");
    for (auto [name, s] : {std::pair{"h0", &h0}, {"c0", &c0}})
        if (s->defined() && s->shape() != Shape{num_layers, B, H})
            throw std::invalid_argument(who + name + " of shape " + shape_str(s->shape()) + " must be [" +
                                        std::to_string(num_layers) + ", " + std::to_string(B) + ", " +
                                        std::to_string(H) + "] (num_layers, batch, hidden_size)");

    LSTMSteps out;
    out.hidden.resize(static_cast<size_t>(num_layers));
    out.cell.resize(static_cast<size_t>(num_layers));
    std::vector<Tensor> last_h, last_c;  // num_layers × (B, H)
    Tensor layer_input = x;              // (B, L, in) for layer 0, (B, L, H) above
    for (int64_t k = 0; k < num_layers; ++k) {
        // The input half of every step at once, both biases included: (B, L, 4H)
        Tensor xproj = linear(layer_input, weight_ih[k], bias_ih[k] + bias_hh[k]);
        Tensor h = h0.defined() ? select(h0, 0, k) : Tensor::zeros({B, H});  // (B, H)
        Tensor c = c0.defined() ? select(c0, 0, k) : Tensor::zeros({B, H});  // (B, H)
        std::vector<Tensor>& hs = out.hidden[k];
        std::vector<Tensor>& cs = out.cell[k];
        hs.reserve(static_cast<size_t>(L));
        cs.reserve(static_cast<size_t>(L));
        for (int64_t t = 0; t < L; ++t) {
            if (fused) {
                Tensor co = lstm_cell(xproj, t, h, c, weight_hh[k]);  // (B, 2H) = [c_t | o_t]
                c = narrow(co, 1, 0, H);                               // c_t = f ⊙ c_{t−1} + i ⊙ g
                h = lstm_hidden(co, c);                                // h_t = o_t ⊙ tanh(c_t)
            } else {
                std::tie(h, c) = composed_step(xproj, t, h, c, weight_hh[k]);
            }
            hs.push_back(h);
            cs.push_back(c);
        }
        layer_input = stack(hs, 1);  // (B, L, H): the next layer's input
        last_h.push_back(h);
        last_c.push_back(c);
    }
    out.output = layer_input;      // (B, L, H)
    out.h_n = stack(last_h, 0);    // (num_layers, B, H)
    out.c_n = stack(last_c, 0);    // (num_layers, B, H)
    return out;
}

std::tuple<Tensor, Tensor, Tensor> LSTM::forward(const Tensor& x, const Tensor& h0, const Tensor& c0) const {
    LSTMSteps s = forward_steps(x, h0, c0);
    return {s.output, s.h_n, s.c_n};
}

}  // namespace ag::nn
