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
    for (auto& cells : steps.cells) {
        for (ag::Tensor& c : cells) c.retain_grad();  // and ∂L/∂c_t
    }

    // L = Σ_b (ŷ[b, L−1] − x[b, L−1])²: only the last step's output counts.
    ag::Tensor last_output = ag::select(steps.output, 1, L - 1);  // (B, 1)
    ag::Tensor last_input = ag::select(x, 1, L - 1);              // (B, 1)
    ag::Tensor loss = ag::sum(ag::square(last_output - last_input));  // ()
    loss.backward();

    auto norms_of = [](const std::vector<ag::Tensor>& states) {
        std::vector<double> norms;  // [t]
        for (const ag::Tensor& s : states) {
            double sum = 0.0;
            if (s.has_grad()) {
                const ag::Tensor grad = s.grad();  // (B, H); a copy, alive while read
                for (float g : grad.values()) sum += static_cast<double>(g) * g;
            }
            norms.push_back(std::sqrt(sum));
        }
        return norms;
    };
    GradientFlow flow;
    flow.loss = loss.item();
    for (const auto& layer : steps.layers) flow.norms.push_back(norms_of(layer.hidden[0]));
    for (const auto& cells : steps.cells) flow.cell_norms.push_back(norms_of(cells));
    model.zero_grad();
    return flow;
}

void scale_recurrent_weights(VanishingRNNModel& model, double scale) {
    auto scale_all = [scale](std::vector<ag::Tensor>& weights) {
        for (ag::Tensor& w : weights) {  // (H, H), (4H, H) or (3H, H)
            for (float& v : w.mutable_values()) v = static_cast<float>(v * scale);
        }
    };
    for (auto& rnn : model.rnns) scale_all(rnn->weight_hh);
    for (auto& lstm : model.lstms) scale_all(lstm->weight_hh);
    for (auto& gru : model.grus) scale_all(gru->weight_hh);
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
