// gemm.h — the three matrix-product loops behind matmul and linear, forward and backward.
//
// Teaches: C += A·B is computed a small tile of C at a time. A 4 × 32 tile is held in registers
// while the loop runs along k; each step loads one contiguous row piece of B and four numbers of
// A, and does 128 multiply-adds with them. The compiler turns the fixed-size inner loops into
// vector instructions (-O3 -march=native). This one idea is what makes a plain C++ loop as fast
// as a tuned library on the sizes this project uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace ag::detail {

// C (MR, NR) += Â (MR, k) · B (k, NR), where Â[r][p] = A[r·sa_r + p·sa_p] (so Â may be a
// transposed view) and C, B are rows of a matrix with `m` columns.
template <int64_t MR, int64_t NR>
inline void gemm_tile(int64_t k, int64_t m, const float* __restrict A, int64_t sa_r, int64_t sa_p,
                      const float* __restrict B, float* __restrict C) {
    float acc[MR][NR];  // the tile of C, kept in registers
    for (int64_t r = 0; r < MR; ++r)
        for (int64_t c = 0; c < NR; ++c) acc[r][c] = C[r * m + c];
    for (int64_t p = 0; p < k; ++p) {
        const float* b = B + p * m;
        for (int64_t r = 0; r < MR; ++r) {
            const float a = A[r * sa_r + p * sa_p];
            for (int64_t c = 0; c < NR; ++c) acc[r][c] += a * b[c];
        }
    }
    for (int64_t r = 0; r < MR; ++r)
        for (int64_t c = 0; c < NR; ++c) C[r * m + c] = acc[r][c];
}

// C (n, m) += a (n) ⊗ b (m), the outer product (a product with k = 1): row i of C gains
// a[i·stride]·b. There is no tile to reuse, so it is a plain loop.
inline void gemm_outer(int64_t n, int64_t m, const float* a, int64_t stride, const float* b,
                       float* C) {
    for (int64_t i = 0; i < n; ++i) {
        const float ai = a[i * stride];
        float* __restrict c = C + i * m;
        for (int64_t j = 0; j < m; ++j) c[j] += ai * b[j];
    }
}

// C (n, m) += Â (n, k) · B (k, m), tile by tile; narrower tiles finish the edges.
inline void gemm_tiled(int64_t n, int64_t k, int64_t m, const float* A, int64_t sa_r, int64_t sa_p,
                       const float* B, float* C) {
    if (k == 1) return gemm_outer(n, m, A, sa_r, B, C);
    auto row = [&](auto rows_tag, int64_t i) {
        constexpr int64_t MR = decltype(rows_tag)::value;
        const float* a = A + i * sa_r;
        float* c = C + i * m;
        int64_t j = 0;
        for (; j + 32 <= m; j += 32) gemm_tile<MR, 32>(k, m, a, sa_r, sa_p, B + j, c + j);
        for (; j + 8 <= m; j += 8) gemm_tile<MR, 8>(k, m, a, sa_r, sa_p, B + j, c + j);
        if (j + 4 <= m) gemm_tile<MR, 4>(k, m, a, sa_r, sa_p, B + j, c + j), j += 4;
        if (j + 2 <= m) gemm_tile<MR, 2>(k, m, a, sa_r, sa_p, B + j, c + j), j += 2;
        if (j < m) gemm_tile<MR, 1>(k, m, a, sa_r, sa_p, B + j, c + j);
    };
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) row(std::integral_constant<int64_t, 4>{}, i);
    for (; i < n; ++i) row(std::integral_constant<int64_t, 1>{}, i);
}

// C (n, m) += A (n, k) · B (k, m)
inline void gemm_nn(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    gemm_tiled(n, k, m, A, k, 1, B, C);
}

// C (n, m) += A (k, n)ᵀ · B (k, m)   — weight gradients: dW = dyᵀ·x
// With k = 1 (one RNN step of one sequence) this is an outer product, done by the plain loop
// above: small and called at every step, it would pay more for entering the tiled loop than
// for its own 100 multiply-adds.
inline void gemm_tn(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    if (k == 1) return gemm_outer(n, m, A, 1, B, C);
    gemm_tiled(n, k, m, A, 1, n, B, C);
}

// C (n, m) += A (n, k) · B (m, k)ᵀ   — forward of a Linear (y = x·Wᵀ) and of an RNN step (h·W_hhᵀ).
// B is transposed into a scratch copy (in 8 × 8 blocks, which keeps both reads and writes in
// cache), so that the tiled loop above can stream its rows. The copy is kept for the next call:
// an RNN multiplies by the same W_hh at every step of a sequence, so it transposes it once per
// sequence. The kept copy is used only when B's values and sizes equal those it was made from,
// so a changed or different B is never served a stale transpose.
inline void gemm_nt(int64_t n, int64_t k, int64_t m, const float* __restrict A,
                    const float* __restrict B, float* __restrict C) {
    static thread_local std::vector<float> bt, b_seen;  // Bᵀ (k, m), and the B it came from
    static thread_local int64_t seen_k = -1;
    const size_t size = static_cast<size_t>(k * m);
    if (seen_k != k || b_seen.size() != size || std::memcmp(b_seen.data(), B, size * sizeof(float)) != 0) {
        b_seen.assign(B, B + size);
        seen_k = k;
        bt.resize(size);
        for (int64_t j0 = 0; j0 < m; j0 += 8)
            for (int64_t p0 = 0; p0 < k; p0 += 8)
                for (int64_t j = j0; j < j0 + 8 && j < m; ++j)
                    for (int64_t p = p0; p < p0 + 8 && p < k; ++p) bt[p * m + j] = B[j * k + p];
    }
    gemm_nn(n, k, m, A, bt.data(), C);
}

}  // namespace ag::detail
