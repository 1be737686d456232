// elementwise.cpp — add, sub, mul, div between two tensors, with NumPy-style broadcasting.
//
// Teaches: broadcasting is an index mapping. Output element i reads a[ia] and b[ib], where a dim
// of size 1 (or a missing leading dim) always reads index 0. The backward uses the same mapping
// and adds (+=) into ga[ia]: an input value that was repeated over a dim receives the SUM of the
// gradients of all its copies — the rule that makes `bias [H]` + `x [B, H]` train correctly.
#include <algorithm>

#include "ag/ops.h"
#include "op_util.h"

namespace ag {
namespace {

// Where output element i reads its inputs: strides that are 0 along broadcast dims.
struct Broadcast {
    Shape out;
    std::vector<int64_t> stride_a, stride_b;  // per output dim
    bool same = false;                        // a, b and out have one shape: ia = ib = i
};

Broadcast broadcast(const char* op, const Shape& a, const Shape& b) {
    Broadcast bc;
    if (a == b) {
        bc.out = a;
        bc.same = true;
        return bc;
    }
    size_t rank = std::max(a.size(), b.size());
    bc.out.assign(rank, 1);
    bc.stride_a.assign(rank, 0);
    bc.stride_b.assign(rank, 0);
    int64_t sa = 1, sb = 1;
    for (size_t k = 0; k < rank; ++k) {  // from the last dim backwards
        size_t d = rank - 1 - k;
        int64_t da = k < a.size() ? a[a.size() - 1 - k] : 1;
        int64_t db = k < b.size() ? b[b.size() - 1 - k] : 1;
        if (da != db && da != 1 && db != 1)
            throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " +
                                        shape_str(b) + " cannot be broadcast (" +
                                        std::to_string(da) + " vs " + std::to_string(db) +
                                        " in dim " + std::to_string(d) + " of the result)");
        bc.out[d] = std::max(da, db);
        if (da == 0 || db == 0) bc.out[d] = 0;
        bc.stride_a[d] = da == 1 ? 0 : sa;
        bc.stride_b[d] = db == 1 ? 0 : sb;
        sa *= da;
        sb *= db;
    }
    return bc;
}

// Calls f(i, ia, ib) for every output element, walking the output row-major: the last dim as one
// run (ia and ib step by its strides), then the odometer carries over the dims before it.
template <class F>
void for_each(const Broadcast& bc, int64_t n, F f) {
    if (bc.same) {
        for (int64_t i = 0; i < n; ++i) f(i, i, i);
        return;
    }
    const size_t rank = bc.out.size();
    const int64_t run = bc.out[rank - 1], step_a = bc.stride_a[rank - 1], step_b = bc.stride_b[rank - 1];
    std::vector<int64_t> idx(rank, 0);
    int64_t ia = 0, ib = 0;
    for (int64_t i = 0; i < n; i += run) {
        for (int64_t j = 0; j < run; ++j) f(i + j, ia + j * step_a, ib + j * step_b);
        for (size_t d = rank - 1; d-- > 0;) {  // odometer: bump the dim before the run, carry leftwards
            ia += bc.stride_a[d];
            ib += bc.stride_b[d];
            if (++idx[d] < bc.out[d]) break;
            ia -= bc.stride_a[d] * bc.out[d];
            ib -= bc.stride_b[d] * bc.out[d];
            idx[d] = 0;
        }
    }
}

// The shared body of the four binary ops. `fwd(x, y)` gives the output value; `bwd(x, y, g, gx,
// gy)` adds the gradient contributions of one output element into gx and gy.
template <class Fwd, class Bwd>
Tensor binary(const char* op, const Tensor& a, const Tensor& b, Fwd fwd, Bwd bwd) {
    detail::require_defined(op, a);
    detail::require_defined(op, b);
    Broadcast bc = broadcast(op, a.shape(), b.shape());
    int64_t n = shape_numel(bc.out, op);
    Buffer out(static_cast<size_t>(n));
    const float* x = a.values().data();
    const float* y = b.values().data();
    for_each(bc, n, [&](int64_t i, int64_t ia, int64_t ib) { out[i] = fwd(x[ia], y[ib]); });
    Shape shape = bc.out;
    return record(op, std::move(out), std::move(shape), {a, b}, [bc = std::move(bc), bwd](Node& o) {
        const float* x = o.inputs[0].values().data();
        const float* y = o.inputs[1].values().data();
        float* gx = o.input_grad(0);
        float* gy = o.input_grad(1);
        float sink_x = 0, sink_y = 0;  // where the gradient of an input that needs none goes
        const float* g = o.grad.data();
        for_each(bc, static_cast<int64_t>(o.grad.size()), [&](int64_t i, int64_t ia, int64_t ib) {
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
