// gradcheck.cpp — central differences against the engine's backward.
//
// Teaches: how to test a backward without trusting it. Run backward once with a fixed, varied
// output gradient w (so L = Σ wᵢ·yᵢ), then nudge every input value by ±ε and rerun only the
// forward: (L(x + ε) − L(x − ε)) / 2ε must match the gradient backward wrote for that value.
#include "ag/gradcheck.h"

#include <cmath>
#include <sstream>

#include "ag/autograd.h"

namespace ag {

// Fixed weights in ±[0.5, 1.5): varied, so a gradient sent to the wrong element shows.
static std::vector<float> probe_weights(size_t n) {
    std::vector<float> w(n);
    uint32_t state = 12345u;
    for (size_t i = 0; i < n; ++i) {
        state = state * 1664525u + 1013904223u;
        float u = static_cast<float>(state >> 8) / 16777216.0f;  // [0, 1)
        w[i] = (i % 2 ? -1.0f : 1.0f) * (0.5f + u);
    }
    return w;
}

static double weighted_sum(const Tensor& y, const std::vector<float>& w) {
    double s = 0.0;
    for (size_t i = 0; i < w.size(); ++i) s += double(w[i]) * double(y.values()[i]);
    return s;
}

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions opt) {
    // Fresh leaves, so that gradients from earlier calls cannot leak into this check.
    std::vector<Tensor> xs;
    for (const Tensor& t : inputs) xs.push_back(Tensor(t.values(), t.shape(), t.requires_grad()));

    Tensor y = f(xs);
    std::vector<float> w = probe_weights(static_cast<size_t>(y.numel()));
    y.backward(Tensor(w, y.shape()));

    GradcheckResult result;
    NoGradGuard no_grad;
    for (size_t k = 0; k < xs.size(); ++k) {
        if (!xs[k].requires_grad()) continue;
        Buffer analytic = xs[k].has_grad() ? xs[k].grad().values() : Buffer(xs[k].numel(), 0.0f);
        Buffer& v = xs[k].mutable_values();
        for (size_t i = 0; i < v.size(); ++i) {
            float saved = v[i];
            v[i] = saved + opt.eps;
            double up = weighted_sum(f(xs), w);
            v[i] = saved - opt.eps;
            double down = weighted_sum(f(xs), w);
            v[i] = saved;
            double numeric = (up - down) / (2.0 * double(opt.eps));
            double err = std::fabs(double(analytic[i]) - numeric);
            result.max_error = std::max(result.max_error, err);
            if (result.ok && !(err <= opt.atol + opt.rtol * std::fabs(numeric))) {
                std::ostringstream m;
                m << "gradcheck: input " << k << " (shape " << shape_str(xs[k].shape()) << ") index "
                  << i << ": analytic " << analytic[i] << " vs numeric " << numeric;
                result.ok = false;
                result.message = m.str();
            }
        }
    }
    return result;
}

}  // namespace ag
