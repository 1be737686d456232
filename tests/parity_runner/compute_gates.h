// compute_gates.h — the parity kinds of the gated recurrent layers: lstm and gru.
//
// Teaches: nothing new; the declarations that let compute.cpp dispatch to compute_gates.cpp.
#pragma once

#include <map>
#include <string>

#include "ag/tensor.h"
#include "parity.h"

namespace parity {

// kind lstm: ag::nn::LSTM on the case's weights; output, h_n, c_n, the loss and every gradient.
std::map<std::string, ag::Tensor> compute_lstm(const Case& c);
// kind gru: ag::nn::GRU on the case's weights; output, h_n, the loss and every gradient.
std::map<std::string, ag::Tensor> compute_gru(const Case& c);

}  // namespace parity
