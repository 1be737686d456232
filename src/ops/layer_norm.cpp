// layer_norm.cpp — normalise each row of the last dim to mean 0 and variance 1, then scale and shift.
//
// Teaches: a fused op with its backward worked out by hand. Composed from ops, layer norm is nine
// nodes (mean, sub, square, mean, add, sqrt, div, mul, add) and their buffers; as one op it saves
// each row's mean and 1/σ, and the chain rule through the mean and the variance collapses to
// dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / σ with ĝ = g·weight. A test checks it equals the composed ops.
#include <cmath>
#include <vector>

#include "ag/ops.h"
#include "op_util.h"

namespace ag {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
    detail::require_defined("layer_norm", x);
    const Shape& s = x.shape();
    if (s.empty() || s.back() < 1)
        throw std::invalid_argument("layer_norm: input of shape " + shape_str(s) +
                                    " needs a last dim of size 1 or more (the dim normalised)");
    const int64_t D = s.back(), rows = x.numel() / D;
    for (const Tensor* p : {&weight, &bias})
        if (p->defined() && p->shape() != Shape{D})
            throw std::invalid_argument("layer_norm: " + std::string(p == &weight ? "weight" : "bias") +
                                        " of shape " + shape_str(p->shape()) + " does not match input of shape " +
                                        shape_str(s) + " (needs [" + std::to_string(D) + "])");
    if (!(eps >= 0.0f)) throw std::invalid_argument("layer_norm: eps must be >= 0, got " + std::to_string(eps));
    // Without weight (bias), the scale is 1 (the shift 0): constants that need no gradient.
    const Tensor w = weight.defined() ? weight : Tensor::ones({D});
    const Tensor b = bias.defined() ? bias : Tensor::zeros({D});

    // Per row: μ = mean(x), σ = √(mean((x − μ)²) + eps), x̂ = (x − μ)/σ, y = x̂·w + b
    std::vector<float> mean(static_cast<size_t>(rows)), inv_std(static_cast<size_t>(rows));  // μ and 1/σ
    Buffer y = Buffer::uninitialized(x.values().size());
    const float* xv = x.values().data();
    const float* wv = w.values().data();
    const float* bv = b.values().data();
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = xv + r * D;
        double sum = 0.0, squares = 0.0;
        for (int64_t j = 0; j < D; ++j) sum += xr[j];
        const double mu = sum / D;
        for (int64_t j = 0; j < D; ++j) squares += (xr[j] - mu) * (xr[j] - mu);
        mean[r] = static_cast<float>(mu);
        inv_std[r] = static_cast<float>(1.0 / std::sqrt(squares / D + eps));
        for (int64_t j = 0; j < D; ++j) y[r * D + j] = (xr[j] - mean[r]) * inv_std[r] * wv[j] + bv[j];
    }

    auto back = [D, rows, mean = std::move(mean), inv_std = std::move(inv_std)](Node& o) {
        // x̂ = (x − μ)/σ, ĝ = g·w:  dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/σ,  dw = Σ_rows g·x̂,  db = Σ_rows g
        const float* xv = o.inputs[0].values().data();
        const float* wv = o.inputs[1].values().data();
        float* gx = o.input_grad(0);
        float* gw = o.input_grad(1);
        float* gb = o.input_grad(2);
        std::vector<float> xhat(static_cast<size_t>(D));
        for (int64_t r = 0; r < rows; ++r) {
            const float* g = o.grad.data() + r * D;
            double mean_gh = 0.0, mean_gh_xhat = 0.0;  // mean(ĝ), mean(ĝ·x̂)
            for (int64_t j = 0; j < D; ++j) {
                xhat[j] = (xv[r * D + j] - mean[r]) * inv_std[r];
                mean_gh += g[j] * wv[j];
                mean_gh_xhat += g[j] * wv[j] * xhat[j];
            }
            mean_gh /= D;
            mean_gh_xhat /= D;
            for (int64_t j = 0; j < D; ++j) {
                if (gx) gx[r * D + j] += inv_std[r] * static_cast<float>(g[j] * wv[j] - mean_gh - xhat[j] * mean_gh_xhat);
                if (gw) gw[j] += g[j] * xhat[j];
                if (gb) gb[j] += g[j];
            }
        }
    };
    return record("layer_norm", std::move(y), s, {x, w, b}, std::move(back));
}

}  // namespace ag
