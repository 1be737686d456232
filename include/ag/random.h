// random.h — the random numbers behind default initialisation, identical to PyTorch's CPU
// generator: after manual_seed(s) the same draws, so the same initial weights, as
// torch.manual_seed(s).
//
// Teaches: "random" weights are a deterministic function of the seed. PyTorch's CPU generator is
// a Mersenne Twister (mt19937); uniform and normal values are made from its 32- and 64-bit draws
// by the recipes in random.cpp.
#pragma once

#include <cstdint>
#include <random>

#include "ag/tensor.h"

namespace ag {

class Generator {
public:
    explicit Generator(uint64_t seed = 67280421310721ull) { manual_seed(seed); }
    void manual_seed(uint64_t seed);
    uint32_t random();    // one 32-bit draw
    uint64_t random64();  // (first << 32) | second
    // One float uniform in [low, high): (draw32 & 0xFFFFFF)·2⁻²⁴ scaled, all in float.
    float uniform(float low, float high);
    // One double standard normal by Box–Muller from two 53-bit uniforms; the second value of
    // each pair is cached and returned by the next call.
    double normal_double();

private:
    std::mt19937 engine_;
    bool has_cached_normal_ = false;
    double cached_normal_ = 0.0;
};

// The generator used by default initialisation (PyTorch's default CPU generator). Each thread
// has its own: manual_seed(s) reseeds the calling thread's generator only, and a new thread
// starts from PyTorch's default seed. Two threads that each call manual_seed(s) and build the
// same model get the same weights, as they would one after the other on one thread.
Generator& default_generator();
void manual_seed(uint64_t seed);  // reseeds this thread's default_generator(), like torch.manual_seed

// Fill `t` in place, drawing from `gen`, exactly as PyTorch's tensor.uniform_ / tensor.normal_
// (for 16 values or more, normal_ reproduces the vectorised path PyTorch takes on an AVX2 CPU).
void uniform_(Tensor& t, float low, float high, Generator& gen = default_generator());
void normal_(Tensor& t, float mean = 0.0f, float std = 1.0f, Generator& gen = default_generator());

// New tensors: U(low, high) and N(0, 1), shape `shape`, in PyTorch's draw order.
Tensor rand_uniform(const Shape& shape, float low, float high, Generator& gen = default_generator());
Tensor randn(const Shape& shape, Generator& gen = default_generator());

}  // namespace ag
