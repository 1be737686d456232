// gemm.h — the three matrix-product loops behind matmul and linear, forward and backward.
//
// Teaches: C += A·B is written with the innermost loop running along a row of B and a row of C
// (the "i-k-j" order): both are contiguous in memory, so the compiler turns that loop into vector
// instructions. The transposed variants are arranged so that their inner loop is contiguous too.
#pragma once

#include <cstdint>
#include <vector>

namespace ag::detail {

// C (n, m) += A (n, k) · B (k, m)
inline void gemm_nn(int64_t n, int64_t k, int64_t m, const float* __restrict A,
                    const float* __restrict B, float* __restrict C) {
    for (int64_t i = 0; i < n; ++i) {
        float* c = C + i * m;
        for (int64_t p = 0; p < k; ++p) {
            float a = A[i * k + p];
            const float* b = B + p * m;
            for (int64_t j = 0; j < m; ++j) c[j] += a * b[j];
        }
    }
}

// C (n, m) += A (k, n)ᵀ · B (k, m)   — used for weight gradients: dW = xᵀ·dy
inline void gemm_tn(int64_t n, int64_t k, int64_t m, const float* __restrict A,
                    const float* __restrict B, float* __restrict C) {
    for (int64_t p = 0; p < k; ++p) {
        const float* b = B + p * m;
        for (int64_t i = 0; i < n; ++i) {
            float a = A[p * n + i];
            float* c = C + i * m;
            for (int64_t j = 0; j < m; ++j) c[j] += a * b[j];
        }
    }
}

// C (n, m) += A (n, k) · B (m, k)ᵀ   — B is transposed into a scratch copy first so that the
// product can run in the contiguous i-k-j order above.
inline void gemm_nt(int64_t n, int64_t k, int64_t m, const float* __restrict A,
                    const float* __restrict B, float* __restrict C) {
    std::vector<float> bt(static_cast<size_t>(k * m));
    for (int64_t j = 0; j < m; ++j)
        for (int64_t p = 0; p < k; ++p) bt[p * m + j] = B[j * k + p];
    gemm_nn(n, k, m, A, bt.data(), C);
}

}  // namespace ag::detail
