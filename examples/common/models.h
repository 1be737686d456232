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
// uses hidden = 10; 07_memory_lag compares several sizes.
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

// Every RNN layer's per-step hidden states, and the model's output, from one forward pass.
struct StackedSteps {
    ag::Tensor output;                   // (B, L, 1)
    std::vector<ag::nn::RNNSteps> layers;  // [k]: layer k's hidden[0][t] (B, 10) for every t
};

// Part 1 (vanishing gradient): `depth` single-layer RNNs stacked (rnn1: 1 -> 10, then 10 -> 10),
// each feeding its hidden states to the next, then Linear(10 -> 1). The notebook uses depth 3 and
// tanh; 06_gradient_flow also tries ReLU and the identity; the benchmark, wider inputs.
struct VanishingRNNModel : ag::nn::Module {
    std::vector<std::unique_ptr<ag::nn::RNN>> rnns;  // rnn1, rnn2, ... (held by pointer: a
    std::unique_ptr<ag::nn::Linear> dense;           // Module cannot move once registered)

    explicit VanishingRNNModel(int depth = 3, int64_t hidden = 10,
                               ag::nn::Nonlinearity nonlinearity = ag::nn::Nonlinearity::Tanh,
                               int64_t input_size = 1) {
        for (int k = 1; k <= depth; ++k) {
            rnns.push_back(std::make_unique<ag::nn::RNN>(k == 1 ? input_size : hidden, hidden, 1, nonlinearity));
            register_module("rnn" + std::to_string(k), *rnns.back());
        }
        dense = std::make_unique<ag::nn::Linear>(hidden, 1);  // drawn after every RNN
        register_module("dense", *dense);
    }
    // x (B, L, 1) -> (B, L, 1)
    ag::Tensor forward(const ag::Tensor& x) const {
        ag::Tensor h = x;
        for (const auto& rnn : rnns) h = std::get<0>(rnn->forward(h));  // (B, L, 10)
        return dense->forward(h);
    }
    // The same computation, keeping each layer's hidden state at every step, so that
    // steps.layers[k].hidden[0][t].retain_grad() exposes dL/dh_t of layer k after backward.
    StackedSteps forward_steps(const ag::Tensor& x) const {
        StackedSteps steps;
        ag::Tensor h = x;
        for (const auto& rnn : rnns) {
            steps.layers.push_back(rnn->forward_steps(h));
            h = steps.layers.back().output;  // (B, L, 10)
        }
        steps.output = dense->forward(h);
        return steps;
    }
    int depth() const { return static_cast<int>(rnns.size()); }
};

// What the memory tests (07, 08) train: input (B, L, 1) -> output (B, L, 1), one per step.
struct SequenceModel : ag::nn::Module {
    virtual ag::Tensor forward(const ag::Tensor& x) const = 0;
};

// One recurrent layer of width `hidden` reading one number per step, then Linear(hidden -> 1) on
// every step: "rnn" (RNN(1, H)), "lstm" (LSTM(1, H)) or "gru" (GRU(1, H)), built in that order
// after manual_seed, as PyTorch would. Registered as "rnn" / "lstm" / "gru", then "dense".
struct RecurrentModel : SequenceModel {
    std::string kind;
    std::unique_ptr<ag::nn::RNN> rnn;
    std::unique_ptr<ag::nn::Linear> dense;

    RecurrentModel(const std::string& kind_, int64_t hidden) : kind(kind_) {
        if (kind == "rnn") {
            rnn = std::make_unique<ag::nn::RNN>(1, hidden);
            register_module("rnn", *rnn);
        } else {
            throw std::invalid_argument("RecurrentModel: unknown kind '" + kind + "' (rnn, lstm or gru)");
        }
        dense = std::make_unique<ag::nn::Linear>(hidden, 1);
        register_module("dense", *dense);
    }
    // x (B, L, 1) -> (B, L, 1)
    ag::Tensor forward(const ag::Tensor& x) const override {
        return dense->forward(std::get<0>(rnn->forward(x)));  // (B, L, H) -> (B, L, 1)
    }
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
