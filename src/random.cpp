// random.cpp — PyTorch's CPU random numbers, draw for draw: uniform floats, normal values, and the
// order in which initialisers consume them.
//
// Teaches: every "random" initial weight is a fixed recipe applied to a stream of 32-bit integers
// from a Mersenne Twister. Reproduce the stream and the recipes, and the weights are the same bits.
#include "ag/random.h"

#include <cmath>
#include <cstring>

namespace ag {

// ---- the generator -----------------------------------------------------------------------------

void Generator::manual_seed(uint64_t seed) {
    // mt19937 keeps 32 bits of the seed, as PyTorch's does; a reseed also forgets a cached normal.
    engine_.seed(static_cast<std::mt19937::result_type>(seed & 0xFFFFFFFFull));
    has_cached_normal_ = false;
    cached_normal_ = 0.0;
}

uint32_t Generator::random() { return static_cast<uint32_t>(engine_()); }

uint64_t Generator::random64() {
    uint64_t hi = random();
    uint64_t lo = random();
    return (hi << 32) | lo;
}

float Generator::uniform(float low, float high) {
    // 24 random bits -> a float in [0, 1) with every value exactly representable, then scaled.
    float u = static_cast<float>(random() & 0xFFFFFFu) * (1.0f / 16777216.0f);
    // u·(high − low) + low with one rounding (a fused multiply-add), as PyTorch's build computes
    // it; rounding the product first would move some weights by one ulp.
    return std::fma(u, high - low, low);
}

double Generator::normal_double() {
    if (has_cached_normal_) {
        has_cached_normal_ = false;
        return cached_normal_;
    }
    // Box–Muller: two uniforms in [0, 1) -> two independent N(0, 1) values; keep the second.
    const uint64_t mask53 = (uint64_t{1} << 53) - 1;
    const double scale53 = 1.0 / static_cast<double>(uint64_t{1} << 53);
    double u1 = static_cast<double>(random64() & mask53) * scale53;
    double u2 = static_cast<double>(random64() & mask53) * scale53;
    double r = std::sqrt(-2.0 * std::log(1.0 - u2));
    double theta = 2.0 * M_PI * u1;
    cached_normal_ = r * std::sin(theta);
    has_cached_normal_ = true;
    return r * std::cos(theta);
}

Generator& default_generator() {
    // One per thread: a manual_seed on one thread does not move another thread's draws, so
    // configurations trained side by side draw what they would draw one after the other.
    static thread_local Generator gen;  // PyTorch's default seed until manual_seed is called
    return gen;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

// ---- filling tensors ---------------------------------------------------------------------------

void uniform_(Tensor& t, float low, float high, Generator& gen) {
    for (float& x : t.mutable_values()) x = gen.uniform(low, high);
}

// ---- the float log and sincos of PyTorch's vectorised normal_ ----------------------------------
// On a CPU with AVX2, PyTorch's normal_ (n >= 16) does not call the C library's logf/cosf/sinf: it
// evaluates Cephes' single-precision polynomials eight lanes at a time, and its compiler fuses each
// product into the following addition (one rounding, an FMA). Both results are within an ulp or
// two of the true value, but not always the same ulp as the C library — and then the weights
// differ in the last bit. These two functions are those polynomials, one lane at a time, with the
// same fused steps (std::fma), so that our weights are PyTorch's to the bit.

// log(x) for x in (0, 1]: x = m·2^e with m in [√½, √2), then log(1 + f) by a polynomial in f.
static float cephes_logf(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    float e = static_cast<float>(static_cast<int32_t>(bits >> 23) - 0x7f) + 1.0f;
    bits = (bits & ~0x7f800000u) | 0x3f000000u;  // keep the mantissa, exponent of 0.5: m in [0.5, 1)
    float m;
    std::memcpy(&m, &bits, sizeof m);
    float f;  // log(x) = e·ln 2 + log(1 + f), f in [√½ − 1, √2 − 1)
    if (m < 0.707106781186547524f) {
        e -= 1.0f;
        f = (m - 1.0f) + m;  // 2m − 1, exact
    } else {
        f = m - 1.0f;
    }
    const float z = f * f;
    const float p[9] = {7.0376836292E-2f,  -1.1514610310E-1f, 1.1676998740E-1f,
                        -1.2420140846E-1f, 1.4249322787E-1f,  -1.6668057665E-1f,
                        2.0000714765E-1f,  -2.4999993993E-1f, 3.3333331174E-1f};
    float y = p[0];
    for (int i = 1; i < 9; ++i) y = std::fma(y, f, p[i]);
    y = y * f;
    y = std::fma(y, z, e * -2.12194440e-4f);  // + e·(low part of ln 2)
    y = std::fma(-z, 0.5f, y);                // − f²/2
    return std::fma(e, 0.693359375f, f + y);  // + e·(high part of ln 2)
}

// sin(x) and cos(x) for x >= 0: reduce by multiples of π/4 (π/4 split in three parts so the
// subtraction stays exact), then one of two short polynomials on [−π/4, π/4].
static void cephes_sincosf(float x, float& sin_x, float& cos_x) {
    int32_t j = static_cast<int32_t>(x * 1.27323954473516f);  // x / (π/4), truncated
    j = (j + 1) & ~1;                                         // an even octant
    const float y = static_cast<float>(j);
    x = std::fma(y, -0.78515625f, x);
    x = std::fma(y, -2.4187564849853515625e-4f, x);
    x = std::fma(y, -3.77489497744594108e-8f, x);  // x − j·π/4, |x| <= π/4
    const float z = x * x;
    float c = 2.443315711809948E-005f;  // cos on [−π/4, π/4]
    c = std::fma(c, z, -1.388731625493765E-003f);
    c = std::fma(c, z, 4.166664568298827E-002f);
    c = c * z;
    c = std::fma(c, z, -(z * 0.5f));
    c = c + 1.0f;
    float s = -1.9515295891E-4f;  // sin on [−π/4, π/4]
    s = std::fma(s, z, 8.3321608736E-3f);
    s = std::fma(s, z, -1.6666654611E-1f);
    s = s * z;
    s = std::fma(s, x, x);
    const bool swap = (j & 2) != 0;  // j = 2 (mod 4): sin and cos trade places
    const float sv = swap ? c : s, cv = swap ? s : c;
    sin_x = (j & 4) ? -sv : sv;
    cos_x = ((j - 2) & 4) ? cv : -cv;
}

// Box–Muller on a block of 16 uniforms: the first 8 give the radii, the last 8 the angles.
static void normal_fill_16(float* x, float mean, float std) {
    for (int j = 0; j < 8; ++j) {
        const float u1 = 1.0f - x[j];
        const float u2 = x[j + 8];
        const float radius = std::sqrt(-2.0f * cephes_logf(u1));
        const float theta = static_cast<float>(2.0 * M_PI) * u2;
        float sin_t, cos_t;
        cephes_sincosf(theta, sin_t, cos_t);
        x[j] = std::fma(radius * cos_t, std, mean);
        x[j + 8] = std::fma(radius * sin_t, std, mean);
    }
}

void normal_(Tensor& t, float mean, float std, Generator& gen) {
    Buffer& x = t.mutable_values();
    const size_t n = x.size();
    if (n >= 16) {
        // Fill everything with U[0, 1), transform whole blocks of 16; a ragged end is redrawn as
        // the last 16 slots (overlapping the previous block) and transformed again.
        for (float& v : x) v = gen.uniform(0.0f, 1.0f);
        for (size_t i = 0; i + 16 <= n; i += 16) normal_fill_16(x.data() + i, mean, std);
        if (n % 16 != 0) {
            float* tail = x.data() + n - 16;
            for (int i = 0; i < 16; ++i) tail[i] = gen.uniform(0.0f, 1.0f);
            normal_fill_16(tail, mean, std);
        }
    } else {
        // Few values: one double Box–Muller sample each (the pair's second half is cached).
        for (float& v : x)
            v = static_cast<float>(gen.normal_double() * static_cast<double>(std) +
                                   static_cast<double>(mean));
    }
}

Tensor rand_uniform(const Shape& shape, float low, float high, Generator& gen) {
    Tensor t = Tensor::zeros(shape);
    uniform_(t, low, high, gen);
    return t;
}

Tensor randn(const Shape& shape, Generator& gen) {
    Tensor t = Tensor::zeros(shape);
    normal_(t, 0.0f, 1.0f, gen);
    return t;
}

}  // namespace ag
