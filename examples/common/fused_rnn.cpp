// fused_rnn.cpp — forward, backprop-through-time and Adam for the stacked RNN, by hand.
//
// Teaches: backprop-through-time is a loop that runs time backwards, carrying dL/dh from step t to
// step t−1 through W_hh. Compare with src/nn/rnn.cpp, where the same gradients come from autograd.
#include "fused_rnn.h"

#include <algorithm>
#include <cmath>

#include "ag/detail/gemm.h"
#include "ag/detail/vmath.h"

namespace fused {

using ag::detail::gemm_nn;
using ag::detail::gemm_nt;
using ag::detail::gemm_tn;

std::vector<std::vector<float>*> StackedRNN::parameters() {
    std::vector<std::vector<float>*> p;
    for (Layer& l : rnn) {
        p.push_back(&l.w_ih);
        p.push_back(&l.w_hh);
        p.push_back(&l.b_ih);
        p.push_back(&l.b_hh);
    }
    p.push_back(&dense_w);
    p.push_back(&dense_b);
    return p;
}

void Adam::step(const std::vector<std::vector<float>*>& params, const std::vector<std::vector<float>>& grads) {
    if (m.empty())
        for (auto* p : params) {
            m.emplace_back(p->size(), 0.0f);
            v.emplace_back(p->size(), 0.0f);
        }
    ++t;
    const double bc1 = 1.0 - std::pow(beta1, double(t));           // bias corrections
    const double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2, double(t)));
    const float step_size = float(lr / bc1);
    const float b1 = float(beta1), b2 = float(beta2);
    for (size_t k = 0; k < params.size(); ++k) {
        float* p = params[k]->data();
        const float* g = grads[k].data();
        for (size_t i = 0; i < params[k]->size(); ++i) {
            m[k][i] = b1 * m[k][i] + (1.0f - b1) * g[i];               // first moment
            v[k][i] = b2 * v[k][i] + (1.0f - b2) * g[i] * g[i];        // second moment
            float denom = std::sqrt(v[k][i]) / float(bc2_sqrt) + float(eps);
            p[i] -= step_size * m[k][i] / denom;                        // the update
        }
    }
}

Trainer::Trainer(StackedRNN& model, double lr) : model_(model) { adam_.lr = lr; }

