// op_util.h — small helpers shared by the ops (internal to src/): dims, shapes, error messages.
//
// Teaches: the few lines every op repeats, so that each op file shows only its own maths.
#pragma once

#include <stdexcept>
#include <string>

#include "ag/autograd.h"
#include "ag/tensor.h"

namespace ag::detail {

// Turns a possibly negative dim into 0..rank-1 (rank+1 allowed with allow_end, for stack).
inline int64_t normalize_dim(const char* op, int64_t dim, const Shape& shape, bool allow_end = false) {
    int64_t rank = static_cast<int64_t>(shape.size()) + (allow_end ? 1 : 0);
    int64_t d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank)
        throw std::out_of_range(std::string(op) + ": dim " + std::to_string(dim) +
                                " out of range for shape " + shape_str(shape));
    return d;
}

// Product of shape[begin, end).
inline int64_t prod(const Shape& s, size_t begin, size_t end) {
    int64_t p = 1;
    for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
    return p;
}

inline void require_defined(const char* op, const Tensor& t) {
    if (!t.defined()) throw std::invalid_argument(std::string(op) + ": input tensor is undefined");
}

}  // namespace ag::detail
