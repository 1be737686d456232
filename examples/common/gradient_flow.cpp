// gradient_flow.cpp — the per-step hidden-state gradients of a stacked RNN, for one loss at the end.
//
// Teaches: reading ∂L/∂h_t needs no new machinery: forward_steps keeps every h_t as a tensor,
// retain_grad() asks backward to keep its gradient, and one backward() fills them all.
#include "gradient_flow.h"

#include <cmath>
#include <stdexcept>

namespace ex {

GradientFlow last_step_gradient_norms(VanishingRNNModel& model, const ag::Tensor& x) {
    if (x.dim() != 3 || x.size(2) != 1)
        throw std::invalid_argument("last_step_gradient_norms: x of shape " + ag::shape_str(x.shape()) +
                                    " must be [batch, length, 1]");
    const int64_t L = x.size(1);
    StackedSteps steps = model.forward_steps(x);  // every layer's h_t (B, H), output (B, L, 1)
    for (auto& layer : steps.layers) {
        for (ag::Tensor& h : layer.hidden[0]) h.retain_grad();  // keep ∂L/∂h_t after backward
    }

    // L = Σ_b (ŷ[b, L−1] − x[b, L−1])²: only the last step's output counts.
    ag::Tensor last_output = ag::select(steps.output, 1, L - 1);  // (B, 1)
    ag::Tensor last_input = ag::select(x, 1, L - 1);              // (B, 1)
    ag::Tensor loss = ag::sum(ag::square(last_output - last_input));  // ()
    loss.backward();

    GradientFlow flow;
    flow.loss = loss.item();
    for (const auto& layer : steps.layers) {
        std::vector<double> norms;  // [t]
        for (const ag::Tensor& h : layer.hidden[0]) {
            double sum = 0.0;
            if (h.has_grad()) {
                const ag::Tensor grad = h.grad();  // (B, H); a copy, alive while read
                for (float g : grad.values()) sum += static_cast<double>(g) * g;
            }
            norms.push_back(std::sqrt(sum));
        }
        flow.norms.push_back(norms);
    }
    model.zero_grad();
    return flow;
}

void scale_recurrent_weights(VanishingRNNModel& model, double scale) {
    for (auto& rnn : model.rnns) {
        for (ag::Tensor& w : rnn->weight_hh) {  // (H, H)
            for (float& v : w.mutable_values()) v = static_cast<float>(v * scale);
        }
    }
}

ag::nn::Nonlinearity parse_nonlinearity(const std::string& text) {
    if (text == "tanh") return ag::nn::Nonlinearity::Tanh;
    if (text == "relu") return ag::nn::Nonlinearity::ReLU;
    if (text == "identity") return ag::nn::Nonlinearity::Identity;
    throw std::invalid_argument("'" + text + "' is not one of tanh, relu, identity");
}

const char* nonlinearity_name(ag::nn::Nonlinearity nonlinearity) {
    switch (nonlinearity) {
        case ag::nn::Nonlinearity::Tanh: return "tanh";
        case ag::nn::Nonlinearity::ReLU: return "relu";
        case ag::nn::Nonlinearity::Identity: return "identity";
    }
    return "?";
}

}  // namespace ex