float Trainer::step(const std::vector<float>& x, const std::vector<float>& y, int64_t B, int64_t L) {
    StackedRNN& M = model_;
    const int64_t H = M.hidden, I = M.input, N = B * L;
    std::vector<std::vector<float>*> params = M.parameters();
    if (grads_.empty()) {
        for (auto* p : params) grads_.emplace_back(p->size());
        h_.assign(M.layers, std::vector<float>(N * H));
    }
    for (auto& g : grads_) std::fill(g.begin(), g.end(), 0.0f);

    // ---- forward -----------------------------------------------------------------------------
    x_tm_.resize(N * I);  // (B, L, I) -> time-major (L, B, I): one time step is one block
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < L; ++t)
            std::copy_n(&x[(b * L + t) * I], I, &x_tm_[(t * B + b) * I]);
    std::vector<float> whh_t(H * H);
    for (int64_t k = 0; k < M.layers; ++k) {
        StackedRNN::Layer& P = M.rnn[k];
        const int64_t in = k == 0 ? I : H;
        const float* input = k == 0 ? x_tm_.data() : h_[k - 1].data();
        float* h = h_[k].data();
        // z = x·W_ihᵀ + b_ih + b_hh for the whole sequence in one product
        for (int64_t r = 0; r < N; ++r)
            for (int64_t j = 0; j < H; ++j) h[r * H + j] = P.b_ih[j] + P.b_hh[j];
        gemm_nt(N, in, H, input, P.w_ih.data(), h);
        for (int64_t i = 0; i < H; ++i)
            for (int64_t j = 0; j < H; ++j) whh_t[j * H + i] = P.w_hh[i * H + j];
        // h_t = tanh(z_t + h_{t−1}·W_hhᵀ)
        for (int64_t t = 0; t < L; ++t) {
            float* ht = h + t * B * H;
            if (t > 0) gemm_nn(B, H, H, ht - B * H, whh_t.data(), ht);
            ag::detail::tanh_array(ht, ht, B * H);
        }
    }
    // out = h_top·wᵀ + b ; loss = mean((out − y)²)
    const float* top = h_[M.layers - 1].data();
    out_.assign(N, M.dense_b[0]);
    dout_.resize(N);
    double loss = 0.0;
    for (int64_t t = 0; t < L; ++t)
        for (int64_t b = 0; b < B; ++b) {
            int64_t r = t * B + b;
            float o = out_[r];
            for (int64_t j = 0; j < H; ++j) o += M.dense_w[j] * top[r * H + j];
            float diff = o - y[b * L + t];
            loss += double(diff) * diff;
            dout_[r] = 2.0f * diff / float(N);  // d mean((o−y)²)/do = 2(o − y)/N
        }

    // ---- backward ----------------------------------------------------------------------------
    std::vector<float>& g_dw = grads_[4 * M.layers];
    std::vector<float>& g_db = grads_[4 * M.layers + 1];
    din_.assign(N * H, 0.0f);  // dL/dh from above, for every step of the current layer
    for (int64_t r = 0; r < N; ++r) {
        g_db[0] += dout_[r];                                                    // db = Σ dout
        for (int64_t j = 0; j < H; ++j) {
            g_dw[j] += dout_[r] * top[r * H + j];                               // dw = Σ dout·h
            din_[r * H + j] = dout_[r] * M.dense_w[j];                          // dh = dout·w
        }
    }
    dz_.resize(N * H);
    dh_next_.resize(B * H);
    for (int64_t k = M.layers - 1; k >= 0; --k) {
        StackedRNN::Layer& P = M.rnn[k];
        const int64_t in = k == 0 ? I : H;
        const float* input = k == 0 ? x_tm_.data() : h_[k - 1].data();
        const float* h = h_[k].data();
        std::fill(dh_next_.begin(), dh_next_.end(), 0.0f);
        // Backprop through time: dh_t = (from above) + dz_{t+1}·W_hh ; dz_t = dh_t ⊙ (1 − h_t²)
        for (int64_t t = L - 1; t >= 0; --t) {
            const float* ht = h + t * B * H;
            float* dz = dz_.data() + t * B * H;
            for (int64_t i = 0; i < B * H; ++i)
                dz[i] = (din_[t * B * H + i] + dh_next_[i]) * (1.0f - ht[i] * ht[i]);
            std::fill(dh_next_.begin(), dh_next_.end(), 0.0f);
            if (t > 0) gemm_nn(B, H, H, dz, P.w_hh.data(), dh_next_.data());
        }
        std::vector<float>& g_wih = grads_[4 * k];
        std::vector<float>& g_whh = grads_[4 * k + 1];
        std::vector<float>& g_bih = grads_[4 * k + 2];
        std::vector<float>& g_bhh = grads_[4 * k + 3];
        gemm_tn(H, N, in, dz_.data(), input, g_wih.data());                       // dW_ih = dzᵀ·x
        if (L > 1) gemm_tn(H, (L - 1) * B, H, dz_.data() + B * H, h, g_whh.data());  // dW_hh = dz_tᵀ·h_{t−1}
        for (int64_t r = 0; r < N; ++r)
            for (int64_t j = 0; j < H; ++j) g_bih[j] += dz_[r * H + j];           // db = Σ dz
        g_bhh = g_bih;
        if (k > 0) {  // the layer below receives dz·W_ih
            din_.assign(N * H, 0.0f);
            gemm_nn(N, H, H, dz_.data(), P.w_ih.data(), din_.data());
        }
    }
    adam_.step(params, grads_);
    return float(loss / double(N));
}

}  // namespace fused
