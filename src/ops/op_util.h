// op_util.h — small helpers shared by the ops (internal to src/): dims, shapes, error messages.
//
// Teaches: the few lines every op repeats, so that each op file shows only its own maths.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "ag/autograd.h"
#include "ag/detail/simd.h"
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

// dst[0 .. n) += src[0 .. n), for a gradient added into another buffer: a register's worth at a
// time (simd.h), the short end (a whole row of 10) in one masked step.
inline void add_to(float* dst, const float* src, int64_t n) {
    for (int64_t i = 0; i < n; i += kLanes) {
        const int64_t w = std::min(kLanes, n - i);
        store_first(dst + i, load_first(dst + i, w) + load_first(src + i, w), w);
    }
}

// dst[0 .. n) = src[0 .. n). A row shorter than a register (a step's 10 values) is one masked
// load and store, not a call into the C library's memmove.
inline void copy_floats(float* dst, const float* src, int64_t n) {
    if (n < kLanes) store_first(dst, load_first(src, n), n);
    else std::copy_n(src, n, dst);
}

// Each of the `rows` rows of y (rows, width) set to `row` (width values), or to zeros when row is
// nullptr: a linear's output before the product is added to it.
inline void fill_rows(float* y, int64_t rows, int64_t width, const float* row) {
    if (!row) std::fill_n(y, rows * width, 0.0f);
    else if (width == 1) std::fill_n(y, rows, row[0]);
    else
        for (int64_t r = 0; r < rows; ++r) copy_floats(y + r * width, row, width);
}

// Input i's gradient (numel values, as many as input i has), as Node::input_grad gives it, for a
// backward that sends something to every one of those values (stack sends each piece its slice of
// dL/dy). When the gradient is fresh (nothing was added to it yet), its buffer is new and unset,
// and the backward sets every value: adding to zeros, without writing the zeros first. Otherwise it
// adds (+=), as every backward does. {nullptr, false} when input i needs no gradient.
struct InputGrad {
    float* data;
    bool fresh;  // the buffer is unset: set every value instead of adding
};
inline InputGrad input_grad_to_fill(Node& o, size_t i, size_t numel) {
    Node& in = o.inputs[i].node();
    if (!in.requires_grad) return {nullptr, false};
    const bool fresh = in.grad.empty();
    if (fresh) in.grad = Buffer::uninitialized(numel);
    return {in.grad.data(), fresh};
}

// ---- the step ops (rnn_step, lstm_cell, gru_step) read step t of xw [batch, length, width] ----

[[noreturn]] inline void throw_step_out_of_range(const char* op, int64_t t, const Shape& xw_shape) {
    throw std::out_of_range(std::string(op) + ": step " + std::to_string(t) + " out of range for length " +
                            std::to_string(xw_shape[1]) + " (xw shape " + shape_str(xw_shape) + ")");
}
inline void require_step_in_range(const char* op, int64_t t, const Shape& xw_shape) {
    if (t < 0 || t >= xw_shape[1]) throw_step_out_of_range(op, t, xw_shape);
}

// xw[:, t, :] as its own (batch, width) buffer.
inline Buffer step_rows(const Tensor& xw, int64_t t) {
    const int64_t B = xw.shape()[0], L = xw.shape()[1], W = xw.shape()[2];
    Buffer rows = Buffer::uninitialized(static_cast<size_t>(B * W));
    const float* x = xw.values().data();
    for (int64_t b = 0; b < B; ++b) copy_floats(rows.data() + b * W, x + (b * L + t) * W, W);
    return rows;
}

// gxw[:, t, :] += d, with gxw the gradient of xw [batch, length, width] and d (batch, width).
inline void add_to_step_rows(float* gxw, const float* d, int64_t B, int64_t L, int64_t t, int64_t W) {
    for (int64_t b = 0; b < B; ++b) add_to(gxw + (b * L + t) * W, d + b * W, W);
}

// σ(a) = 1 / (1 + e^(−a)), one value: the gates of lstm_step.cpp and gru_step.cpp.
inline float sigmoid_of(float a) { return 1.0f / (1.0f + std::exp(-a)); }

[[noreturn]] inline void throw_undefined(const char* op) {
    throw std::invalid_argument(std::string(op) + ": input tensor is undefined");
}
inline void require_defined(const char* op, const Tensor& t) {
    if (!t.defined()) throw_undefined(op);
}

// A mask holds 0 (keep) and 1 (`marks`: "fill", "hide") and nothing else; names the first other value.
inline void require_binary_mask(const char* op, const Tensor& mask, const char* marks) {
    const Buffer& m = mask.values();
    for (size_t i = 0; i < m.size(); ++i)
        if (m[i] != 0.0f && m[i] != 1.0f) {
            char value[32];
            std::snprintf(value, sizeof value, "%g", double(m[i]));
            throw std::invalid_argument(std::string(op) + ": mask of shape " + shape_str(mask.shape()) +
                                        " must hold only 0 (keep) and 1 (" + marks + "); value " +
                                        std::to_string(i) + " is " + value);
        }
}

}  // namespace ag::detail
