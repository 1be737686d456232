// sine.h — the notebook's input: a sine wave sampled at L evenly spaced points over [0, 4π].
//
// Teaches: the same numbers as numpy, step by step: linspace in double (the last point is exactly
// the stop), sin in double, then one rounding to float32 as torch.FloatTensor does.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "ag/tensor.h"

namespace ex {

// numpy.linspace(start, stop, n): step = (stop − start)/(n − 1), value i = start + i·step, and
// the last value is exactly stop. n = 1 gives {start}.
inline std::vector<double> linspace(double start, double stop, int64_t n) {
    std::vector<double> values;
    const double step = n > 1 ? (stop - start) / static_cast<double>(n - 1) : 0.0;
    for (int64_t i = 0; i < n; ++i) values.push_back(start + static_cast<double>(i) * step);
    if (n > 1) values.back() = stop;
    return values;
}

// sin(linspace(0, 4π, L)) as float32, shaped (1, L, 1): one sequence of L steps of 1 feature.
inline ag::Tensor sine_data(int64_t sequence_length) {
    const double four_pi = 4.0 * 3.14159265358979323846;
    std::vector<float> values;
    for (double x : linspace(0.0, four_pi, sequence_length)) values.push_back(static_cast<float>(std::sin(x)));
    return ag::Tensor(values, {1, sequence_length, 1});
}

}  // namespace ex
