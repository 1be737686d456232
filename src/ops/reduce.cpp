// reduce.cpp — sum and mean, over everything or along one dim.
//
// Teaches: a sum copies the gradient back to every element it added: d(Σx)/dx_i = 1. So the
// backward of a reduction is a broadcast — the mirror image of broadcasting's backward (a sum).
#include "ag/ops.h"
#include "op_util.h"

namespace ag {

Tensor sum(const Tensor& x) {
    detail::require_defined("sum", x);
    double total = 0.0;  // accumulate in double: long sums lose less to rounding
    for (float v : x.values()) total += v;
    return record("sum", {static_cast<float>(total)}, {}, {x}, [](Node& o) {
        // d(Σx)/dx_i = 1
        float* gx = o.input_grad(0);
        if (!gx) return;
        float g = o.grad[0];
        for (size_t i = 0; i < o.inputs[0].values().size(); ++i) gx[i] += g;
    });
}

Tensor mean(const Tensor& x) {
    detail::require_defined("mean", x);
    if (x.numel() == 0) throw std::invalid_argument("mean: tensor of shape " + shape_str(x.shape()) + " is empty");
    return div(sum(x), static_cast<float>(x.numel()));
}

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
    detail::require_defined("sum", x);
    const Shape& s = x.shape();
    int64_t d = detail::normalize_dim("sum", dim, s);
    // View x as [outer, len, inner] and add along the middle.
    int64_t outer = detail::prod(s, 0, d), len = s[d], inner = detail::prod(s, d + 1, s.size());
    Buffer out(static_cast<size_t>(outer * inner));
    const float* v = x.values().data();
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t l = 0; l < len; ++l)
            for (int64_t i = 0; i < inner; ++i) out[o * inner + i] += v[(o * len + l) * inner + i];
    Shape shape = s;
    if (keepdim) shape[d] = 1;
    else shape.erase(shape.begin() + d);
    return record("sum_dim", std::move(out), std::move(shape), {x}, [outer, len, inner](Node& o) {
        // d(Σ_l x[o, l, i])/dx[o, l, i] = 1 for every l
        float* gx = o.input_grad(0);
        if (!gx) return;
        const float* g = o.grad.data();
        for (int64_t a = 0; a < outer; ++a)
            for (int64_t l = 0; l < len; ++l)
                detail::add_to(gx + (a * len + l) * inner, g + a * inner, inner);
    });
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
    detail::require_defined("mean", x);
    int64_t d = detail::normalize_dim("mean", dim, x.shape());
    if (x.shape()[d] == 0)
        throw std::invalid_argument("mean: dim " + std::to_string(dim) + " of shape " +
                                    shape_str(x.shape()) + " is empty");
    return div(sum(x, dim, keepdim), static_cast<float>(x.shape()[d]));
}

}  // namespace ag
