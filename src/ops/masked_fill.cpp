// masked_fill.cpp — replace the entries a mask marks by one value; the causal mask.
//
// Teaches: how attention is kept from looking where it may not: the scores it must ignore are set
// to −∞ before the softmax, which turns them into weights of exactly 0. A filled entry no longer
// depends on x, so its gradient is 0; every other entry passes its gradient straight through.
#include <vector>

#include "ag/ops.h"
#include "broadcast.h"
#include "op_util.h"

namespace ag {

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
    detail::require_defined("masked_fill", x);
    detail::require_defined("masked_fill", mask);
    const Shape& xs = x.shape();
    const Shape& ms = mask.shape();
    bool fits = ms.size() <= xs.size();
    for (size_t k = 0; fits && k < ms.size(); ++k) {
        const int64_t md = ms[ms.size() - 1 - k], xd = xs[xs.size() - 1 - k];
        fits = md == 1 || md == xd;
    }
    if (!fits)
        throw std::invalid_argument("masked_fill: mask of shape " + shape_str(ms) +
                                    " does not broadcast to the input's shape " + shape_str(xs));
    detail::require_binary_mask("masked_fill", mask, "fill");
    // filled[i]: does element i of x take `value`? (The mask is read broadcast, as in add.)
    std::vector<char> filled(x.values().size());
    const float* m = mask.values().data();
    detail::for_each(detail::broadcast("masked_fill", xs, ms), static_cast<int64_t>(filled.size()),
                     [&](int64_t i, int64_t, int64_t im) { filled[i] = m[im] == 1.0f; });
    Buffer y = Buffer::uninitialized(filled.size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = filled[i] ? value : x.values()[i];
    return record("masked_fill", std::move(y), xs, {x}, [filled = std::move(filled)](Node& o) {
        // d out_i/dx_i = 0 where filled (a constant), 1 elsewhere
        float* gx = o.input_grad(0);
        if (!gx) return;
        for (size_t i = 0; i < filled.size(); ++i)
            if (!filled[i]) gx[i] += o.grad[i];
    });
}

Tensor causal_mask(int64_t rows, int64_t cols) {
    if (cols == -1) cols = rows;
    if (rows < 0 || cols < 0)
        throw std::invalid_argument("causal_mask: sizes must be >= 0, got " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
    Tensor mask = Tensor::zeros({rows, cols});
    Buffer& m = mask.mutable_values();
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = i + 1; j < cols; ++j) m[i * cols + j] = 1.0f;  // key j is after query i
    return mask;
}

}  // namespace ag
