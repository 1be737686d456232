// adam.cpp — Adam, step for step as PyTorch 1.13 computes it.
//
// Teaches: Adam keeps two running averages per parameter value — of the gradient (m, the
// direction) and of its square (v, the scale) — and moves each value by m/√v, so every weight gets
// its own step size. The bias corrections undo the averages' start at zero.
#include <cmath>
#include <stdexcept>
#include <string>

#include "ag/optim/optimizer.h"

namespace ag::optim {

Adam::Adam(std::vector<Tensor> params, AdamOptions options) : params_(std::move(params)), options_(options) {
    if (!(options_.lr >= 0.0))
        throw std::invalid_argument("Adam: lr must be >= 0, got " + std::to_string(options_.lr));
    if (!(options_.beta1 >= 0.0 && options_.beta1 < 1.0) || !(options_.beta2 >= 0.0 && options_.beta2 < 1.0))
        throw std::invalid_argument("Adam: betas must be in [0, 1), got (" + std::to_string(options_.beta1) +
                                    ", " + std::to_string(options_.beta2) + ")");
    if (!(options_.eps >= 0.0)) throw std::invalid_argument("Adam: eps must be >= 0");
    if (!(options_.weight_decay >= 0.0)) throw std::invalid_argument("Adam: weight_decay must be >= 0");
    for (size_t i = 0; i < params_.size(); ++i) {
        if (!params_[i].defined())
            throw std::invalid_argument("Adam: parameter " + std::to_string(i) + " is undefined");
        m_.emplace_back(params_[i].values().size(), 0.0f);
        v_.emplace_back(params_[i].values().size(), 0.0f);
    }
}

Adam::Adam(std::vector<Tensor> params, double lr) : Adam(std::move(params), AdamOptions{lr}) {}

void Adam::step() {
    ++t_;  // t counts from 1
    const AdamOptions& o = options_;
    // Scalars as PyTorch uses them: the corrections in double, each factor rounded to float once.
    const float beta1 = static_cast<float>(o.beta1), one_minus_beta1 = static_cast<float>(1.0 - o.beta1);
    const float beta2 = static_cast<float>(o.beta2), one_minus_beta2 = static_cast<float>(1.0 - o.beta2);
    const double bias_correction1 = 1.0 - std::pow(o.beta1, static_cast<double>(t_));
    const double bias_correction2 = 1.0 - std::pow(o.beta2, static_cast<double>(t_));
    const float step_size = static_cast<float>(o.lr / bias_correction1);
    const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
    const float eps = static_cast<float>(o.eps), wd = static_cast<float>(o.weight_decay);

    for (size_t i = 0; i < params_.size(); ++i) {
        if (!params_[i].has_grad()) continue;  // no gradient reached it: leave it (and its state) alone
        const Buffer& grad = params_[i].node().grad;  // dL/dp
        Buffer& p = params_[i].mutable_values();      // changed in place (a graph that saved p notices)
        std::vector<float>& m = m_[i];
        std::vector<float>& v = v_[i];
        for (size_t j = 0; j < p.size(); ++j) {
            float g = grad[j];
            if (wd != 0.0f) g += wd * p[j];                               // L2 penalty: g += wd·p
            m[j] = beta1 * m[j] + one_minus_beta1 * g;                    // m = β1·m + (1−β1)·g
            v[j] = beta2 * v[j] + one_minus_beta2 * g * g;                // v = β2·v + (1−β2)·g²
            float denom = std::sqrt(v[j]) / bias_correction2_sqrt + eps;  // √v̂ + eps
            p[j] -= step_size * (m[j] / denom);  // p −= lr/(1−β1^t) · m / denom
        }
    }
}

void Adam::zero_grad() {
    for (Tensor& p : params_) p.zero_grad();
}

}  // namespace ag::optim
