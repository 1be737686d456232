// rnn_step.cpp — one time step of an Elman RNN as a single op.
//
// Teaches: h_t = act(xw_t + h_{t−1}·W_hhᵀ) composed from engine ops is four nodes per step
// (select, matmul, add, activation, plus their buffers). Over 100,000 steps that is 400,000
// nodes, and the per-node cost dominates both time and memory. Fused, a step is one node
// whose backward is the cell's derivative written out. The RNN still loops over time visibly and
// backprop-through-time still comes from autograd walking those nodes backwards; a test checks
// that this op equals the composed ops, values and gradients.
#include <algorithm>
#include <cmath>

#include "ag/detail/gemm.h"
#include "ag/ops.h"
#include "ag/detail/vmath.h"
#include "op_util.h"

namespace ag {

Tensor rnn_step(const Tensor& xw, int64_t t, const Tensor& h_prev, const Tensor& w_hh, Nonlinearity act) {
    for (const Tensor* p : {&xw, &h_prev, &w_hh}) detail::require_defined("rnn_step", *p);
    const Shape& sx = xw.shape();
    if (sx.size() != 3)
        throw std::invalid_argument("rnn_step: xw must be [batch, length, hidden], got " + shape_str(sx));
    const int64_t B = sx[0], H = sx[2];
    detail::require_step_in_range("rnn_step", t, sx);
    auto is = [](const Shape& s, int64_t d0, int64_t d1) { return s.size() == 2 && s[0] == d0 && s[1] == d1; };
    if (!is(h_prev.shape(), B, H) || !is(w_hh.shape(), H, H))
        throw std::invalid_argument("rnn_step: with xw " + shape_str(sx) + ", h_prev must be [" +
                                    std::to_string(B) + ", " + std::to_string(H) + "] and w_hh [" +
                                    std::to_string(H) + ", " + std::to_string(H) + "]; got " +
                                    shape_str(h_prev.shape()) + " and " + shape_str(w_hh.shape()));
    // z = xw[:, t, :] + h_prev·W_hhᵀ ; h = act(z)
    Buffer h = detail::step_rows(xw, t);  // starts as xw[:, t, :]
    detail::gemm_nt(B, H, H, h_prev.values().data(), w_hh.values().data(), h.data());
    if (act == Nonlinearity::Tanh) detail::tanh_array(h.data(), h.data(), B * H);  // vmath.h
    else if (act == Nonlinearity::ReLU)
        for (float& v : h) v = v > 0.0f ? v : 0.0f;

    // The closure captures 16 bytes (t, act), small enough for std::function to store without a heap
    // allocation; the sizes are read back from the inputs' shapes.
    return record("rnn_step", std::move(h), Shape{B, H}, {xw, h_prev, w_hh}, [t, act](Node& o) {
        const Shape& sx = o.inputs[0].shape();
        const int64_t B = sx[0], L = sx[1], H = sx[2];
        // dz = dh ⊙ act'(z)  (tanh' = 1 − h², relu' = [h > 0], identity' = 1)
        const float* hv = o.values.data();
        const float* g = o.grad.data();
        const size_t n = o.grad.size();
        float small[256];  // scratch on the stack for the usual small sizes
        Buffer large(n <= 256 ? 0 : n);
        float* dz = n <= 256 ? small : large.data();
        if (act == Nonlinearity::Tanh)
            for (size_t i = 0; i < n; ++i) dz[i] = g[i] * (1.0f - hv[i] * hv[i]);
        else if (act == Nonlinearity::ReLU)
            for (size_t i = 0; i < n; ++i) dz[i] = hv[i] > 0.0f ? g[i] : 0.0f;
        else
            std::copy(g, g + n, dz);
        // dxw[:, t, :] = dz ;  dh_prev = dz·W_hh ;  dW_hh = dzᵀ·h_prev
        if (float* gx = o.input_grad(0)) detail::add_to_step_rows(gx, dz, B, L, t, H);
        if (float* gh = o.input_grad(1)) detail::gemm_nn_for_gradient(B, H, H, dz, o.inputs[2].values().data(), gh);
        if (float* gw = o.input_grad(2)) detail::gemm_tn(H, B, H, dz, o.inputs[1].values().data(), gw);
    });
}

}  // namespace ag
