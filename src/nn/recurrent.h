// recurrent.h — what RNN, LSTM and GRU share (internal to src/nn): their parameters, and the
// checks on their sizes and inputs.
//
// Teaches: the three layers differ only in their step. How PyTorch draws and names their weights
// (one block of rows per gate) and which inputs they refuse are the same for all three, so they are
// written once, here; each layer file keeps its own loop over time and its own formulas.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "ag/tensor.h"

namespace ag::nn {

// Throws std::invalid_argument unless all three sizes are positive:
// "LSTM: input_size, hidden_size and num_layers must be positive, got 3, 0, 1".
void check_recurrent_sizes(const std::string& layer, int64_t input_size, int64_t hidden_size,
                           int64_t num_layers);

// PyTorch's initialisation of a layer whose weights have `gates` blocks of H rows (the RNN 1; the
// LSTM 4: i, f, g, o; the GRU 3: r, z, n). Per layer l, drawn in this order, every value from
// U(−k, k) with k = 1/√hidden_size:
//   weight_ih (gates·H, input_size) for l = 0, (gates·H, H) above;  weight_hh (gates·H, H);
//   bias_ih (gates·H);  bias_hh (gates·H).
void draw_recurrent_parameters(int64_t gates, int64_t input_size, int64_t hidden_size, int64_t num_layers,
                               std::vector<Tensor>& weight_ih, std::vector<Tensor>& weight_hh,
                               std::vector<Tensor>& bias_ih, std::vector<Tensor>& bias_hh);

// The same tensors under PyTorch's names, in the order of parameters(): weight_ih_l0, weight_hh_l0,
// bias_ih_l0, bias_hh_l0, weight_ih_l1, ... Each layer registers them; the pointers stay valid as
// long as the vectors no longer grow.
std::vector<std::pair<std::string, Tensor*>> recurrent_parameter_names(std::vector<Tensor>& weight_ih,
                                                                       std::vector<Tensor>& weight_hh,
                                                                       std::vector<Tensor>& bias_ih,
                                                                       std::vector<Tensor>& bias_hh);

// Throws std::invalid_argument, starting "GRU(4, 8, num_layers=2): ", unless x is defined and of
// shape (B, L, input_size) with L ≥ 1, and each named state ({"h0", &h0}, and {"c0", &c0} for the
// LSTM) is undefined (zeros) or of shape (num_layers, B, hidden_size).
void check_recurrent_input(const std::string& layer, const Tensor& x, int64_t input_size, int64_t hidden_size,
                           int64_t num_layers,
                           std::initializer_list<std::pair<const char*, const Tensor*>> states);

}  // namespace ag::nn
