// gemm.h — the three matrix-product loops behind matmul and linear, forward and backward.
//
// Teaches: C += A·B is computed a small tile of C at a time. With AVX-512, an 8 × 32 tile is held
// in registers while the loop runs along k; each step loads one contiguous row piece of B (two
// vectors of 16 floats) and eight numbers of A, and does 256 multiply-adds with them (with AVX
// only, a 4 × 16 tile: 64). The tile is written on `Floats` (simd.h), a vector of 16 floats (8
// without AVX-512) that the compiler keeps in one register, so that narrow products (attention's
// head width of 16) are vectorised as surely as wide ones.
// This one idea is what makes a plain C++ loop as fast as a tuned library on the sizes this
// project uses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "ag/detail/simd.h"  // Floats, HalfFloats, load, store

namespace ag::detail {

// ---- tiles -----------------------------------------------------------------------------------

// C (MR, NV·lanes of V) += Â (MR, k) · B (k, NV·lanes), where Â[r][p] = A[r·sa_r + p·sa_p] (so
// Â may be a transposed view); rows of B are ldb floats apart, rows of C ldc.
template <class V, int64_t MR, int64_t NV>
inline void gemm_tile(int64_t k, const float* __restrict A, int64_t sa_r, int64_t sa_p,
                      const float* __restrict B, int64_t ldb, float* __restrict C, int64_t ldc) {
    constexpr int64_t W = sizeof(V) / sizeof(float);
    V acc[MR][NV];  // the tile of C, kept in registers
    for (int64_t r = 0; r < MR; ++r)
        for (int64_t v = 0; v < NV; ++v) acc[r][v] = load<V>(C + r * ldc + v * W);
    for (int64_t p = 0; p < k; ++p) {
        V b[NV];  // row p of B, this tile's columns
        for (int64_t v = 0; v < NV; ++v) b[v] = load<V>(B + p * ldb + v * W);
        for (int64_t r = 0; r < MR; ++r) {
            const float a = A[r * sa_r + p * sa_p];
            for (int64_t v = 0; v < NV; ++v) acc[r][v] += a * b[v];
        }
    }
    for (int64_t r = 0; r < MR; ++r)
        for (int64_t v = 0; v < NV; ++v) store(C + r * ldc + v * W, acc[r][v]);
}

// The same for the last few columns (fewer than half a register), one float at a time.
template <int64_t MR, int64_t NR>
inline void gemm_tile_scalar(int64_t k, const float* __restrict A, int64_t sa_r, int64_t sa_p,
                             const float* __restrict B, int64_t ldb, float* __restrict C, int64_t ldc) {
    float acc[MR][NR];
    for (int64_t r = 0; r < MR; ++r)
        for (int64_t c = 0; c < NR; ++c) acc[r][c] = C[r * ldc + c];
    for (int64_t p = 0; p < k; ++p) {
        const float* b = B + p * ldb;
        for (int64_t r = 0; r < MR; ++r) {
            const float a = A[r * sa_r + p * sa_p];
            for (int64_t c = 0; c < NR; ++c) acc[r][c] += a * b[c];
        }
    }
    for (int64_t r = 0; r < MR; ++r)
        for (int64_t c = 0; c < NR; ++c) C[r * ldc + c] = acc[r][c];
}

// C (n, m) += a (n) ⊗ b (m), the outer product (a product with k = 1): row i of C gains a[i]·b.
// There is no tile to reuse, so it is one pass over C, a register at a time. Rows of a register or
// more go row by row. Shorter rows (10 floats for an RNN of hidden size 10) are not taken one by
// one, each a masked load and store: kLanes rows at a time are read as one run of floats, across
// row ends. The float at position f of the run is in row f / m and column f % m, so it gains
// a[f / m]·b[f % m], both picked from registers that hold a and b.
inline void gemm_outer(int64_t n, int64_t m, const float* a, const float* b, float* C) {
    if (m == 0) return;  // (no columns: nothing to add, and no 1/m to take)
    if (m < kLanes) {
        Int32s lane;  // 0, 1, ..., kLanes − 1
        for (int32_t l = 0; l < int32_t(kLanes); ++l) lane[l] = l;
        const float one_over_m = 1.0f / float(m);
        const Floats bv = load_first(b, m);
        for (int64_t i = 0; i < n; i += kLanes) {  // rows i .. i + rows − 1
            const int64_t rows = std::min(kLanes, n - i);
            const Floats av = load_first(a + i, rows);
            float* c = C + i * m;
            for (int64_t f = 0; f < rows * m; f += kLanes) {
                const Int32s at = lane + int32_t(f);
                // at / m, exactly: (at + ½)/m is at least ½/m away from a whole number, far more
                // than a float's rounding error for these small numbers
                const Int32s row = __builtin_convertvector((__builtin_convertvector(at, Floats) + 0.5f) * one_over_m, Int32s);
                const Int32s col = at - row * int32_t(m);
                const int64_t w = std::min(kLanes, rows * m - f);
                store_first(c + f, load_first(c + f, w) + pick_lanes(av, row) * pick_lanes(bv, col), w);
            }
        }
        return;
    }
    for (int64_t i = 0; i < n; ++i) {
        float* c = C + i * m;
        for (int64_t j = 0; j < m; j += kLanes) {
            const int64_t w = std::min(kLanes, m - j);
            store_first(c + j, load_first(c + j, w) + a[i] * load_first(b + j, w), w);
        }
    }
}

// c (m) += Aᵀ·b, A (k, m) and b (k): the rows of A added up in row order, row p weighted by b[p],
// or by 1 when b is nullptr (the plain sum of the rows: a bias's gradient). The sum for a
// register's worth of c stays in that register all along k.
inline void gemm_rows_weighted(int64_t k, int64_t m, const float* A, const float* b, float* c) {
    for (int64_t j = 0; j < m; j += kLanes) {
        const int64_t w = std::min(kLanes, m - j);
        Floats acc = load_first(c + j, w);
        for (int64_t p = 0; p < k; ++p) acc += (b ? b[p] : 1.0f) * load_first(A + p * m + j, w);
        store_first(c + j, acc, w);
    }
}

// Rows of C per tile: eight when the machine has 32 vector registers (AVX-512), else four.
constexpr int64_t kTileRows = kLanes == 16 ? 8 : 4;

// C (n, m) += Â (n, k) · B (k, m), tile by tile; narrower tiles finish the edges. Rows of B are
// ldb floats apart and rows of C ldc (both m for whole matrices).
inline void gemm_tiled(int64_t n, int64_t k, int64_t m, const float* A, int64_t sa_r, int64_t sa_p,
                       const float* B, int64_t ldb, float* C, int64_t ldc) {
    auto rows = [&](auto rows_tag, int64_t i) {  // rows [i, i + MR) of C, all their columns
        constexpr int64_t MR = decltype(rows_tag)::value;
        const float* a = A + i * sa_r;
        float* c = C + i * ldc;
        int64_t j = 0;
        for (; j + 2 * kLanes <= m; j += 2 * kLanes) gemm_tile<Floats, MR, 2>(k, a, sa_r, sa_p, B + j, ldb, c + j, ldc);
        if (j + kLanes <= m) gemm_tile<Floats, MR, 1>(k, a, sa_r, sa_p, B + j, ldb, c + j, ldc), j += kLanes;
        if (j + kLanes / 2 <= m) gemm_tile<HalfFloats, MR, 1>(k, a, sa_r, sa_p, B + j, ldb, c + j, ldc), j += kLanes / 2;
        if (kLanes / 2 > 4 && j + 4 <= m) gemm_tile_scalar<MR, 4>(k, a, sa_r, sa_p, B + j, ldb, c + j, ldc), j += 4;
        if (j + 2 <= m) gemm_tile_scalar<MR, 2>(k, a, sa_r, sa_p, B + j, ldb, c + j, ldc), j += 2;
        if (j < m) gemm_tile_scalar<MR, 1>(k, a, sa_r, sa_p, B + j, ldb, c + j, ldc);
    };
    int64_t i = 0;
    for (; i + kTileRows <= n; i += kTileRows) rows(std::integral_constant<int64_t, kTileRows>{}, i);
    if (kTileRows > 4 && i + 4 <= n) rows(std::integral_constant<int64_t, 4>{}, i), i += 4;
    for (; i < n; ++i) rows(std::integral_constant<int64_t, 1>{}, i);
}

// The check below runs at every step, so it is a loop the compiler turns into a few wide XORs (the
// bits, not the values: −0 ≠ 0 and a NaN equals itself), not a call to memcmp.
inline bool same_bits(const float* a, const float* b, size_t n) {
    uint32_t diff = 0;
    for (size_t i = 0; i < n; ++i) {
        uint32_t x, y;
        std::memcpy(&x, a + i, 4);
        std::memcpy(&y, b + i, 4);
        diff |= x ^ y;
    }
    return diff == 0;
}

// Bᵀ (k, m) of B (m, k), in a scratch copy kept for the next call: an RNN multiplies by the same
// W_hh at every step of a sequence, so it transposes it once per sequence. The kept copy is used
// only when B's sizes and bits equal those it was made from, so a changed or different B is never
// served a stale transpose. Copied in 8 × 8 blocks, which keeps reads and writes in cache.
inline const float* kept_transpose(const float* B, int64_t m, int64_t k) {
    static thread_local std::vector<float> bt, b_seen;  // Bᵀ (k, m), and the B it came from
    static thread_local int64_t seen_k = -1;
    const size_t size = static_cast<size_t>(k * m);
    if (seen_k != k || b_seen.size() != size || !same_bits(b_seen.data(), B, size)) {
        b_seen.assign(B, B + size);
        seen_k = k;
        bt.resize(size);
        for (int64_t j0 = 0; j0 < m; j0 += 8)
            for (int64_t p0 = 0; p0 < k; p0 += 8)
                for (int64_t j = j0; j < j0 + 8 && j < m; ++j)
                    for (int64_t p = p0; p < p0 + 8 && p < k; ++p) bt[p * m + j] = B[j * k + p];
    }
    return bt.data();
}

// ---- the three products ----------------------------------------------------------------------

// C (n, m) += A (n, k) · B (k, m)
inline void gemm_nn(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    if (k == 1) return gemm_outer(n, m, A, B, C);
    gemm_tiled(n, k, m, A, k, 1, B, m, C, m);
}

// C (n, m) += A (n, k) · B (k, m), as gemm_nn, for a result that is not read in the next few
// instructions: an input's gradient in the engine (dh_prev = dz·W_hh in an RNN step), which the
// graph walk's own work separates from the backward that reads it. A row of C shorter than a
// register stays in one register along k, and each row of B is one masked load (with AVX-512):
// fewer instructions than the tiles' half-register and scalar edges. The sum for each value runs
// along k in the same order, each step a multiply-add that the compiler may fuse where it leaves
// some of the tiles' unfused, so a value may differ from gemm_nn's in its last bit. A result read
// at once keeps gemm_nn (the forward's h, which tanh reads next; the hand-written loop's dh, which
// its next statement reads): a plain load right after a masked store waits for that store.
inline void gemm_nn_for_gradient(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    if (m >= kLanes || k == 1) return gemm_nn(n, k, m, A, B, C);
    // row i of C += (row i of A)·B: B's rows weighted by row i of A
    for (int64_t i = 0; i < n; ++i) gemm_rows_weighted(k, m, B, A + i * k, C + i * m);
}

// C (n, m) += A (k, n)ᵀ · B (k, m)   — weight gradients: dW = dyᵀ·x
// With k = 1 (one RNN step of one sequence) this is an outer product, done by gemm_outer above:
// small and called at every step, it would pay more for entering the tiled loop than for its own
// 100 multiply-adds.
inline void gemm_tn(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    if (k == 1) return gemm_outer(n, m, A, B, C);
    if (m == 1) return gemm_rows_weighted(k, n, A, B, C);  // (the weight gradient of one input)
    gemm_tiled(n, k, m, A, 1, n, B, m, C, m);
}

// C (n, m) += A (n, k) · B (m, k)ᵀ   — forward of a Linear (y = x·Wᵀ) and of an RNN step (h·W_hhᵀ).
// B is transposed first (kept_transpose), so that the tiled loop can stream its rows.
inline void gemm_nt(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    if (k == 1 || m == 1) return gemm_nn(n, k, m, A, B, C);  // a row or a column: Bᵀ is B, as it lies
    gemm_nn(n, k, m, A, kept_transpose(B, m, k), C);
}

// ---- the same products for causal attention ---------------------------------------------------
// Query i sees keys j ≤ i only, so the weights P (queries × keys) are 0 above the diagonal. Each
// product below goes through C a block of kTileRows rows at a time and skips the part that is 0
// for the whole block, or that nobody reads: about half of the work.

// C (n, m) += A (n, k) · B (m, k)ᵀ, needed only at j ≤ i (the scores of keys a query sees): a
// block of rows stops at the column of its last row. Columns after that keep their values.
inline void gemm_nt_causal(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    const float* bt = kept_transpose(B, m, k);  // (k, m)
    for (int64_t i0 = 0; i0 < n; i0 += kTileRows) {
        const int64_t rows = std::min(kTileRows, n - i0), cols = std::min(m, i0 + rows);
        gemm_tiled(rows, k, cols, A + i0 * k, k, 1, bt, m, C + i0 * m, m);
    }
}

// C (n, m) += A (n, k) · B (k, m) with A lower triangular (A[i][p] = 0 for p > i, as P is): a block
// of rows stops at the column of A of its last row.
inline void gemm_nn_causal(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    for (int64_t i0 = 0; i0 < n; i0 += kTileRows) {
        const int64_t rows = std::min(kTileRows, n - i0), depth = std::min(k, i0 + rows);
        gemm_tiled(rows, depth, m, A + i0 * k, k, 1, B, m, C + i0 * m, m);
    }
}

// C (n, m) += A (k, n)ᵀ · B (k, m) with A lower triangular (A[p][j] = 0 for j > p): row j of C
// gathers only the rows p ≥ j of A and B, so a block of rows starts at its first row.
inline void gemm_tn_causal(int64_t n, int64_t k, int64_t m, const float* A, const float* B, float* C) {
    for (int64_t j0 = 0; j0 < n && j0 < k; j0 += kTileRows) {
        const int64_t rows = std::min(kTileRows, n - j0);
        gemm_tiled(rows, k - j0, m, A + j0 * n + j0, 1, n, B + j0 * m, m, C + j0 * m, m);
    }
}

}  // namespace ag::detail
