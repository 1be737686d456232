// utils.cpp — clip_grad_norm_: measure all gradients as one vector, shorten them if too long.
//
// Teaches: clipping needs no graph and no backward of its own. It runs after backward() has
// filled the gradients and before the optimizer reads them, and it only rescales them in place.
#include "ag/nn/utils.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace ag::nn::utils {

namespace {

std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
    if (!(max_norm >= 0.0))
        throw std::invalid_argument("clip_grad_norm_: max_norm must be >= 0, got " + num(max_norm));
    if (!(norm_type > 0.0))
        throw std::invalid_argument("clip_grad_norm_: norm_type must be > 0 (2: the usual length, "
                                    "infinity: the largest |gradient|), got " + num(norm_type));
    // The parameters that have a gradient; PyTorch skips those whose .grad is None.
    std::vector<Tensor> with_grad;
    for (size_t i = 0; i < parameters.size(); ++i) {
        if (!parameters[i].defined())
            throw std::invalid_argument("clip_grad_norm_: parameter " + std::to_string(i) + " is undefined");
        if (parameters[i].has_grad()) with_grad.push_back(parameters[i]);
    }
    if (with_grad.empty()) return 0.0;

    // ---- the total norm of every gradient value, as if they were one vector (summed in double)
    const bool largest = std::isinf(norm_type);
    double total = 0.0;
    for (Tensor& p : with_grad) {
        for (float g : p.mutable_grad()) {
            const double a = std::fabs(static_cast<double>(g));
            if (largest) {
                if (a > total || std::isnan(a)) total = a;  // max |g|; a NaN stays NaN
            } else {
                total += norm_type == 2.0 ? a * a : std::pow(a, norm_type);  // Σ |g|^p
            }
        }
    }
    if (!largest) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
    if (error_if_nonfinite && !std::isfinite(total))
        throw std::runtime_error("clip_grad_norm_: the total norm (order " + num(norm_type) +
                                 ") of the gradients is " + num(total) +
                                 ", so they cannot be clipped (error_if_nonfinite is true)");

    // ---- scale every gradient by max_norm / (total + 1e-6) when that is below 1
    const double coef = max_norm / (total + 1e-6);
    if (coef >= 1.0) return total;  // short enough: PyTorch multiplies by coef clamped to 1, a no-op
    const float scale = static_cast<float>(coef);  // (a NaN total gives a NaN coef, applied as PyTorch does)
    for (Tensor& p : with_grad)
        for (float& g : p.mutable_grad()) g *= scale;  // g ← g · max_norm / (total + 1e-6)
    return total;
}

}  // namespace ag::nn::utils
