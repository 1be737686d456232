// gemm_test.cpp — the product loops of include/ag/detail/gemm.h and the masked row ends of simd.h,
// at their edges.
//
// Teaches: machinery that promises to change no number is checked on whole numbers, where every
// sum is exact, so the loops must give exactly the plain loop's answer, at sizes around the lane
// count and the blocks of rows (a row shorter than a register, 16 rows at a time).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ag/detail/gemm.h"

namespace {

using ag::detail::kLanes;

TEST(SimdRowEnds, LoadAndStoreTouchOnlyTheFirstN) {
    for (int64_t n = 0; n <= kLanes; ++n) {
        SCOPED_TRACE(n);
        std::vector<float> src(kLanes), dst(kLanes, -1.0f);
        for (int64_t i = 0; i < kLanes; ++i) src[i] = float(i + 1);
        const ag::detail::Floats v = ag::detail::load_first(src.data(), n);
        for (int64_t i = 0; i < kLanes; ++i) EXPECT_EQ(v[i], i < n ? float(i + 1) : 0.0f) << "lane " << i;
        ag::detail::store_first(dst.data(), v, n);
        for (int64_t i = 0; i < kLanes; ++i) EXPECT_EQ(dst[i], i < n ? float(i + 1) : -1.0f) << "place " << i;
    }
}

// C (n, m) += a ⊗ b on small whole numbers, against the plain loop, with a guard value after C
// that must survive.
TEST(GemmOuter, EqualsThePlainLoopAroundRegistersAndRowBlocks) {
    for (int64_t n : {0, 1, 2, 3, 5, 7, 8, 10, 15, 16, 17, 33, 40})
        for (int64_t m : {0, 1, 2, 3, 5, 7, 9, 10, 15, 16, 17, 31, 32, 33}) {  // (3, 5, 7: builds of 4 or 8 lanes)
            SCOPED_TRACE("n=" + std::to_string(n) + " m=" + std::to_string(m));
            std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(m));
            std::vector<float> C(static_cast<size_t>(n * m + 1)), want;
            for (size_t i = 0; i < a.size(); ++i) a[i] = float(int(i % 7) - 3);
            for (int64_t j = 0; j < m; ++j) b[j] = float(int(j % 5) - 2);
            for (size_t i = 0; i < C.size(); ++i) C[i] = float(int(i % 11) - 5);
            C.back() = 99.0f;
            want = C;
            for (int64_t i = 0; i < n; ++i)
                for (int64_t j = 0; j < m; ++j) want[i * m + j] += a[i] * b[j];
            ag::detail::gemm_outer(n, m, a.data(), b.data(), C.data());
            EXPECT_EQ(C, want);
        }
}

// The three products with k = 1 or m = 1 (the RNN's one-sequence steps take these short paths),
// and the product into a gradient, against a plain triple loop.
TEST(GemmProducts, ShortPathsEqualThePlainLoop) {
    for (int64_t n : {1, 3, 10, 17})
        for (int64_t k : {1, 2, 10, 40})
            for (int64_t m : {1, 3, 5, 7, 10, 16, 17}) {
                SCOPED_TRACE("n=" + std::to_string(n) + " k=" + std::to_string(k) + " m=" + std::to_string(m));
                auto whole = [](size_t size, int seed) {
                    std::vector<float> v(size);
                    for (size_t i = 0; i < size; ++i) v[i] = float(int((i * 7 + size_t(seed)) % 9) - 4);
                    return v;
                };
                const std::vector<float> A = whole(size_t(n * k), 1), At = whole(size_t(k * n), 2);
                const std::vector<float> B = whole(size_t(k * m), 3), Bt = whole(size_t(m * k), 4);
                std::vector<float> nn(size_t(n * m), 1.0f), tn(size_t(n * m), 1.0f), nt(size_t(n * m), 1.0f);
                std::vector<float> want_nn = nn, want_tn = tn, want_nt = nt;
                for (int64_t i = 0; i < n; ++i)
                    for (int64_t j = 0; j < m; ++j)
                        for (int64_t p = 0; p < k; ++p) {
                            want_nn[i * m + j] += A[i * k + p] * B[p * m + j];
                            want_tn[i * m + j] += At[p * n + i] * B[p * m + j];
                            want_nt[i * m + j] += A[i * k + p] * Bt[j * k + p];
                        }
                std::vector<float> for_gradient = nn;
                ag::detail::gemm_nn_for_gradient(n, k, m, A.data(), B.data(), for_gradient.data());
                EXPECT_EQ(for_gradient, want_nn);
                ag::detail::gemm_nn(n, k, m, A.data(), B.data(), nn.data());
                ag::detail::gemm_tn(n, k, m, At.data(), B.data(), tn.data());
                ag::detail::gemm_nt(n, k, m, A.data(), Bt.data(), nt.data());
                EXPECT_EQ(nn, want_nn);
                EXPECT_EQ(tn, want_tn);
                EXPECT_EQ(nt, want_nt);
            }
}

// The kept Bᵀ is served again only for the same bits: a changed value, even 0 → −0, makes a new one.
TEST(KeptTranspose, ServedOnlyForTheSameBits) {
    std::vector<float> B = {1, 2, 3, 4, 5, 6};  // (2, 3)
    const float* bt = ag::detail::kept_transpose(B.data(), 2, 3);
    EXPECT_EQ(std::vector<float>(bt, bt + 6), (std::vector<float>{1, 4, 2, 5, 3, 6}));
    B[4] = 0.0f;
    bt = ag::detail::kept_transpose(B.data(), 2, 3);
    EXPECT_EQ(bt[3], 0.0f);
    EXPECT_FALSE(std::signbit(bt[3]));
    B[4] = -0.0f;
    bt = ag::detail::kept_transpose(B.data(), 2, 3);
    EXPECT_TRUE(std::signbit(bt[3]));
    EXPECT_TRUE(ag::detail::same_bits(B.data(), B.data(), 6));
    const float nan = std::numeric_limits<float>::quiet_NaN(), zero = 0.0f, minus_zero = -0.0f;
    EXPECT_TRUE(ag::detail::same_bits(&nan, &nan, 1));  // the same bits, though NaN ≠ NaN
    EXPECT_FALSE(ag::detail::same_bits(&zero, &minus_zero, 1));  // different bits, though 0 == −0
}

}  // namespace
