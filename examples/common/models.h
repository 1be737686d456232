// models.h — the notebook's two models, built from the engine's layers.
//
// Teaches: a model is layers registered in the order PyTorch creates them. That order is also
// the order the random initial weights are drawn in, so after ag::manual_seed(s) the weights
// equal PyTorch's after torch.manual_seed(s): RNN layers first, then the Linear.
#pragma once

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/ag.h"

namespace ex {

// Part 1 (context): RNN(1 -> hidden), then Linear(hidden -> 1) on every time step. The notebook
// uses hidden = 10.
struct RNNModel : ag::nn::Module {
    ag::nn::RNN rnn;       // RNN(1, hidden)   members are built in this order: the RNN draws first
    ag::nn::Linear dense;  // Linear(hidden, 1)

    explicit RNNModel(int64_t hidden = 10) : rnn(1, hidden), dense(hidden, 1) {
        register_module("rnn", rnn);
        register_module("dense", dense);
    }
    // x (B, L, input_size) -> (B, L, 1): every hidden state h_t read out by the Linear
    ag::Tensor forward(const ag::Tensor& x) const {
        auto [hidden, h_n] = rnn.forward(x);  // hidden (B, L, 10), h_n (1, B, 10)
        (void)h_n;
        return dense.forward(hidden);
    }
};

// Every layer's per-step states, and the model's output, from one forward pass.
struct StackedSteps {
    ag::Tensor output;                     // (B, L, 1)
    std::vector<ag::nn::RNNSteps> layers;  // [k]: layer k's hidden[0][t] (B, H) for every t
    std::vector<std::vector<ag::Tensor>> cells;  // LSTM only: [k][t] layer k's cell state c_t (B, H)
};

// The LSTM's forget gate f = σ(W_if x + b_if + W_hf h + b_hf) is rows H..2H of its biases. With
// b_if = B (bias_hh left as drawn) the gate starts near σ(B): open (≈ 1) for B ≈ 3, so the cell
// state, and its gradient, pass from step to step almost unchanged at first.
inline void set_forget_bias(ag::nn::LSTM& lstm, double bias) {
    const int64_t H = lstm.hidden_size;
    for (ag::Tensor& b : lstm.bias_ih) {  // (4H): rows i, f, g, o
        auto& v = b.mutable_values();  // (4H)
        for (int64_t j = H; j < 2 * H; ++j) v[j] = static_cast<float>(bias);
    }
}

// Part 1 (vanishing gradient): `depth` single-layer recurrent layers stacked (the first reads
// input_size numbers, the others `hidden`), each feeding its hidden states to the next, then
// Linear(hidden -> 1). The notebook uses depth 3, RNN layers and tanh (rnn1, rnn2, rnn3, dense);
// 06_gradient_flow also tries ReLU and the identity, and LSTM or GRU layers (lstm1.., gru1..);
// the benchmark, wider inputs.
struct VanishingRNNModel : ag::nn::Module {
    std::vector<std::unique_ptr<ag::nn::RNN>> rnns;    // kind "rnn": rnn1, rnn2, ... (held by
    std::vector<std::unique_ptr<ag::nn::LSTM>> lstms;  // kind "lstm"         pointer: a Module
    std::vector<std::unique_ptr<ag::nn::GRU>> grus;    // kind "gru"          cannot move once
    std::unique_ptr<ag::nn::Linear> dense;             //                     registered)

    explicit VanishingRNNModel(int depth = 3, int64_t hidden = 10,
                               ag::nn::Nonlinearity nonlinearity = ag::nn::Nonlinearity::Tanh,
                               int64_t input_size = 1, const std::string& kind = "rnn") {
        if (kind != "rnn" && kind != "lstm" && kind != "gru")
            throw std::invalid_argument("VanishingRNNModel: unknown layer kind '" + kind + "' (rnn, lstm or gru)");
        for (int k = 1; k <= depth; ++k) {
            const int64_t in = k == 1 ? input_size : hidden;
            const std::string name = kind + std::to_string(k);
            if (kind == "rnn") {
                rnns.push_back(std::make_unique<ag::nn::RNN>(in, hidden, 1, nonlinearity));
                register_module(name, *rnns.back());
            } else if (kind == "lstm") {
                lstms.push_back(std::make_unique<ag::nn::LSTM>(in, hidden));
                register_module(name, *lstms.back());
            } else {
                grus.push_back(std::make_unique<ag::nn::GRU>(in, hidden));
                register_module(name, *grus.back());
            }
        }
        dense = std::make_unique<ag::nn::Linear>(hidden, 1);  // drawn after every recurrent layer
        register_module("dense", *dense);
    }
    // x (B, L, 1) -> (B, L, 1)
    ag::Tensor forward(const ag::Tensor& x) const {
        ag::Tensor h = x;
        for (const auto& rnn : rnns) h = std::get<0>(rnn->forward(h));  // (B, L, H)
        for (const auto& lstm : lstms) h = std::get<0>(lstm->forward(h));
        for (const auto& gru : grus) h = std::get<0>(gru->forward(h));
        return dense->forward(h);
    }
    // The same computation, keeping each layer's hidden state (and cell state) at every step, so
    // that steps.layers[k].hidden[0][t].retain_grad() exposes dL/dh_t of layer k after backward.
    StackedSteps forward_steps(const ag::Tensor& x) const {
        StackedSteps steps;
        ag::Tensor h = x;
        for (const auto& rnn : rnns) {
            steps.layers.push_back(rnn->forward_steps(h));
            h = steps.layers.back().output;  // (B, L, H)
        }
        for (const auto& lstm : lstms) {
            ag::nn::LSTMSteps s = lstm->forward_steps(h);
            steps.layers.push_back({s.output, s.h_n, s.hidden});
            steps.cells.push_back(s.cell[0]);
            h = s.output;
        }
        for (const auto& gru : grus) {
            steps.layers.push_back(gru->forward_steps(h));
            h = steps.layers.back().output;
        }
        steps.output = dense->forward(h);
        return steps;
    }
    int depth() const { return static_cast<int>(rnns.size() + lstms.size() + grus.size()); }
};

// What the memory tests (07, 08) train: input (B, L, 1) -> output (B, L, 1), one per step.
struct SequenceModel : ag::nn::Module {
    virtual ag::Tensor forward(const ag::Tensor& x) const = 0;
};

// One recurrent layer of width `hidden` reading one number per step, then Linear(hidden -> 1) on
// every step: "rnn" (RNN(1, H)), "lstm" (LSTM(1, H)) or "gru" (GRU(1, H)), then the Linear, built
// after manual_seed, as PyTorch would. Registered as "rnn" / "lstm" / "gru", then "dense".
struct RecurrentModel : SequenceModel {
    std::unique_ptr<ag::nn::RNN> rnn;    // one of these three
    std::unique_ptr<ag::nn::LSTM> lstm;
    std::unique_ptr<ag::nn::GRU> gru;
    std::unique_ptr<ag::nn::Linear> dense;

