// vmath.h — tanh and exp for a whole array at once, several times faster than calling std::tanh
// or std::exp per value.
//
// Teaches: how a maths library computes a function. tanh(a) = (1 − e)/(1 + e) with e = e^(−2a),
// and e^y is split into 2ⁿ · e^r with |r| ≤ ln2/2, where a short polynomial is exact to double
// precision. Written with no branches, the compiler runs the loop eight values at a time (SIMD).
// Computed in double and rounded once, the float results are correctly rounded (checked against
// a double-precision tanh over 3·10⁸ floats), and NaN stays NaN. exp_array is the same recipe.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "ag/detail/simd.h"  // Doubles, HalfFloats, load, store

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

// ---- exp ---------------------------------------------------------------------------------------

// e^x in every lane, in double, to be rounded to float: x is clamped to [−104, 89], outside which
// e^x is 0 or +∞ as a float. NaN stays NaN.
inline Doubles exp_lanes(Doubles x) {
    x = x < -104.0 ? -104.0 : x;
    x = x > 89.0 ? 89.0 : x;
    // e^x = 2ⁿ · e^r:  n = round(x / ln2),  r = x − n·ln2 (ln2 in two parts for accuracy).
    // Adding 1.5·2⁵² rounds x / ln2 to an integer and leaves n in the low bits of `shifted`.
    const Doubles shifted = x * 1.4426950408889634 + 6755399441055744.0;
    const Doubles n = shifted - 6755399441055744.0;
    const Doubles r = x - n * 0.6931471805599453 - n * 2.3190468138462996e-17;
    // e^r by its Taylor series to r¹⁰, exact to 2⁻⁴⁰ for |r| ≤ 0.35 (a float needs 2⁻²⁴)
    Doubles q = r * (1.0 / 3628800.0) + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    q = q * r + 1.0;
    q = q * r + 1.0;
    Int64s s_bits;  // 2ⁿ, built from its exponent bits: (n + 1023) << 52
    std::memcpy(&s_bits, &shifted, sizeof s_bits);
    s_bits = (s_bits + 1023) << 52;
    Doubles s;
    std::memcpy(&s, &s_bits, sizeof s);
    return q * s;
}

// y[i] = e^(x[i]·scale − shift) for floats (x and y may be the same array); e^−∞ = 0, e^+∞ = +∞,
// NaN stays NaN. Returns Σ y[i] (of the rounded floats), in double.
inline double exp_array(const float* x, float* y, int64_t n, float scale = 1.0f, float shift = 0.0f) {
    constexpr int64_t W = kLanes / 2;  // lanes of a Doubles
    Doubles total = {};
    auto lanes = [&](const float* from, float* to) {
        const Doubles e = exp_lanes(__builtin_convertvector(load<HalfFloats>(from) * scale - shift, Doubles));
        const HalfFloats rounded = __builtin_convertvector(e, HalfFloats);
        total += __builtin_convertvector(rounded, Doubles);
        store(to, rounded);
    };
    int64_t i = 0;
    for (; i + W <= n; i += W) lanes(x + i, y + i);
    if (i < n) {  // the last few, through a padded copy (the padding, e^−∞ = 0, adds nothing)
        float in[W], out[W];
        for (int64_t l = 0; l < W; ++l) in[l] = i + l < n ? x[i + l] : -std::numeric_limits<float>::infinity();
        lanes(in, out);
        std::copy(out, out + (n - i), y + i);
    }
    double sum = 0.0;
    for (int64_t l = 0; l < W; ++l) sum += total[l];
    return sum;
}

// ---- sums and maxima ---------------------------------------------------------------------------
// A running total is one long chain of additions, each waiting for the one before. A vector of
// partial results, one per lane, runs side by side, and the lanes are combined at the end.

// The largest of x[0..n); −∞ when n = 0. NaN entries are passed over.
inline float max_of(const float* x, int64_t n) {
    const float minus_inf = -std::numeric_limits<float>::infinity();
    Floats lane = Floats{} + minus_inf;
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
        const Floats v = load<Floats>(x + i);
        lane = v > lane ? v : lane;
    }
    float m = minus_inf;
    for (; i < n; ++i) m = x[i] > m ? x[i] : m;
    for (int64_t l = 0; l < kLanes; ++l) m = lane[l] > m ? lane[l] : m;
    return m;
}

// Σ x[i]·y[i] over [0, n), in double.
inline double dot_of(const float* x, const float* y, int64_t n) {
    constexpr int64_t W = kLanes / 2;
    Doubles lane = {};
    int64_t i = 0;
    for (; i + W <= n; i += W)
        lane += __builtin_convertvector(load<HalfFloats>(x + i), Doubles) *
                __builtin_convertvector(load<HalfFloats>(y + i), Doubles);
    double total = 0.0;
    for (; i < n; ++i) total += double(x[i]) * double(y[i]);
    for (int64_t l = 0; l < W; ++l) total += lane[l];
    return total;
}

// ---- softmax -----------------------------------------------------------------------------------

// x[0..n) ← softmax(x·scale) = e^(x·scale − m) / Σ e^(x·scale − m), m the largest x·scale
// (scale > 0), as softmax.cpp computes it: the same max trick, the total in double. A slice of
// all −∞ (every key hidden) becomes 0.
inline void softmax_in_place(float* x, int64_t n, float scale = 1.0f) {
    const float m = max_of(x, n) * scale;
    if (m == -std::numeric_limits<float>::infinity()) {
        std::fill(x, x + n, 0.0f);
        return;
    }
    const float inv = static_cast<float>(1.0 / exp_array(x, x, n, scale, m));
    for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace ag::detail
