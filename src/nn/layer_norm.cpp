// layer_norm.cpp — the LayerNorm module: two parameters and one op.
//
// Teaches: y = (x − mean) / √(var + eps) · weight + bias over the last dim; with weight 1 and
// bias 0 (PyTorch's start, no random draw) every row comes out with mean 0 and variance ≈ 1.
#include "ag/nn/layer_norm.h"

#include <stdexcept>

#include "ag/ops.h"

namespace ag::nn {

LayerNorm::LayerNorm(int64_t normalized_shape_, float eps_) : normalized_shape(normalized_shape_), eps(eps_) {
    if (normalized_shape < 1)
        throw std::invalid_argument("LayerNorm: normalized_shape must be positive, got " +
                                    std::to_string(normalized_shape));
    if (!(eps >= 0.0f)) throw std::invalid_argument("LayerNorm: eps must be >= 0, got " + std::to_string(eps));
    weight = Tensor::ones({normalized_shape});
    bias = Tensor::zeros({normalized_shape});
    register_parameter("weight", weight);
    register_parameter("bias", bias);
}

Tensor LayerNorm::forward(const Tensor& x) const {
    if (!x.defined()) throw std::invalid_argument("LayerNorm: input is undefined");
    if (x.dim() == 0 || x.size(-1) != normalized_shape)
        throw std::invalid_argument("LayerNorm(" + std::to_string(normalized_shape) + "): input of shape " +
                                    shape_str(x.shape()) + " must be [..., " + std::to_string(normalized_shape) +
                                    "]");
    return layer_norm(x, weight, bias, eps);
}

}  // namespace ag::nn
