// vmath.h — tanh and exp for a whole array at once, several times faster than calling std::tanh
// or std::exp per value.
//
// Teaches: how a maths library computes a function. tanh(a) = (1 − e)/(1 + e) with e = e^(−2a),
// and e^y is split into 2ⁿ · e^r with |r| ≤ ln2/2, where a short polynomial is exact to double
// precision. Written with no branches, the compiler runs the loop eight values at a time (SIMD).
// Computed in double and rounded once, the float results are correctly rounded (checked against
// a double-precision tanh over 3·10⁸ floats), and NaN stays NaN. exp_array is the same recipe.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ag::detail {

// y[i] = tanh(x[i]) for doubles; NaN is handled by the caller.
inline void tanh_double(const double* __restrict x, double* __restrict y, int64_t len) {
    for (int64_t i = 0; i < len; ++i) {
        // a = min(|x|, 10), compared as bit patterns (no floating-point branch, so it vectorises);
        // beyond 10, tanh is 1 to float precision.
        double a = std::fabs(x[i]);
        const double cap = 10.0;
        int64_t a_bits, cap_bits;
        std::memcpy(&a_bits, &a, 8);
        std::memcpy(&cap_bits, &cap, 8);
        a_bits = a_bits < cap_bits ? a_bits : cap_bits;
        std::memcpy(&a, &a_bits, 8);
        // e^(−2a) = 2ⁿ · e^r:  n = round(−2a / ln2),  r = −2a − n·ln2 (ln2 in two parts for accuracy)
        const double y2 = -2.0 * a;
        const int64_t n = static_cast<int64_t>(y2 * 1.4426950408889634 - 0.5);  // y2 ≤ 0: rounds
        const double r = y2 - double(n) * 0.6931471805599453 - double(n) * 2.3190468138462996e-17;
        // e^r − 1 by its Taylor series to r¹², enough for |r| ≤ 0.35
        double q = 1.0 / 39916800.0;
        q = q * r + 1.0 / 3628800.0;
        q = q * r + 1.0 / 362880.0;
        q = q * r + 1.0 / 40320.0;
        q = q * r + 1.0 / 5040.0;
        q = q * r + 1.0 / 720.0;
        q = q * r + 1.0 / 120.0;
        q = q * r + 1.0 / 24.0;
        q = q * r + 1.0 / 6.0;
        q = q * r + 0.5;
        q = q * r + 1.0;
        q = q * r;
        const int64_t s_bits = (n + 1023) << 52;  // 2ⁿ, built from its exponent bits
        double s;
        std::memcpy(&s, &s_bits, 8);
        // em1 = e^(−2a) − 1, kept apart from the 1 so that small a loses no precision
        const double em1 = q * s + (s - 1.0);
        // tanh(a) = (1 − e)/(1 + e) = −em1/(2 + em1), with the sign of x
        y[i] = std::copysign(-em1 / (2.0 + em1), x[i]);
    }
}

// y[i] = tanh(x[i]) for floats (x and y may be the same array).
inline void tanh_array(const float* x, float* y, int64_t n) {
    double xd[64], yd[64];
    for (int64_t base = 0; base < n; base += 64) {
        const int64_t len = n - base < 64 ? n - base : 64;
        for (int64_t i = 0; i < len; ++i) xd[i] = x[base + i];
        tanh_double(xd, yd, len);
        for (int64_t i = 0; i < len; ++i)
            y[base + i] = xd[i] != xd[i] ? float(xd[i]) : static_cast<float>(yd[i]);  // NaN in, NaN out
    }
}

