// shape.cpp — ops that move values around without changing them: reshape, transpose, narrow,
// select, stack, cat.
//
// Teaches: when an op only copies values from one place to another, its backward copies the
// gradient back along the same path (and adds where a value was copied more than once).
// Every tensor here is contiguous, so these ops copy; the view is [outer, dim, inner] blocks.
#include <algorithm>
#include <limits>

#include "ag/ops.h"
#include "op_util.h"

namespace ag {

Tensor reshape(const Tensor& x, const Shape& shape) {
    detail::require_defined("reshape", x);
    Shape target = shape;
    int64_t infer = -1;
    for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] == -1 && infer < 0) infer = static_cast<int64_t>(i);
        else if (target[i] < 0)
            throw std::invalid_argument("reshape: bad size " + std::to_string(target[i]) + " in " +
                                        shape_str(shape) + " (one -1 at most)");
    }
    if (infer >= 0) {
        Shape rest = target;
        rest[infer] = 1;
        int64_t known = shape_numel(rest, "reshape");  // also rejects sizes whose product overflows
        if (known == 0 || x.numel() % known != 0)
            throw std::invalid_argument("reshape: cannot view shape " + shape_str(x.shape()) + " as " +
                                        shape_str(shape));
        target[infer] = x.numel() / known;
    }
    if (shape_numel(target, "reshape") != x.numel())
        throw std::invalid_argument("reshape: shape " + shape_str(x.shape()) + " (" +
                                    std::to_string(x.numel()) + " values) cannot become " +
                                    shape_str(shape));
    return record("reshape", x.values(), std::move(target), {x}, [](Node& o) {
        // d reshape(x)/dx = 1 element for element (no value moves): dx = dy, read in the old shape
        if (float* gx = o.input_grad(0))
            for (size_t i = 0; i < o.grad.size(); ++i) gx[i] += o.grad[i];
    });
}

// ---- transpose ------------------------------------------------------------------------------

// View x as [A, d0, B, d1, C] and swap d0 with d1. Used forwards and (with the same arguments on
// the output shape) backwards.
static void swap_dims(const float* src, float* dst, const Shape& s, int64_t d0, int64_t d1, bool add) {
    int64_t A = detail::prod(s, 0, d0), n0 = s[d0], B = detail::prod(s, d0 + 1, d1), n1 = s[d1],
            C = detail::prod(s, d1 + 1, s.size());
    for (int64_t a = 0; a < A; ++a)
        for (int64_t i = 0; i < n0; ++i)
            for (int64_t b = 0; b < B; ++b)
                for (int64_t j = 0; j < n1; ++j)
                    for (int64_t c = 0; c < C; ++c) {
                        int64_t from = (((a * n0 + i) * B + b) * n1 + j) * C + c;
                        int64_t to = (((a * n1 + j) * B + b) * n0 + i) * C + c;
                        if (add) dst[to] += src[from];
                        else dst[to] = src[from];
                    }
}

// Does swapping d0 and d1 (d0 ≤ d1) leave every value where it is? Yes when, of the swapped dims
// and the dims between them, at most one has a size above 1: [B, L, 1, d] -> [B, 1, L, d], as
// attention's split into one head does, or d0 = d1.
static bool moves_no_value(const Shape& s, int64_t d0, int64_t d1) {
    return (s[d0] > 1) + (detail::prod(s, d0 + 1, d1) > 1) + (d0 != d1 && s[d1] > 1) <= 1;
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
    detail::require_defined("transpose", x);
    const Shape& s = x.shape();
    int64_t d0 = detail::normalize_dim("transpose", dim0, s);
    int64_t d1 = detail::normalize_dim("transpose", dim1, s);
    if (d0 > d1) std::swap(d0, d1);
    Shape out_shape = s;
    std::swap(out_shape[d0], out_shape[d1]);
    Buffer out(x.values().size());
    const bool nothing_moves = moves_no_value(s, d0, d1);
    if (nothing_moves) std::copy(x.values().begin(), x.values().end(), out.begin());
    else swap_dims(x.values().data(), out.data(), s, d0, d1, false);
    Shape oshape = out_shape;
    return record("transpose", std::move(out), std::move(oshape), {x}, [out_shape, d0, d1, nothing_moves](Node& o) {
        // y[.., j, .., i, ..] = x[.., i, .., j, ..]:  dx = transpose(dy, d0, d1) (a swap is its own inverse)
        float* gx = o.input_grad(0);
        if (!gx) return;
        if (nothing_moves)
            for (size_t i = 0; i < o.grad.size(); ++i) gx[i] += o.grad[i];
        else swap_dims(o.grad.data(), gx, out_shape, d0, d1, true);
    });
}

// ---- narrow and select ----------------------------------------------------------------------

// Walks the slice [start, start+len) of the middle dim of a [outer, n, inner] buffer ("full")
// alongside a compact [outer, len, inner] buffer ("part"): for each outer index the slice is one
// contiguous run of len·inner values, and f(full, part, count) gets where it starts in each.
template <class F>
static void for_slice(int64_t outer, int64_t n, int64_t inner, int64_t start, int64_t len, F f) {
    for (int64_t o = 0; o < outer; ++o) f((o * n + start) * inner, o * len * inner, len * inner);
}


// start + len for an error message, where both may be wild (and their sum overflow int64).
static std::string end_str(int64_t start, int64_t len) {
    const int64_t big = std::numeric_limits<int64_t>::max(), small = std::numeric_limits<int64_t>::min();
    if ((start > 0 && len > big - start) || (start < 0 && len < small - start)) return "overflow";
    return std::to_string(start + len);
}

