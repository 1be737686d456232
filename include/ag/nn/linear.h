// linear.h — y = x·Wᵀ + b, the fully connected layer.
//
// Teaches: a layer is a Module holding its parameters plus a forward that calls one op
// (ag::linear); the leading dims of x are just more rows, so it applies to every time step at once.
#pragma once

#include "ag/nn/module.h"

namespace ag::nn {

class Linear : public Module {
public:
    // weight U(−1/√in, 1/√in) (PyTorch's kaiming_uniform_ with a = √5), then bias U(−1/√in, 1/√in).
    Linear(int64_t in_features, int64_t out_features, bool bias = true);
    // x [..., in_features] -> [..., out_features]
    Tensor forward(const Tensor& x) const;

    int64_t in_features, out_features;
    Tensor weight;  // (out_features, in_features)
    Tensor bias;    // (out_features); undefined when bias = false
};

}  // namespace ag::nn
