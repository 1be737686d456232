// positional_encoding.h — the sinusoidal position signal of "Attention Is All You Need".
//
// Teaches: a position becomes a vector of sines and cosines of geometrically spaced frequencies,
// so nearby positions get similar vectors and any offset is a fixed rotation of each pair.
#pragma once

#include <cstdint>

#include "ag/tensor.h"

namespace ag::nn {

// -> (max_len, d_model), no gradient:
//   PE[pos, 2i]   = sin(pos / 10000^(2i / d_model))
//   PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model))
// An odd d_model ends with a sine column (its cosine partner would be column d_model).
Tensor positional_encoding(int64_t max_len, int64_t d_model);

}  // namespace ag::nn

namespace ag {
using nn::positional_encoding;  // also reachable as ag::positional_encoding
}  // namespace ag
