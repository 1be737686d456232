// elementwise.cpp — add, sub, mul, div between two tensors, with NumPy-style broadcasting.
//
// Teaches: broadcasting is an index mapping. Output element i reads a[ia] and b[ib], where a dim
// of size 1 (or a missing leading dim) always reads index 0. The backward uses the same mapping
// and adds (+=) into ga[ia]: an input value that was repeated over a dim receives the SUM of the
// gradients of all its copies — the rule that makes `bias [H]` + `x [B, H]` train correctly.
#include <algorithm>

#include "ag/ops.h"
#include "broadcast.h"
#include "op_util.h"

namespace ag {
namespace {

// The shared body of the four binary ops. `fwd(x, y)` gives the output value; `bwd(x, y, g, gx,
// gy)` adds the gradient contributions of one output element into gx and gy.
template <class Fwd, class Bwd>
Tensor binary(const char* op, const Tensor& a, const Tensor& b, Fwd fwd, Bwd bwd) {
    detail::require_defined(op, a);
    detail::require_defined(op, b);
    detail::Broadcast bc = detail::broadcast(op, a.shape(), b.shape());
    int64_t n = shape_numel(bc.out, op);
    Buffer out(static_cast<size_t>(n));
    const float* x = a.values().data();
    const float* y = b.values().data();
    detail::for_each(bc, n, [&](int64_t i, int64_t ia, int64_t ib) { out[i] = fwd(x[ia], y[ib]); });
    Shape shape = bc.out;
    return record(op, std::move(out), std::move(shape), {a, b}, [bc = std::move(bc), bwd](Node& o) {
        const float* x = o.inputs[0].values().data();
        const float* y = o.inputs[1].values().data();
        float* gx = o.input_grad(0);
        float* gy = o.input_grad(1);
        float sink_x = 0, sink_y = 0;  // where the gradient of an input that needs none goes
        const float* g = o.grad.data();
        detail::for_each(bc, static_cast<int64_t>(o.grad.size()), [&](int64_t i, int64_t ia, int64_t ib) {
            bwd(x[ia], y[ib], g[i], gx ? gx[ia] : sink_x, gy ? gy[ib] : sink_y);
        });
    });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    return binary("add", a, b, [](float x, float y) { return x + y; },
                  // d(a+b)/da = 1, d(a+b)/db = 1
                  [](float, float, float g, float& gx, float& gy) { gx += g; gy += g; });
}

Tensor sub(const Tensor& a, const Tensor& b) {
    return binary("sub", a, b, [](float x, float y) { return x - y; },
                  // d(a-b)/da = 1, d(a-b)/db = -1
                  [](float, float, float g, float& gx, float& gy) { gx += g; gy -= g; });
}

Tensor mul(const Tensor& a, const Tensor& b) {
    return binary("mul", a, b, [](float x, float y) { return x * y; },
                  // d(a*b)/da = b, d(a*b)/db = a
                  [](float x, float y, float g, float& gx, float& gy) { gx += y * g; gy += x * g; });
}

Tensor div(const Tensor& a, const Tensor& b) {
    return binary("div", a, b, [](float x, float y) { return x / y; },
                  // d(a/b)/da = 1/b, d(a/b)/db = -a/b²
                  [](float x, float y, float g, float& gx, float& gy) {
                      gx += g / y;
                      gy -= g * x / (y * y);
                  });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }

}  // namespace ag
