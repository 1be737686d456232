// linear.cpp — the fully connected layer: y = x·Wᵀ + b over the last dim.
//
// Teaches: a layer is parameters plus one op. The initialisation is PyTorch's to the bit:
// kaiming_uniform_(a = √5) for the weight, which works out to U(−1/√in, 1/√in), then the bias.
#include "ag/nn/linear.h"

#include <cmath>
#include <stdexcept>

#include "ag/ops.h"
#include "ag/random.h"

namespace ag::nn {

Linear::Linear(int64_t in_features_, int64_t out_features_, bool bias_)
    : in_features(in_features_), out_features(out_features_) {
    if (in_features < 1 || out_features < 1)
        throw std::invalid_argument("Linear: in_features and out_features must be positive, got " +
                                    std::to_string(in_features) + " and " + std::to_string(out_features));
    // kaiming_uniform_(a = √5): gain = √(2 / (1 + a²)), bound = √3 · gain / √fan_in (in double,
    // as PyTorch computes it in Python), then the bound is rounded to float for the draws.
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double w_bound = std::sqrt(3.0) * (gain / std::sqrt(static_cast<double>(in_features)));
    weight =
        rand_uniform({out_features, in_features}, static_cast<float>(-w_bound), static_cast<float>(w_bound));
    register_parameter("weight", weight);
    if (bias_) {
        const double b_bound = 1.0 / std::sqrt(static_cast<double>(in_features));
        bias = rand_uniform({out_features}, static_cast<float>(-b_bound), static_cast<float>(b_bound));
        register_parameter("bias", bias);
    }
}

Tensor Linear::forward(const Tensor& x) const {
    if (!x.defined()) throw std::invalid_argument("Linear: input is undefined");
    if (x.dim() == 0 || x.size(-1) != in_features)
        throw std::invalid_argument("Linear(" + std::to_string(in_features) + ", " +
                                    std::to_string(out_features) + "): input of shape " +
                                    shape_str(x.shape()) + " must be [..., " + std::to_string(in_features) +
                                    "]");
    return linear(x, weight, bias);
}

}  // namespace ag::nn
