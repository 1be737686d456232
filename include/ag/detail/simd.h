// simd.h — vectors of floats and doubles, one machine register wide, for gemm.h and vmath.h.
//
// Machinery, not maths: GCC's and Clang's vector extension. `a * b` and `a + b` act lane by lane,
// a scalar in an expression stands for a vector of copies of it, `a > b ? a : b` picks lane by
// lane, and __builtin_convertvector converts every lane (float to double and back). The compiler
// keeps each vector in one register: 16 floats with AVX-512, 8 with AVX, else 4.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>  // AVX-512's masked loads and stores (load_first, store_first), the permutes of pick_lanes
#endif

namespace ag::detail {

#if defined(__AVX512F__)
constexpr int64_t kLanes = 16;
#elif defined(__AVX__)
constexpr int64_t kLanes = 8;
#else
constexpr int64_t kLanes = 4;
#endif
typedef float Floats __attribute__((vector_size(kLanes * sizeof(float))));
typedef float HalfFloats __attribute__((vector_size(kLanes / 2 * sizeof(float))));  // half a register
typedef double Doubles __attribute__((vector_size(kLanes / 2 * sizeof(double))));   // as many lanes as HalfFloats
typedef int64_t Int64s __attribute__((vector_size(kLanes / 2 * sizeof(int64_t))));  // the same, as integers
typedef int32_t Int32s __attribute__((vector_size(kLanes * sizeof(int32_t))));      // as many lanes as Floats

template <class V>
inline V load(const float* p) {  // lanes from p[0 ..], any alignment
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class V>
inline void store(float* p, V v) {
    std::memcpy(p, &v, sizeof v);
}

// The first n lanes (0 ≤ n ≤ kLanes) of a Floats from p, the other lanes 0, and the store of a
// Floats' first n lanes to p[0 .. n), which writes nothing after them: the short end of a row, or
// a whole register (n = kLanes). With AVX-512 each is one masked instruction.
inline Floats load_first(const float* p, int64_t n) {
#if defined(__AVX512F__)
    return reinterpret_cast<Floats>(_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p));
#else
    if (n == kLanes) return load<Floats>(p);
    Floats v = {};
    for (int64_t i = 0; i < n; ++i) v[i] = p[i];
    return v;
#endif
}
inline void store_first(float* p, Floats v, int64_t n) {
#if defined(__AVX512F__)
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), reinterpret_cast<__m512>(v));
#else
    if (n == kLanes) return store(p, v);
    for (int64_t i = 0; i < n; ++i) p[i] = v[i];
#endif
}

// Lane l of the result is v[index[l]] (each index in 0 .. kLanes−1): with AVX2 or AVX-512, one
// permute instruction.
inline Floats pick_lanes(Floats v, Int32s index) {
#if defined(__AVX512F__)
    return reinterpret_cast<Floats>(  // (the masked form, with every lane kept: GCC 12 warns on the other)
        _mm512_maskz_permutexvar_ps(0xffff, reinterpret_cast<__m512i>(index), reinterpret_cast<__m512>(v)));
#elif defined(__AVX2__)
    return reinterpret_cast<Floats>(_mm256_permutevar8x32_ps(reinterpret_cast<__m256>(v), reinterpret_cast<__m256i>(index)));
#else
    Floats picked;
    for (int64_t l = 0; l < kLanes; ++l) picked[l] = v[index[l]];
    return picked;
#endif
}

}  // namespace ag::detail
