// recurrent.cpp — the parameters and input checks that RNN, LSTM and GRU share (recurrent.h).
//
// Teaches: PyTorch's recipe for a recurrent layer's weights, draw for draw, and the shapes a
// recurrent layer accepts, each written once for the three layers.
#include "recurrent.h"

#include <cmath>
#include <stdexcept>

#include "ag/random.h"

namespace ag::nn {

void check_recurrent_sizes(const std::string& layer, int64_t input_size, int64_t hidden_size,
                           int64_t num_layers) {
    if (input_size < 1 || hidden_size < 1 || num_layers < 1)
        throw std::invalid_argument(layer + ": input_size, hidden_size and num_layers must be positive, got " +
                                    std::to_string(input_size) + ", " + std::to_string(hidden_size) + ", " +
                                    std::to_string(num_layers));
}

void draw_recurrent_parameters(int64_t gates, int64_t input_size, int64_t hidden_size, int64_t num_layers,
                               std::vector<Tensor>& weight_ih, std::vector<Tensor>& weight_hh,
                               std::vector<Tensor>& bias_ih, std::vector<Tensor>& bias_hh) {
    // PyTorch: every parameter U(−k, k), k = 1/√hidden_size, drawn in the order of parameters().
    const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
    const float lo = static_cast<float>(-k), hi = static_cast<float>(k);
    const int64_t H = hidden_size, G = gates;
    for (int64_t l = 0; l < num_layers; ++l) {
        weight_ih.push_back(rand_uniform({G * H, l == 0 ? input_size : H}, lo, hi));
        weight_hh.push_back(rand_uniform({G * H, H}, lo, hi));
        bias_ih.push_back(rand_uniform({G * H}, lo, hi));
        bias_hh.push_back(rand_uniform({G * H}, lo, hi));
    }
}

std::vector<std::pair<std::string, Tensor*>> recurrent_parameter_names(std::vector<Tensor>& weight_ih,
                                                                       std::vector<Tensor>& weight_hh,
                                                                       std::vector<Tensor>& bias_ih,
                                                                       std::vector<Tensor>& bias_hh) {
    std::vector<std::pair<std::string, Tensor*>> named;
    for (size_t l = 0; l < weight_ih.size(); ++l) {
        const std::string s = std::to_string(l);
        named.push_back({"weight_ih_l" + s, &weight_ih[l]});
        named.push_back({"weight_hh_l" + s, &weight_hh[l]});
        named.push_back({"bias_ih_l" + s, &bias_ih[l]});
        named.push_back({"bias_hh_l" + s, &bias_hh[l]});
    }
    return named;
}

void check_recurrent_input(const std::string& layer, const Tensor& x, int64_t input_size, int64_t hidden_size,
                           int64_t num_layers,
                           std::initializer_list<std::pair<const char*, const Tensor*>> states) {
    const std::string who = layer + "(" + std::to_string(input_size) + ", " + std::to_string(hidden_size) +
                            ", num_layers=" + std::to_string(num_layers) + "): ";
    if (!x.defined()) throw std::invalid_argument(who + "input is undefined");
    if (x.dim() != 3 || x.size(2) != input_size)
        throw std::invalid_argument(who + "input of shape " + shape_str(x.shape()) +
                                    " must be [batch, length, " + std::to_string(input_size) + "]");
    const int64_t B = x.size(0), L = x.size(1), H = hidden_size;
    if (L < 1)
        throw std::invalid_argument(who + "input of shape " + shape_str(x.shape()) + " has no time steps");
    for (auto [name, s] : states)
        if (s->defined() && s->shape() != Shape{num_layers, B, H})
            throw std::invalid_argument(who + name + " of shape " + shape_str(s->shape()) + " must be [" +
                                        std::to_string(num_layers) + ", " + std::to_string(B) + ", " +
                                        std::to_string(H) + "] (num_layers, batch, hidden_size)");
}

}  // namespace ag::nn
