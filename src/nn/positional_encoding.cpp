// positional_encoding.cpp — sines and cosines of the position at d_model/2 frequencies.
//
// Teaches: the encoding is a fixed table, not a learned one: column pair (2i, 2i+1) turns at the
// angular frequency 1/10000^(2i/d), from one turn per 2π positions down to very slow ones.
#include "ag/nn/positional_encoding.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace ag::nn {

Tensor positional_encoding(int64_t max_len, int64_t d_model) {
    if (max_len < 1 || d_model < 1)
        throw std::invalid_argument("positional_encoding: max_len and d_model must be positive, got " +
                                    std::to_string(max_len) + " and " + std::to_string(d_model));
    std::vector<float> pe(static_cast<size_t>(max_len * d_model));
    for (int64_t pos = 0; pos < max_len; ++pos) {
        for (int64_t col = 0; col < d_model; col += 2) {
            // col = 2i; computed in double, rounded once to float
            const double angle = static_cast<double>(pos) /
                                 std::pow(10000.0, static_cast<double>(col) / static_cast<double>(d_model));
            pe[pos * d_model + col] = static_cast<float>(std::sin(angle));
            if (col + 1 < d_model) pe[pos * d_model + col + 1] = static_cast<float>(std::cos(angle));
        }
    }
    return Tensor(std::move(pe), {max_len, d_model});
}

}  // namespace ag::nn