static Tensor slice(const char* op, const Tensor& x, int64_t dim, int64_t start, int64_t len,
                    bool drop_dim) {
    detail::require_defined(op, x);
    const Shape& s = x.shape();
    int64_t d = detail::normalize_dim(op, dim, s);
    int64_t n = s[d];
    if (start < 0 || len < 0 || start > n || len > n - start)
        throw std::out_of_range(std::string(op) + ": " +
                                (drop_dim ? "index " + std::to_string(start)
                                          : "range [" + std::to_string(start) + ", " +
                                                end_str(start, len) + ")") +
                                " out of range for dim " + std::to_string(dim) + " of size " +
                                std::to_string(n) + " (shape " + shape_str(s) + ")");
    int64_t outer = detail::prod(s, 0, d), inner = detail::prod(s, d + 1, s.size());
    Buffer out(static_cast<size_t>(outer * len * inner));
    const float* v = x.values().data();
    for_slice(outer, n, inner, start, len, [&](int64_t f, int64_t p, int64_t count) { std::copy_n(v + f, count, out.data() + p); });
    Shape shape = s;
    if (drop_dim) shape.erase(shape.begin() + d);
    else shape[d] = len;
    return record(op, std::move(out), std::move(shape), {x}, [outer, n, inner, start, len](Node& o) {
        // d slice/dx = 1 inside the slice, 0 outside
        float* gx = o.input_grad(0);
        if (!gx) return;
        const float* g = o.grad.data();
        for_slice(outer, n, inner, start, len, [&](int64_t f, int64_t p, int64_t count) {
            detail::add_to(gx + f, g + p, count);
        });
    });
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
    return slice("narrow", x, dim, start, length, false);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
    if (x.defined() && index < 0) {  // like PyTorch, -1 is the last index
        int64_t d = detail::normalize_dim("select", dim, x.shape());
        if (index >= -x.shape()[d]) index += x.shape()[d];
    }
    return slice("select", x, dim, index, 1, true);
}

// ---- stack and cat ---------------------------------------------------------------------------

// Both join pieces along dim d: piece p fills rows [offset_p, offset_p + len_p) of that dim.
static Tensor join(const char* op, const std::vector<Tensor>& xs, int64_t dim, bool new_dim) {
    if (xs.empty()) throw std::invalid_argument(std::string(op) + ": needs at least one tensor");
    for (const Tensor& t : xs) detail::require_defined(op, t);
    const Shape& s0 = xs[0].shape();
    int64_t d = detail::normalize_dim(op, dim, s0, new_dim);
    std::vector<int64_t> lens;
    lens.reserve(xs.size());
    int64_t total = 0;
    for (size_t p = 0; p < xs.size(); ++p) {
        const Shape& s = xs[p].shape();
        bool ok = new_dim ? s == s0 : s.size() == s0.size();
        for (size_t i = 0; ok && !new_dim && i < s.size(); ++i) ok = i == size_t(d) || s[i] == s0[i];
        if (!ok)
            throw std::invalid_argument(std::string(op) + ": tensor " + std::to_string(p) +
                                        " has shape " + shape_str(s) + " but tensor 0 has " +
                                        shape_str(s0) +
                                        (new_dim ? " (all must match)" : " (all dims but " +
                                                                             std::to_string(dim) +
                                                                             " must match)"));
        lens.push_back(new_dim ? 1 : s[d]);
        total += lens.back();
    }
    int64_t outer = detail::prod(s0, 0, d);
    int64_t inner = detail::prod(s0, new_dim ? d : d + 1, s0.size());
    Shape shape = s0;
    if (new_dim) shape.insert(shape.begin() + d, total);
    else shape[d] = total;
    Buffer out = Buffer::uninitialized(static_cast<size_t>(outer * total * inner));  // the pieces fill it all
    int64_t offset = 0;
    for (size_t p = 0; p < xs.size(); ++p) {  // piece p is a slice of the output: copy it in
        const float* v = xs[p].values().data();
        for_slice(outer, total, inner, offset, lens[p], [&](int64_t f, int64_t q, int64_t count) {
            detail::copy_floats(out.data() + f, v + q, count);
        });
        offset += lens[p];
    }
    auto back = [lens = std::move(lens), outer, total, inner](Node& o) {
        // d join(x_0, .., x_n)/dx_p = 1 on the slice x_p filled, 0 elsewhere: dx_p = that slice of dy
        int64_t offset = 0;
        const float* g = o.grad.data();
        for (size_t p = 0; p < lens.size(); ++p) {
            // dx_p += its slice of dy: set into a fresh gradient (that is adding to zeros), else added
            const detail::InputGrad gx = detail::input_grad_to_fill(o, p, size_t(outer * lens[p] * inner));
            if (gx.data)
                for_slice(outer, total, inner, offset, lens[p], [&](int64_t f, int64_t q, int64_t count) {
                    if (gx.fresh) detail::copy_floats(gx.data + q, g + f, count);
                    else detail::add_to(gx.data + q, g + f, count);
                });
            offset += lens[p];
        }
    };
    return record(op, std::move(out), std::move(shape), xs, std::move(back));
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) { return join("stack", xs, dim, true); }
Tensor cat(const std::vector<Tensor>& xs, int64_t dim) { return join("cat", xs, dim, false); }

}  // namespace ag
