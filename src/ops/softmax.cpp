// softmax.cpp — softmax and log_softmax along one dim: scores turned into probabilities.
//
// Teaches: the max trick (e^(x − m) / Σ e^(x − m) is the same number, and never overflows), and
// a backward that needs only the output: softmax' mixes every entry of a slice with the others,
// dx = y ⊙ (g − Σ g·y), while log_softmax's is dx = g − softmax · Σ g.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ag/ops.h"
#include "op_util.h"

namespace ag {

namespace {

const float kMinusInf = -std::numeric_limits<float>::infinity();

// x viewed as [outer, n, inner]: f(first, stride) is called once per slice along the middle dim,
// whose n values are at first, first + stride, ..., first + (n − 1)·stride.
template <class F>
void for_each_slice(const Shape& s, int64_t d, F f) {
    const int64_t outer = detail::prod(s, 0, d), inner = detail::prod(s, d + 1, s.size());
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) f(o * s[d] * inner + i, inner);
}

Tensor softmax_impl(const char* op, const Tensor& x, int64_t dim, bool log) {
    detail::require_defined(op, x);
    const Shape& s = x.shape();
    if (s.empty()) throw std::invalid_argument(std::string(op) + ": needs a tensor of rank 1 or more, got shape []");
    const int64_t d = detail::normalize_dim(op, dim, s), n = s[d];
    const float* xv = x.values().data();
    Buffer y = Buffer::uninitialized(x.values().size());
    for_each_slice(s, d, [&](int64_t first, int64_t stride) {
        float m = kMinusInf;  // the slice's max
        for (int64_t k = 0; k < n; ++k) m = std::max(m, xv[first + k * stride]);
        if (m == kMinusInf) {  // every entry is −∞ (fully masked): no probability to share out
            for (int64_t k = 0; k < n; ++k) y[first + k * stride] = log ? kMinusInf : 0.0f;
            return;
        }
        double total = 0.0;  // Σ e^(x − m) ≥ 1 (the max contributes e^0)
        for (int64_t k = 0; k < n; ++k) {
            const float e = std::exp(xv[first + k * stride] - m);
            total += e;
            if (!log) y[first + k * stride] = e;
        }
        const float log_total = static_cast<float>(std::log(total)), inv = static_cast<float>(1.0 / total);
        for (int64_t k = 0; k < n; ++k) {
            float& out = y[first + k * stride];
            out = log ? xv[first + k * stride] - m - log_total : out * inv;
        }
    });
    return record(op, std::move(y), s, {x}, [d, n, log](Node& o) {
        // softmax: dy_i/dx_j = y_i(δ_ij − y_j), so dx = y ⊙ (g − Σ g·y);
        // log_softmax: dy_i/dx_j = δ_ij − e^(y_j), so dx = g − e^y · Σ g
        float* gx = o.input_grad(0);
        if (!gx) return;
        const float* y = o.values.data();
        const float* g = o.grad.data();
        for_each_slice(o.shape, d, [&](int64_t first, int64_t stride) {
            if (n == 0) return;
            if (log && y[first] == kMinusInf) {  // a slice of −∞ inputs (all masked): no gradient
                bool all = true;
                for (int64_t k = 1; k < n && all; ++k) all = y[first + k * stride] == kMinusInf;
                if (all) return;
            }
            double dot = 0.0;  // softmax: Σ g·y;  log_softmax: Σ g
            for (int64_t k = 0; k < n; ++k) dot += log ? g[first + k * stride] : g[first + k * stride] * y[first + k * stride];
            const float sum = static_cast<float>(dot);
            for (int64_t k = 0; k < n; ++k) {
                const int64_t i = first + k * stride;
                gx[i] += log ? g[i] - std::exp(y[i]) * sum : y[i] * (g[i] - sum);
            }
        });
    });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl("softmax", x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl("log_softmax", x, dim, true); }

}  // namespace ag
