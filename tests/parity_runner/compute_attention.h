// compute_attention.h — the parity kinds of attention and its companions: multihead_attention,
// layer_norm, softmax and cross_entropy.
//
// Teaches: nothing new; the declarations that let compute.cpp dispatch to compute_attention.cpp.
#pragma once

#include <map>
#include <string>

#include "ag/tensor.h"
#include "parity.h"

namespace parity {

// kind multihead_attention: ag::nn::MultiheadAttention on the case's weights (self- or
// cross-attention, causal or not); output, attention weights, the loss and every gradient.
std::map<std::string, ag::Tensor> compute_multihead_attention(const Case& c);
// kind layer_norm: ag::nn::LayerNorm on the case's weight and bias; output, loss, gradients.
std::map<std::string, ag::Tensor> compute_layer_norm(const Case& c);
// kind softmax: ag::softmax or ag::log_softmax along `dim`; output, loss, grad:input.
std::map<std::string, ag::Tensor> compute_softmax(const Case& c);
// kind cross_entropy: ag::nn::cross_entropy of logits against class indices; loss, grad:logits.
std::map<std::string, ag::Tensor> compute_cross_entropy(const Case& c);

}  // namespace parity
