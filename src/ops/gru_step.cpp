// gru_step.cpp — one time step of a GRU as a single op.
//
// Teaches: the GRU cell written out, forward and backward. Its reset gate r multiplies the
// recurrent part of the candidate, r ⊙ (W_hn h + b_hn), bias included, so b_hh cannot join the
// input projection as it does for the RNN and the LSTM: the step adds it. Composed from engine
// ops a step is nineteen nodes (GRU's composed_step in src/nn/gru.cpp); fused it is one, and a
// test checks that both agree, values and gradients.
#include <cmath>

#include "ag/detail/gemm.h"
#include "ag/detail/vmath.h"
#include "ag/ops.h"
#include "op_util.h"

namespace ag {

Tensor gru_step(const Tensor& xw, int64_t t, const Tensor& h_prev, const Tensor& w_hh, const Tensor& b_hh) {
    for (const Tensor* p : {&xw, &h_prev, &w_hh, &b_hh}) detail::require_defined("gru_step", *p);
    const Shape& sx = xw.shape();
    if (sx.size() != 3 || sx[2] % 3 != 0 || sx[2] == 0)
        throw std::invalid_argument("gru_step: xw must be [batch, length, 3·hidden], got " + shape_str(sx));
    const int64_t B = sx[0], L = sx[1], H = sx[2] / 3;
    detail::require_step_in_range("gru_step", t, sx);
    const Shape &sh = h_prev.shape(), &sw = w_hh.shape(), &sb = b_hh.shape();
    if (!(sh.size() == 2 && sh[0] == B && sh[1] == H) || !(sw.size() == 2 && sw[0] == 3 * H && sw[1] == H) ||
        !(sb.size() == 1 && sb[0] == 3 * H))
        throw std::invalid_argument("gru_step: with xw " + shape_str(sx) + ", h_prev must be [" +
                                    std::to_string(B) + ", " + std::to_string(H) + "], w_hh [" +
                                    std::to_string(3 * H) + ", " + std::to_string(H) + "] and b_hh [" +
                                    std::to_string(3 * H) + "]; got " + shape_str(sh) + ", " +
                                    shape_str(sw) + " and " + shape_str(sb));

    // gh = h_prev·W_hhᵀ + b_hh  (B, 3H), rows r, z, n
    Buffer gh(static_cast<size_t>(B * 3 * H));
    const float* bias = b_hh.values().data();
    for (int64_t b = 0; b < B; ++b) std::copy(bias, bias + 3 * H, gh.data() + b * 3 * H);
    detail::gemm_nt(B, H, 3 * H, h_prev.values().data(), w_hh.values().data(), gh.data());

    // r = σ(xw_r + gh_r), z = σ(xw_z + gh_z), n = tanh(xw_n + r ⊙ gh_n), h = (1 − z) ⊙ n + z ⊙ h_prev
    // saved (B, 4H) = [r | z | n | gh_n] for the backward
    Buffer saved(static_cast<size_t>(B * 4 * H));
    Buffer h(static_cast<size_t>(B * H));
    const float* x = xw.values().data();
    const float* hp = h_prev.values().data();
    for (int64_t b = 0; b < B; ++b) {
        const float* xb = x + (b * L + t) * 3 * H;
        const float* gb = gh.data() + b * 3 * H;
        float* s = saved.data() + b * 4 * H;
        float *r = s, *z = s + H, *n = s + 2 * H, *ghn = s + 3 * H;
        for (int64_t j = 0; j < H; ++j) {
            r[j] = detail::sigmoid_of(xb[j] + gb[j]);
            z[j] = detail::sigmoid_of(xb[H + j] + gb[H + j]);
            ghn[j] = gb[2 * H + j];
            n[j] = xb[2 * H + j] + r[j] * ghn[j];  // the pre-activation; tanh below
        }
        detail::tanh_array(n, n, H);
        for (int64_t j = 0; j < H; ++j) h[b * H + j] = (1.0f - z[j]) * n[j] + z[j] * hp[b * H + j];
    }

    return record("gru_step", std::move(h), Shape{B, H}, {xw, h_prev, w_hh, b_hh},
                  [t, saved = std::move(saved)](Node& o) {
        const Shape& sx = o.inputs[0].shape();
        const int64_t B = sx[0], L = sx[1], H = sx[2] / 3;
        // With dh the gradient of the output:
        //   da_z = dh ⊙ (h_prev − n) ⊙ z(1 − z),   da_n = dh ⊙ (1 − z) ⊙ (1 − n²),
        //   da_r = da_n ⊙ gh_n ⊙ r(1 − r),   dgh = [da_r | da_z | da_n ⊙ r],   dh_prev = dh ⊙ z + dgh·W_hh
        const float* hp = o.inputs[1].values().data();
        Buffer dx(static_cast<size_t>(B * 3 * H)), dgh(static_cast<size_t>(B * 3 * H));
        float* gh_prev = o.input_grad(1);
        for (int64_t b = 0; b < B; ++b) {
            const float* s = saved.data() + b * 4 * H;
            const float *r = s, *z = s + H, *n = s + 2 * H, *ghn = s + 3 * H;
            const float* dh = o.grad.data() + b * H;
            float* dxb = dx.data() + b * 3 * H;
            float* dgb = dgh.data() + b * 3 * H;
            for (int64_t j = 0; j < H; ++j) {
                const float dan = dh[j] * (1.0f - z[j]) * (1.0f - n[j] * n[j]);
                const float daz = dh[j] * (hp[b * H + j] - n[j]) * z[j] * (1.0f - z[j]);
                const float dar = dan * ghn[j] * r[j] * (1.0f - r[j]);
                dxb[j] = dgb[j] = dar;
                dxb[H + j] = dgb[H + j] = daz;
                dxb[2 * H + j] = dan;
                dgb[2 * H + j] = dan * r[j];
                if (gh_prev) gh_prev[b * H + j] += dh[j] * z[j];
            }
        }
        // dxw[:, t, :] = dx ;  dh_prev += dgh·W_hh ;  dW_hh = dghᵀ·h_prev ;  db_hh = Σ_batch dgh
        if (float* gx = o.input_grad(0)) detail::add_to_step_rows(gx, dx.data(), B, L, t, 3 * H);
        if (gh_prev) detail::gemm_nn(B, 3 * H, H, dgh.data(), o.inputs[2].values().data(), gh_prev);
        if (float* gw = o.input_grad(2)) detail::gemm_tn(3 * H, B, H, dgh.data(), hp, gw);
        if (float* gb = o.input_grad(3))
            for (int64_t b = 0; b < B; ++b)
                for (int64_t j = 0; j < 3 * H; ++j) gb[j] += dgh[b * 3 * H + j];
    });
}

}  // namespace ag
