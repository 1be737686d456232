// gradient_flow.h — how far back in time a loss reaches: ‖∂L/∂h_t‖ for every step t and layer.
//
// Teaches: backpropagation through time multiplies the gradient by one Jacobian per step,
// ∂h_t/∂h_{t−1} = diag(act′(a_t))·W_hh. Keeping every hidden state (forward_steps) and asking each
// one for its gradient (retain_grad) shows that product shrinking — or growing — step by step.
#pragma once

#include <string>
#include <vector>

#include "ag/ag.h"
#include "models.h"

namespace ex {

struct GradientFlow {
    double loss = 0.0;                       // Σ_b (output[b, L−1] − x[b, L−1])²
    std::vector<std::vector<double>> norms;  // [layer][t]: ‖∂L/∂h_t‖ of that layer (2-norm over
                                             // batch and hidden units, summed in double), t = 0 .. L−1
    std::vector<std::vector<double>> cell_norms;  // LSTM layers only: [layer][t] ‖∂L/∂c_t‖
};

// One forward and one backward pass of `model` on x (B, L, 1) whose loss is the squared error of
// the LAST step's output against the last input value, nothing else. Every layer's h_t (and an
// LSTM's c_t) keeps its gradient; a step the loss does not reach (or whose gradient underflowed)
// has norm 0. The parameters' gradients are zeroed again before returning.
GradientFlow last_step_gradient_norms(VanishingRNNModel& model, const ag::Tensor& x);

// W_hh ← scale · W_hh in every recurrent layer (in place, no graph): scale > 1 pushes the per-step
// Jacobians above 1 (gradients explode), scale < 1 below (they vanish faster).
void scale_recurrent_weights(VanishingRNNModel& model, double scale);

// "tanh", "relu", "identity" -> the nonlinearity; anything else throws std::invalid_argument.
ag::nn::Nonlinearity parse_nonlinearity(const std::string& text);
const char* nonlinearity_name(ag::nn::Nonlinearity nonlinearity);

}  // namespace ex
