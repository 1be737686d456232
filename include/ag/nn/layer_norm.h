// layer_norm.h — LayerNorm: each vector rescaled to mean 0 and variance 1, then a learned scale
// and shift.
//
// Teaches: a layer can hold parameters that draw nothing: weight starts at 1 and bias at 0, so an
// untrained LayerNorm only normalises. The work is the op ag::layer_norm (src/ops/layer_norm.cpp).
#pragma once

#include "ag/nn/module.h"

namespace ag::nn {

class LayerNorm : public Module {
public:
    // PyTorch's LayerNorm(normalized_shape, eps=1e-5) over the last dim: weight 1, bias 0.
    explicit LayerNorm(int64_t normalized_shape, float eps = 1e-5f);
    // x [..., normalized_shape] -> [..., normalized_shape]
    Tensor forward(const Tensor& x) const;

    int64_t normalized_shape;
    float eps;
    Tensor weight;  // (normalized_shape) the scale, 1 at the start
    Tensor bias;    // (normalized_shape) the shift, 0 at the start
};

}  // namespace ag::nn
