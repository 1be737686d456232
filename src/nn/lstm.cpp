// lstm.cpp — the LSTM as a plain loop over time steps.
//
// Teaches: the same loop as rnn.cpp with two states instead of one. Each step reads h_{t−1} and
// c_{t−1} and makes h_t and c_t, every one of them a tensor of its own, so retain_grad() on any of
// them shows the gradient that reached it. Nothing here computes a gradient.
#include "ag/nn/lstm.h"

#include "ag/ops.h"
#include "recurrent.h"

namespace ag::nn {

LSTM::LSTM(int64_t input_size_, int64_t hidden_size_, int64_t num_layers_, bool fused_)
    : input_size(input_size_), hidden_size(hidden_size_), num_layers(num_layers_), fused(fused_) {
    check_recurrent_sizes("LSTM", input_size, hidden_size, num_layers);
    // PyTorch: per layer weight_ih (4H, in), weight_hh (4H, H), bias_ih (4H), bias_hh (4H), in this order,
    // rows in four blocks for the gates i, f, g, o; every value U(−1/√H, 1/√H) (recurrent.h).
    draw_recurrent_parameters(/*gates=*/4, input_size, hidden_size, num_layers,
                              weight_ih, weight_hh, bias_ih, bias_hh);
    // Registered only now that the vectors stop growing: the module keeps pointers to them.
    for (auto& [name, p] : recurrent_parameter_names(weight_ih, weight_hh, bias_ih, bias_hh))
        register_parameter(name, *p);
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
    check_recurrent_input("LSTM", x, input_size, hidden_size, num_layers, {{"h0", &h0}, {"c0", &c0}});
    const int64_t B = x.size(0), L = x.size(1), H = hidden_size;

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