// y[i] = e^x[i] for doubles, to be rounded to float: x is clamped to [−104, 89], outside which
// e^x is 0 or +∞ as a float. NaN stays NaN.
inline void exp_double(const double* __restrict x, double* __restrict y, int64_t len) {
    for (int64_t i = 0; i < len; ++i) {
        double a = x[i] < -104.0 ? -104.0 : x[i];
        a = a > 89.0 ? 89.0 : a;
        // e^a = 2ⁿ · e^r:  n = round(a / ln2),  r = a − n·ln2 (ln2 in two parts for accuracy).
        // Adding 1.5·2⁵² rounds a / ln2 to an integer and leaves n in the low bits of `shifted`.
        const double shifted = a * 1.4426950408889634 + 6755399441055744.0;
        const double n = shifted - 6755399441055744.0;
        const double r = a - n * 0.6931471805599453 - n * 2.3190468138462996e-17;
        // e^r by its Taylor series to r¹⁰, exact to 2⁻⁴⁰ for |r| ≤ 0.35 (a float needs 2⁻²⁴)
        double q = 1.0 / 3628800.0;
        q = q * r + 1.0 / 362880.0;
        q = q * r + 1.0 / 40320.0;
        q = q * r + 1.0 / 5040.0;
        q = q * r + 1.0 / 720.0;
        q = q * r + 1.0 / 120.0;
        q = q * r + 1.0 / 24.0;
        q = q * r + 1.0 / 6.0;
        q = q * r + 0.5;
        q = q * r + 1.0;
        q = q * r + 1.0;
        uint64_t s_bits;  // 2ⁿ, built from its exponent bits: (n + 1023) << 52
        std::memcpy(&s_bits, &shifted, 8);
        s_bits = (s_bits + 1023) << 52;
        double s;
        std::memcpy(&s, &s_bits, 8);
        y[i] = q * s;
    }
}

// y[i] = e^x[i] for floats (x and y may be the same array); e^−∞ = 0, e^+∞ = +∞, NaN stays NaN.
// Softmax calls it on x − max ≤ 0.
inline void exp_array(const float* x, float* y, int64_t n) {
    double xd[64], yd[64];
    for (int64_t base = 0; base < n; base += 64) {
        const int64_t len = n - base < 64 ? n - base : 64;
        for (int64_t i = 0; i < len; ++i) xd[i] = x[base + i];
        exp_double(xd, yd, len);
        for (int64_t i = 0; i < len; ++i) y[base + i] = static_cast<float>(yd[i]);
    }
}

// ---- sums and maxima, in independent lanes ----------------------------------------------------
// A running total is one long chain of additions, each waiting for the one before. Sixteen
// partial results, one per lane, run side by side (the compiler vectorises the lane loop), and
// are combined at the end. The totals are kept in double, as softmax.cpp does.

constexpr int64_t kReduceLanes = 16;

// The largest of x[0..n); −∞ when n = 0. NaN entries are passed over.
inline float max_of(const float* x, int64_t n) {
    const float minus_inf = -std::numeric_limits<float>::infinity();
    float lane[kReduceLanes];
    for (float& m : lane) m = minus_inf;
    int64_t i = 0;
    for (; i + kReduceLanes <= n; i += kReduceLanes)
        for (int64_t l = 0; l < kReduceLanes; ++l) lane[l] = x[i + l] > lane[l] ? x[i + l] : lane[l];
    float m = minus_inf;
    for (; i < n; ++i) m = x[i] > m ? x[i] : m;
    for (float v : lane) m = v > m ? v : m;
    return m;
}

// Σ x[i]·y[i] over [0, n), or Σ x[i] with y = nullptr.
inline double dot_of(const float* x, const float* y, int64_t n) {
    double lane[kReduceLanes] = {};
    int64_t i = 0;
    for (; i + kReduceLanes <= n; i += kReduceLanes)
        for (int64_t l = 0; l < kReduceLanes; ++l) lane[l] += double(x[i + l]) * (y ? double(y[i + l]) : 1.0);
    double total = 0.0;
    for (; i < n; ++i) total += double(x[i]) * (y ? double(y[i]) : 1.0);
    for (double v : lane) total += v;
    return total;
}
inline double sum_of(const float* x, int64_t n) { return dot_of(x, nullptr, n); }

}  // namespace ag::detail
