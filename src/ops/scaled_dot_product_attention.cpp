// scaled_dot_product_attention.cpp — softmax(q·kᵀ/√d, masked keys hidden)·v as one op.
//
// Teaches: the heart of attention with its backward written out. Composed from ops (transpose,
// matmul, masked_fill, softmax, matmul, as MultiheadAttention does when it must return its
// weights) it is six nodes, four of them with a buffer of every score and a gradient of the same
// size; fused, it is one node that keeps only the weights P. The backward is the chain rule
// through the three steps in reverse: the values' gradient, then softmax's, then the two factors
// of the scores. tests/scaled_dot_product_attention_test.cpp checks that it equals the composed ops.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ag/detail/gemm.h"
#include "ag/detail/vmath.h"
#include "ag/ops.h"
#include "op_util.h"

namespace ag {

namespace {

// The sizes the op reads from its operands: `heads` (B·h, say) separate attentions, each of Lq
// queries and Lk keys of width d, and values of width dv.
struct AttentionSizes {
    int64_t heads, Lq, Lk, d, dv;
};

AttentionSizes check_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask) {
    for (const Tensor* t : {&q, &k, &v}) detail::require_defined("scaled_dot_product_attention", *t);
    const Shape &sq = q.shape(), &sk = k.shape(), &sv = v.shape();
    const size_t rank = sq.size();
    auto same_leading = [&](const Shape& s) { return s.size() == rank && std::equal(sq.begin(), sq.end() - 2, s.begin()); };
    if (rank < 2 || !same_leading(sk) || !same_leading(sv) || sk.back() != sq.back() || sv[rank - 2] != sk[rank - 2])
        throw std::invalid_argument("scaled_dot_product_attention: q " + shape_str(sq) + ", k " + shape_str(sk) +
                                    " and v " + shape_str(sv) + " must be [..., Lq, d], [..., Lk, d] and " +
                                    "[..., Lk, dv] with the same leading dims");
    const AttentionSizes n{detail::prod(sq, 0, rank - 2), sq[rank - 2], sk[rank - 2], sq.back(), sv.back()};
    if (!mask.defined()) return n;
    Shape full(sq.begin(), sq.end() - 1);  // [..., Lq, Lk]
    full.push_back(n.Lk);
    if (mask.shape() != Shape{n.Lq, n.Lk} && mask.shape() != full)
        throw std::invalid_argument("scaled_dot_product_attention: mask of shape " + shape_str(mask.shape()) +
                                    " must be [" + std::to_string(n.Lq) + ", " + std::to_string(n.Lk) +
                                    "] (Lq, Lk) or " + shape_str(full) + " (with q " + shape_str(sq) + ")");
    detail::require_binary_mask("scaled_dot_product_attention", mask, "hide");
    return n;
}

// The op's matrix products. With `causal` they are gemm.h's causal variants, which skip what only
// hidden keys (j > i) reach: about half of the work, with the same result.
struct Products {
    bool causal;
    // C (n, m) += A (n, k)·B (m, k)ᵀ;  causal: C is needed only at j ≤ i
    void nt(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) const {
        causal ? detail::gemm_nt_causal(n, k, m, A, B, C) : detail::gemm_nt(n, k, m, A, B, C);
    }
    // C (n, m) += A (n, k)·B (k, m);  causal: A[i][p] = 0 for p > i
    void nn(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) const {
        causal ? detail::gemm_nn_causal(n, k, m, A, B, C) : detail::gemm_nn(n, k, m, A, B, C);
    }
    // C (n, m) += A (k, n)ᵀ·B (k, m);  causal: A[p][j] = 0 for j > p
    void tn(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) const {
        causal ? detail::gemm_tn_causal(n, k, m, A, B, C) : detail::gemm_tn(n, k, m, A, B, C);
    }
};

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                    bool causal) {
    const auto [heads, Lq, Lk, d, dv] = check_attention(q, k, v, mask);
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    const float minus_inf = -std::numeric_limits<float>::infinity();
    const float* M = mask.defined() ? mask.values().data() : nullptr;
    const int64_t mask_step = mask.defined() && mask.dim() > 2 ? Lq * Lk : 0;  // 0: one mask for every head
    const Products gemm{causal};

    Buffer weights(static_cast<size_t>(heads * Lq * Lk));  // P (..., Lq, Lk), zeros: the products add in
    Buffer out(static_cast<size_t>(heads * Lq * dv));      // (..., Lq, dv)
    for (int64_t s = 0; s < heads; ++s) {  // one (batch entry, head) at a time
        const float* Q = q.values().data() + s * Lq * d;   // (Lq, d)
        const float* K = k.values().data() + s * Lk * d;   // (Lk, d)
        const float* V = v.values().data() + s * Lk * dv;  // (Lk, dv)
        float* P = weights.data() + s * Lq * Lk;           // (Lq, Lk)
        // S = q·kᵀ (added into P's zeros)
        gemm.nt(Lq, d, Lk, Q, K, P);
        // P = softmax over the keys of S/√d, a hidden key counting as −∞ (a weight of 0)
        for (int64_t i = 0; i < Lq; ++i) {
            float* row = P + i * Lk;
            const int64_t seen = causal ? std::min(i + 1, Lk) : Lk;  // causal: keys 0..i only
            if (M)
                for (int64_t j = 0; j < seen; ++j)
                    if (M[s * mask_step + i * Lk + j] == 1.0f) row[j] = minus_inf;
            detail::softmax_in_place(row, seen, scale);  // as softmax.cpp, vectorised (vmath.h)
            std::fill(row + seen, row + Lk, 0.0f);
        }
        // out = P·v
        gemm.nn(Lq, Lk, dv, P, V, out.data() + s * Lq * dv);
    }

    Shape out_shape(q.shape().begin(), q.shape().end() - 1);
    out_shape.push_back(dv);
    // The backward keeps P (the weights) and reads q, k and v from its inputs.
    auto back = [heads = heads, Lq = Lq, Lk = Lk, d = d, dv = dv, scale, causal, gemm,
                 weights = std::move(weights)](Node& o) {
        // out = P·v, P = softmax(S/√d), S = q·kᵀ:
        // dv = Pᵀ·dout;  dP = dout·vᵀ;  dS = P ⊙ (dP − Σ_j P·dP) / √d;  dq = dS·k;  dk = dSᵀ·q
        float* gq = o.input_grad(0);
        float* gk = o.input_grad(1);
        float* gv = o.input_grad(2);
        Buffer dS(static_cast<size_t>(Lq * Lk));  // dP, then dS, of one head
        for (int64_t s = 0; s < heads; ++s) {
            const float* Q = o.inputs[0].values().data() + s * Lq * d;
            const float* K = o.inputs[1].values().data() + s * Lk * d;
            const float* V = o.inputs[2].values().data() + s * Lk * dv;
            const float* P = weights.data() + s * Lq * Lk;
            const float* g = o.grad.data() + s * Lq * dv;  // dout (Lq, dv)
            if (gv) gemm.tn(Lk, Lq, dv, P, g, gv + s * Lk * dv);
            if (!gq && !gk) continue;
            std::fill(dS.begin(), dS.end(), 0.0f);
            gemm.nt(Lq, dv, Lk, g, V, dS.data());
            for (int64_t i = 0; i < Lq; ++i) {  // P is 0 after key `seen`, and so is dS
                const float* p = P + i * Lk;
                float* row = dS.data() + i * Lk;
                const int64_t seen = causal ? std::min(i + 1, Lk) : Lk;
                const float sum = static_cast<float>(detail::dot_of(p, row, seen));  // Σ_j P_ij·dP_ij
                for (int64_t j = 0; j < seen; ++j) row[j] = p[j] * (row[j] - sum) * scale;
                std::fill(row + seen, row + Lk, 0.0f);
            }
            if (gq) gemm.nn(Lq, Lk, d, dS.data(), K, gq + s * Lq * d);
            if (gk) gemm.tn(Lk, Lq, d, dS.data(), Q, gk + s * Lk * d);
        }
    };
    return record("scaled_dot_product_attention", std::move(out), std::move(out_shape), {q, k, v}, std::move(back));
}

}  // namespace ag
