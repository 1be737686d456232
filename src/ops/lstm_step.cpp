// lstm_step.cpp — one time step of an LSTM as a single op.
//
// Teaches: the LSTM cell written out, forward and backward. Composed from engine ops a step is
// about fifteen nodes (select, matmul, add, four narrows and activations, three products, a sum,
// a tanh); fused it is one node whose backward is the chain rule through the four gates, written
// by hand. An op returns one tensor, so the step returns the new h and c side by side, [h | c];
// LSTM::forward_steps narrows them apart, and the next step reads those two tensors, so each
// h_t and c_t still receives every gradient that reaches it. A test checks that this op equals
// the composed cell, values and gradients.
#include <cmath>

#include "ag/detail/gemm.h"
#include "ag/detail/vmath.h"
#include "ag/ops.h"
#include "op_util.h"

namespace ag {

static float sigmoid_of(float a) { return 1.0f / (1.0f + std::exp(-a)); }

Tensor lstm_step(const Tensor& xw, int64_t t, const Tensor& h_prev, const Tensor& c_prev, const Tensor& w_hh) {
    for (const Tensor* p : {&xw, &h_prev, &c_prev, &w_hh}) detail::require_defined("lstm_step", *p);
    const Shape& sx = xw.shape();
    if (sx.size() != 3 || sx[2] % 4 != 0 || sx[2] == 0)
        throw std::invalid_argument("lstm_step: xw must be [batch, length, 4·hidden], got " + shape_str(sx));
    const int64_t B = sx[0], L = sx[1], H = sx[2] / 4;
    if (t < 0 || t >= L)
        throw std::out_of_range("lstm_step: step " + std::to_string(t) + " out of range for length " +
                                std::to_string(L) + " (xw shape " + shape_str(sx) + ")");
    auto is = [](const Shape& s, int64_t d0, int64_t d1) { return s.size() == 2 && s[0] == d0 && s[1] == d1; };
    if (!is(h_prev.shape(), B, H) || !is(c_prev.shape(), B, H) || !is(w_hh.shape(), 4 * H, H))
        throw std::invalid_argument("lstm_step: with xw " + shape_str(sx) + ", h_prev and c_prev must be [" +
                                    std::to_string(B) + ", " + std::to_string(H) + "] and w_hh [" +
                                    std::to_string(4 * H) + ", " + std::to_string(H) + "]; got " +
                                    shape_str(h_prev.shape()) + ", " + shape_str(c_prev.shape()) + " and " +
                                    shape_str(w_hh.shape()));

    // a = xw[:, t, :] + h_prev·W_hhᵀ  (B, 4H), the pre-activations of the gates i, f, g, o
    Buffer a;
    a.reserve(static_cast<size_t>(B * 4 * H));
    const float* x = xw.values().data();
    for (int64_t b = 0; b < B; ++b) a.insert(a.end(), x + (b * L + t) * 4 * H, x + (b * L + t + 1) * 4 * H);
    detail::gemm_nt(B, H, 4 * H, h_prev.values().data(), w_hh.values().data(), a.data());

    // gates (B, 5H): i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o), and tanh(c), kept for backward
    // c = f ⊙ c_prev + i ⊙ g ;  h = o ⊙ tanh(c) ;  out (B, 2H) = [h | c]
    Buffer gates(static_cast<size_t>(B * 5 * H));
    Buffer out(static_cast<size_t>(B * 2 * H));
    const float* cp = c_prev.values().data();
    for (int64_t b = 0; b < B; ++b) {
        const float* ab = a.data() + b * 4 * H;
        float* gb = gates.data() + b * 5 * H;
        for (int64_t j = 0; j < H; ++j) gb[j] = sigmoid_of(ab[j]);                  // i
        for (int64_t j = H; j < 2 * H; ++j) gb[j] = sigmoid_of(ab[j]);              // f
        detail::tanh_array(ab + 2 * H, gb + 2 * H, H);                               // g
        for (int64_t j = 3 * H; j < 4 * H; ++j) gb[j] = sigmoid_of(ab[j]);          // o
        float* hb = out.data() + b * 2 * H;
        float* cb = hb + H;
        for (int64_t j = 0; j < H; ++j) cb[j] = gb[H + j] * cp[b * H + j] + gb[j] * gb[2 * H + j];
        detail::tanh_array(cb, gb + 4 * H, H);                                       // tanh(c)
        for (int64_t j = 0; j < H; ++j) hb[j] = gb[3 * H + j] * gb[4 * H + j];
    }

    return record("lstm_step", std::move(out), Shape{B, 2 * H}, {xw, h_prev, c_prev, w_hh},
                  [t, gates = std::move(gates)](Node& o) {
        const Shape& sx = o.inputs[0].shape();
        const int64_t B = sx[0], L = sx[1], H = sx[2] / 4;
        // With dh, dc the gradients of the outputs:
        //   dc_total = dc + dh ⊙ o ⊙ (1 − tanh²(c))
        //   da_i = dc_total ⊙ g ⊙ i(1 − i),   da_f = dc_total ⊙ c_prev ⊙ f(1 − f),
        //   da_g = dc_total ⊙ i ⊙ (1 − g²),   da_o = dh ⊙ tanh(c) ⊙ o(1 − o),   dc_prev = dc_total ⊙ f
        const float* cp = o.inputs[2].values().data();
        Buffer da(static_cast<size_t>(B * 4 * H));
        float* gc = o.input_grad(2);
        for (int64_t b = 0; b < B; ++b) {
            const float* gb = gates.data() + b * 5 * H;
            const float *i = gb, *f = gb + H, *g = gb + 2 * H, *og = gb + 3 * H, *tc = gb + 4 * H;
            const float* dh = o.grad.data() + b * 2 * H;
            const float* dc = dh + H;
            float* d = da.data() + b * 4 * H;
            for (int64_t j = 0; j < H; ++j) {
                const float dct = dc[j] + dh[j] * og[j] * (1.0f - tc[j] * tc[j]);
                d[j] = dct * g[j] * i[j] * (1.0f - i[j]);
                d[H + j] = dct * cp[b * H + j] * f[j] * (1.0f - f[j]);
                d[2 * H + j] = dct * i[j] * (1.0f - g[j] * g[j]);
                d[3 * H + j] = dh[j] * tc[j] * og[j] * (1.0f - og[j]);
                if (gc) gc[b * H + j] += dct * f[j];
            }
        }
        // dxw[:, t, :] = da ;  dh_prev = da·W_hh ;  dW_hh = daᵀ·h_prev
        if (float* gx = o.input_grad(0))
            for (int64_t b = 0; b < B; ++b)
                for (int64_t j = 0; j < 4 * H; ++j) gx[(b * L + t) * 4 * H + j] += da[b * 4 * H + j];
        if (float* gh = o.input_grad(1)) detail::gemm_nn(B, 4 * H, H, da.data(), o.inputs[3].values().data(), gh);
        if (float* gw = o.input_grad(3)) detail::gemm_tn(4 * H, B, H, da.data(), o.inputs[1].values().data(), gw);
    });
}

}  // namespace ag