    // forget_bias: the LSTM's forget-gate rows of bias_ih set to it (set_forget_bias); NaN: as drawn.
    RecurrentModel(const std::string& kind, int64_t hidden, double forget_bias = std::nan("")) {
        if (kind == "rnn") {
            rnn = std::make_unique<ag::nn::RNN>(1, hidden);
            register_module("rnn", *rnn);
        } else if (kind == "lstm") {
            lstm = std::make_unique<ag::nn::LSTM>(1, hidden);
            register_module("lstm", *lstm);
            if (!std::isnan(forget_bias)) set_forget_bias(*lstm, forget_bias);
        } else if (kind == "gru") {
            gru = std::make_unique<ag::nn::GRU>(1, hidden);
            register_module("gru", *gru);
        } else {
            throw std::invalid_argument("RecurrentModel: unknown kind '" + kind + "' (rnn, lstm or gru)");
        }
        dense = std::make_unique<ag::nn::Linear>(hidden, 1);
        register_module("dense", *dense);
    }
    // x (B, L, 1) -> (B, L, 1)
    ag::Tensor forward(const ag::Tensor& x) const override {
        const ag::Tensor h = rnn ? std::get<0>(rnn->forward(x))     // (B, L, H)
                             : lstm ? std::get<0>(lstm->forward(x))
                                    : std::get<0>(gru->forward(x));
        return dense->forward(h);  // (B, L, 1)
    }
};

// The transformer's answer (08_attention_memory): Linear(1 -> d) lifts each input to width d,
// the notebook's sinusoidal positional encoding is added (so that a step knows where it is), one
// causal self-attention layer lets step t look at any step ≤ t directly, and Linear(d -> 1) reads
// each step out. Built in that order after manual_seed: embed, attention, head.
struct AttentionModel : SequenceModel {
    ag::nn::Linear embed;                  // Linear(1, d)
    ag::nn::MultiheadAttention attention;  // MultiheadAttention(d, heads), causal
    ag::nn::Linear head;                   // Linear(d, 1)
    int64_t width;

    explicit AttentionModel(int64_t d, int64_t heads = 1) : embed(1, d), attention(d, heads), head(d, 1), width(d) {
        register_module("embed", embed);
        register_module("attention", attention);
        register_module("head", head);
    }
    // x (B, L, 1) -> (B, L, 1); `weights`, if given, receives the attention weights (B, L, L)
    ag::Tensor forward(const ag::Tensor& x, ag::Tensor* weights) const {
        const int64_t L = x.size(1);
        if (pe_.size(0) < L) pe_ = ag::nn::positional_encoding(L, width);   // (L, d), kept for the next call
        ag::Tensor e = embed.forward(x) + ag::narrow(pe_, 0, 0, L);          // (B, L, d) + (L, d)
        // Without `weights`, the attention skips making them (need_weights = false): the fused op.
        auto [out, w] = attention.forward(e, e, e, ag::Tensor(), /*causal=*/true,
                                          /*need_weights=*/weights != nullptr);  // (B, L, d), (B, L, L)
        if (weights) *weights = w;
        return head.forward(out);  // (B, L, 1)
    }
    ag::Tensor forward(const ag::Tensor& x) const override { return forward(x, nullptr); }

private:
    mutable ag::Tensor pe_ = ag::Tensor::zeros({0, 1});  // the positional encoding of the longest input yet
};

// sqrt(sum of squares) of every gradient of `module`'s parameters (0 for those without one).
inline double grad_norm(const ag::nn::Module& module) {
    double total = 0.0;
    for (const ag::Tensor& p : module.parameters()) {
        if (!p.has_grad()) continue;
        const ag::Tensor grad = p.grad();  // a copy: keep it alive while reading its values
        for (float g : grad.values()) total += static_cast<double>(g) * g;
    }
    return std::sqrt(total);
}

}  // namespace ex
