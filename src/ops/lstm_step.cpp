// lstm_step.cpp — one time step of an LSTM as two ops: the cell state, then the hidden state.
//
// Teaches: the LSTM cell written out, forward and backward. Composed from engine ops a step is
// seventeen nodes (select, transpose, matmul, add, four narrows, four activations, three
// products, a sum and a tanh); fused it is three. lstm_cell makes the new cell state c and the output gate o side by
// side, [c | o]; LSTM::forward_steps narrows c out, and lstm_hidden makes h = o ⊙ tanh(c) from
// that tensor c. Why not one op for h and c together: h must read the tensor c_t, so that the
// gradient on c_t (what retain_grad() shows) includes the path through h_t, as in PyTorch.
// A test checks that these ops equal the composed cell, values and gradients.
#include <cmath>

#include "ag/detail/gemm.h"
#include "ag/detail/vmath.h"
#include "ag/ops.h"
#include "op_util.h"

namespace ag {

// ---- lstm_cell: [c | o] ------------------------------------------------------------------------

Tensor lstm_cell(const Tensor& xw, int64_t t, const Tensor& h_prev, const Tensor& c_prev, const Tensor& w_hh) {
    for (const Tensor* p : {&xw, &h_prev, &c_prev, &w_hh}) detail::require_defined("lstm_cell", *p);
    const Shape& sx = xw.shape();
    if (sx.size() != 3 || sx[2] % 4 != 0 || sx[2] == 0)
        throw std::invalid_argument("lstm_cell: xw must be [batch, length, 4·hidden], got " + shape_str(sx));
    const int64_t B = sx[0], H = sx[2] / 4;
    detail::require_step_in_range("lstm_cell", t, sx);
    auto is = [](const Shape& s, int64_t d0, int64_t d1) { return s.size() == 2 && s[0] == d0 && s[1] == d1; };
    if (!is(h_prev.shape(), B, H) || !is(c_prev.shape(), B, H) || !is(w_hh.shape(), 4 * H, H))
        throw std::invalid_argument("lstm_cell: with xw " + shape_str(sx) + ", h_prev and c_prev must be [" +
                                    std::to_string(B) + ", " + std::to_string(H) + "] and w_hh [" +
                                    std::to_string(4 * H) + ", " + std::to_string(H) + "]; got " +
                                    shape_str(h_prev.shape()) + ", " + shape_str(c_prev.shape()) + " and " +
                                    shape_str(w_hh.shape()));

    // a = xw[:, t, :] + h_prev·W_hhᵀ  (B, 4H), the pre-activations of the gates i, f, g, o
    Buffer a = detail::step_rows(xw, t);
    detail::gemm_nt(B, H, 4 * H, h_prev.values().data(), w_hh.values().data(), a.data());

    // i = σ(a_i), f = σ(a_f), g = tanh(a_g) (kept for the backward, (B, 3H)), o = σ(a_o)
    // out (B, 2H) = [c | o] with c = f ⊙ c_prev + i ⊙ g
    Buffer ifg(static_cast<size_t>(B * 3 * H));
    Buffer out(static_cast<size_t>(B * 2 * H));
    const float* cp = c_prev.values().data();
    for (int64_t b = 0; b < B; ++b) {
        const float* ab = a.data() + b * 4 * H;
        float *i = ifg.data() + b * 3 * H, *f = i + H, *g = i + 2 * H;
        float *c = out.data() + b * 2 * H, *o = c + H;
        for (int64_t j = 0; j < H; ++j) {
            i[j] = detail::sigmoid_of(ab[j]);
            f[j] = detail::sigmoid_of(ab[H + j]);
            o[j] = detail::sigmoid_of(ab[3 * H + j]);
        }
        detail::tanh_array(ab + 2 * H, g, H);
        for (int64_t j = 0; j < H; ++j) c[j] = f[j] * cp[b * H + j] + i[j] * g[j];
    }

    return record("lstm_cell", std::move(out), Shape{B, 2 * H}, {xw, h_prev, c_prev, w_hh},
                  [t, ifg = std::move(ifg)](Node& n) {
        const Shape& sx = n.inputs[0].shape();
        const int64_t B = sx[0], L = sx[1], H = sx[2] / 4;
        // da_i = dc ⊙ g ⊙ i(1 − i), da_f = dc ⊙ c_prev ⊙ f(1 − f), da_g = dc ⊙ i ⊙ (1 − g²),
        // da_o = do ⊙ o(1 − o), dc_prev = dc ⊙ f
        const float* cp = n.inputs[2].values().data();
        Buffer da(static_cast<size_t>(B * 4 * H));
        float* gc = n.input_grad(2);
        for (int64_t b = 0; b < B; ++b) {
            const float *i = ifg.data() + b * 3 * H, *f = i + H, *g = i + 2 * H;
            const float* o = n.values.data() + b * 2 * H + H;
            const float *dc = n.grad.data() + b * 2 * H, *d_o = dc + H;
            float* d = da.data() + b * 4 * H;
            for (int64_t j = 0; j < H; ++j) {
                d[j] = dc[j] * g[j] * i[j] * (1.0f - i[j]);
                d[H + j] = dc[j] * cp[b * H + j] * f[j] * (1.0f - f[j]);
                d[2 * H + j] = dc[j] * i[j] * (1.0f - g[j] * g[j]);
                d[3 * H + j] = d_o[j] * o[j] * (1.0f - o[j]);
                if (gc) gc[b * H + j] += dc[j] * f[j];
            }
        }
        // dxw[:, t, :] = da ;  dh_prev = da·W_hh ;  dW_hh = daᵀ·h_prev
        if (float* gx = n.input_grad(0)) detail::add_to_step_rows(gx, da.data(), B, L, t, 4 * H);
        if (float* gh = n.input_grad(1)) detail::gemm_nn(B, 4 * H, H, da.data(), n.inputs[3].values().data(), gh);
        if (float* gw = n.input_grad(3)) detail::gemm_tn(4 * H, B, H, da.data(), n.inputs[1].values().data(), gw);
    });
}

// ---- lstm_hidden: h = o ⊙ tanh(c) --------------------------------------------------------------

Tensor lstm_hidden(const Tensor& co, const Tensor& c) {
    detail::require_defined("lstm_hidden", co);
    detail::require_defined("lstm_hidden", c);
    const Shape &s2 = co.shape(), &s = c.shape();
    if (s.size() != 2 || s2.size() != 2 || s2[0] != s[0] || s2[1] != 2 * s[1])
        throw std::invalid_argument("lstm_hidden: co must be [batch, 2·hidden] ([c | o], from lstm_cell) and c "
                                    "[batch, hidden]; got " + shape_str(s2) + " and " + shape_str(s));
    const int64_t B = s[0], H = s[1];
    Buffer h(static_cast<size_t>(B * H));
    detail::tanh_array(c.values().data(), h.data(), B * H);  // tanh(c), then times o
    for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < H; ++j) h[b * H + j] *= co.values()[b * 2 * H + H + j];
    return record("lstm_hidden", std::move(h), Shape{B, H}, {co, c}, [](Node& n) {
        // d(o ⊙ tanh c)/do = tanh c,  d(o ⊙ tanh c)/dc = o ⊙ (1 − tanh² c)
        const Shape& s = n.inputs[1].shape();
        const int64_t B = s[0], H = s[1];
        Buffer tc(static_cast<size_t>(B * H));
        detail::tanh_array(n.inputs[1].values().data(), tc.data(), B * H);
        const float* o = n.inputs[0].values().data() + H;  // row b at o[b·2H]
        float* gco = n.input_grad(0);
        float* gc = n.input_grad(1);
        for (int64_t b = 0; b < B; ++b)
            for (int64_t j = 0; j < H; ++j) {
                const float dh = n.grad[b * H + j], th = tc[b * H + j];
                if (gco) gco[b * 2 * H + H + j] += dh * th;
                if (gc) gc[b * H + j] += dh * o[b * 2 * H + j] * (1.0f - th * th);
            }
    });
}

}  // namespace ag
