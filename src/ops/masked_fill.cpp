// masked_fill.cpp — replace the entries a mask marks by one value; the causal mask.
//
// Teaches: how attention is kept from looking where it may not: the scores it must ignore are set
// to −∞ before the softmax, which turns them into weights of exactly 0. A filled entry no longer
// depends on x, so its gradient is 0; every other entry passes its gradient straight through.
#include <cmath>
#include <cstdio>
#include <vector>

#include "ag/ops.h"
#include "op_util.h"

namespace ag {

namespace {

// For each element of x (row-major), whether its mask value is 1: the mask's dims are aligned
// with x's from the right, and a dim of size 1 (or a missing one) always reads index 0. The last
// dim is walked as one run; an odometer carries over the dims before it.
std::vector<char> broadcast_mask(const Shape& xs, const Shape& ms, const Buffer& mask) {
    const size_t rank = xs.size(), offset = rank - ms.size();
    std::vector<int64_t> stride(rank, 0);  // the mask's stride along each dim of x; 0 = broadcast
    int64_t step = 1;
    for (size_t k = ms.size(); k-- > 0;) {
        if (ms[k] != 1) stride[offset + k] = step;
        step *= ms[k];
    }
    std::vector<char> filled(static_cast<size_t>(shape_numel(xs)));
    if (rank == 0) {  // a scalar x (and a scalar mask)
        if (!filled.empty()) filled[0] = mask[0] == 1.0f;
        return filled;
    }
    const int64_t run = xs[rank - 1], run_step = stride[rank - 1];
    std::vector<int64_t> idx(rank, 0);  // x's multi-index, counted like an odometer
    int64_t m = 0;
    for (size_t i = 0; i < filled.size(); i += static_cast<size_t>(run)) {
        for (int64_t j = 0; j < run; ++j) filled[i + j] = mask[m + j * run_step] == 1.0f;
        for (size_t d = rank - 1; d-- > 0;) {
            if (++idx[d] < xs[d]) {
                m += stride[d];
                break;
            }
            m -= stride[d] * (xs[d] - 1);
            idx[d] = 0;
        }
    }
    return filled;
}

}  // namespace

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
    for (size_t i = 0; i < mask.values().size(); ++i) {
        const float v = mask.values()[i];
        if (v != 0.0f && v != 1.0f) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", double(v));
            throw std::invalid_argument(std::string("masked_fill: mask of shape ") + shape_str(ms) +
                                        " must hold only 0 (keep) and 1 (fill); value " + std::to_string(i) +
                                        " is " + buf);
        }
    }
    // filled[i]: does element i of x take `value`?
    std::vector<char> filled = broadcast_mask(xs, ms, mask.values());
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
