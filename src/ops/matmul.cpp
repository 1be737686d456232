// matmul.cpp — the matrix product, and `linear` (x·Wᵀ + b) fused into one op.
//
// Teaches: for C = A·B, the gradients are again matrix products: dA = dC·Bᵀ and dB = Aᵀ·dC.
// Check the shapes and they can only go together one way. A Linear applied to [B, L, in] is the
// same product with the B·L rows stacked: the leading dims are just "more rows".
#include <algorithm>

#include "ag/ops.h"
#include "ag/detail/gemm.h"
#include "op_util.h"

namespace ag {

static std::string two_shapes(const Tensor& a, const Tensor& b) {
    return "shapes " + shape_str(a.shape()) + " and " + shape_str(b.shape());
}

Tensor matmul(const Tensor& a, const Tensor& b) {
    detail::require_defined("matmul", a);
    detail::require_defined("matmul", b);
    const Shape& sa = a.shape();
    const Shape& sb = b.shape();
    if (sa.size() < 2 || sb.size() < 2)
        throw std::invalid_argument("matmul: needs tensors of rank 2 or more, got " + two_shapes(a, b));
    int64_t n = sa[sa.size() - 2], k = sa.back(), m = sb.back();
    if (sb[sb.size() - 2] != k)
        throw std::invalid_argument("matmul: " + two_shapes(a, b) + " do not match (" +
                                    std::to_string(k) + " != " + std::to_string(sb[sb.size() - 2]) + ")");
    // batches: how many separate products; b_step: 0 when every batch shares b
    int64_t batches, b_step;
    if (sb.size() == 2) {
        batches = 1;  // [..., n, k]·[k, m]: fold all leading dims into the rows
        n = detail::prod(sa, 0, sa.size() - 1);
        b_step = 0;
    } else {
        if (sa.size() != sb.size() || !std::equal(sa.begin(), sa.end() - 2, sb.begin()))
            throw std::invalid_argument("matmul: batch dims of " + two_shapes(a, b) + " differ");
        batches = detail::prod(sa, 0, sa.size() - 2);
        b_step = k * m;
    }
    Shape out_shape(sa.begin(), sa.end() - 1);
    out_shape.push_back(m);
    Buffer out(static_cast<size_t>(batches * n * m));
    for (int64_t t = 0; t < batches; ++t)
        detail::gemm_nn(n, k, m, a.values().data() + t * n * k, b.values().data() + t * b_step,
                        out.data() + t * n * m);

    return record("matmul", std::move(out), std::move(out_shape), {a, b},
                  [batches, n, k, m, b_step](Node& o) {
                      // d(A·B)/dA = dC·Bᵀ,  d(A·B)/dB = Aᵀ·dC
                      const float* A = o.inputs[0].values().data();
                      const float* B = o.inputs[1].values().data();
                      float* gA = o.input_grad(0);
                      float* gB = o.input_grad(1);
                      for (int64_t t = 0; t < batches; ++t) {
                          const float* g = o.grad.data() + t * n * m;
                          if (gA) detail::gemm_nt(n, m, k, g, B + t * b_step, gA + t * n * k);
                          if (gB) detail::gemm_tn(k, n, m, A + t * n * k, g, gB + t * b_step);
                      }
                  });
}

// linear = matmul(x, transpose(W)) + b, fused: one node instead of three, no transposed copy of
// W and no [N, out] temporary for the bias add. Layers call this on every step of an RNN, where
// the per-op cost dominates; tests check it equals the composed ops.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    detail::require_defined("linear", x);
    detail::require_defined("linear", weight);
    const Shape& sx = x.shape();
    const Shape& sw = weight.shape();
    if (sx.empty() || sw.size() != 2 || sx.back() != sw[1])
        throw std::invalid_argument(
            "linear: input of shape " + shape_str(sx) + " and weight of shape " + shape_str(sw) +
            " do not match" +
            (sx.empty() || sw.size() != 2 ? std::string(" (weight must be [out, in])")
                                          : " (" + std::to_string(sx.back()) + " != " +
                                                std::to_string(sw[1]) + ")"));
    int64_t in = sw[1], out_f = sw[0], rows = detail::prod(sx, 0, sx.size() - 1);
    bool has_bias = bias.defined();
    if (has_bias && bias.shape() != Shape{out_f})
        throw std::invalid_argument("linear: bias of shape " + shape_str(bias.shape()) +
                                    " does not match weight of shape " + shape_str(sw) +
                                    " (needs [" + std::to_string(out_f) + "])");
    Buffer y = Buffer::uninitialized(static_cast<size_t>(rows * out_f));  // every row starts as the bias (or 0)
    const float* b = has_bias ? bias.values().data() : nullptr;
    detail::fill_rows(y.data(), rows, out_f, b);
    detail::gemm_nt(rows, in, out_f, x.values().data(), weight.values().data(), y.data());

    Shape out_shape(sx.begin(), sx.end() - 1);
    out_shape.push_back(out_f);
    BackwardFn back = [rows, in, out_f](Node& o) {
        // y = x·Wᵀ + b:  dx = dy·W,  dW = dyᵀ·x,  db = Σ_rows dy
        const float* X = o.inputs[0].values().data();
        const float* W = o.inputs[1].values().data();
        const float* g = o.grad.data();
        if (float* gx = o.input_grad(0)) detail::gemm_nn(rows, out_f, in, g, W, gx);
        if (float* gw = o.input_grad(1)) detail::gemm_tn(out_f, rows, in, g, X, gw);
        if (o.inputs.size() > 2)
            if (float* gb = o.input_grad(2)) detail::gemm_rows_weighted(rows, out_f, g, nullptr, gb);  // Σ rows
    };
    if (has_bias) return record("linear", std::move(y), std::move(out_shape), {x, weight, bias}, back);
    return record("linear", std::move(y), std::move(out_shape), {x, weight}, back);
}

}  // namespace ag
