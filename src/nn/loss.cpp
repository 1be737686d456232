// loss.cpp — the mean squared error and the cross-entropy, composed from engine ops.
//
// Teaches: a loss needs no backward of its own when it is built from ops that have one:
// d mean((x − t)²)/dx = 2(x − t)/n falls out of sub, square and mean, and the cross-entropy's
// (softmax − one_hot)/N falls out of log_softmax, mul and sum.
#include "ag/nn/loss.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "ag/ops.h"

namespace ag::nn {

Tensor mse_loss(const Tensor& input, const Tensor& target) {
    if (!input.defined() || !target.defined())
        throw std::invalid_argument("mse_loss: input or target is undefined");
    // PyTorch broadcasts mismatched shapes with a warning; that is almost always a bug, so refuse.
    if (input.shape() != target.shape())
        throw std::invalid_argument("mse_loss: input of shape " + shape_str(input.shape()) +
                                    " and target of shape " + shape_str(target.shape()) +
                                    " must have the same shape");
    if (input.numel() == 0)
        throw std::invalid_argument("mse_loss: input of shape " + shape_str(input.shape()) + " is empty");
    return mean(square(input - target));  // [*] -> []
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets) {
    if (!logits.defined() || !targets.defined())
        throw std::invalid_argument("cross_entropy: logits or targets is undefined");
    const std::string shapes =
        "logits of shape " + shape_str(logits.shape()) + " and targets of shape " + shape_str(targets.shape());
    if (logits.dim() != 2 || logits.size(0) < 1 || logits.size(1) < 1 || targets.shape() != Shape{logits.size(0)})
        throw std::invalid_argument("cross_entropy: " + shapes +
                                    " do not fit: logits must be [N, C] (N >= 1 examples, C >= 1 classes) and "
                                    "targets [N] (one class index per example)");
    const int64_t N = logits.size(0), C = logits.size(1);
    // one_hot[i, c] = 1 for c = targets[i]: picks each example's log-probability of its class.
    Tensor one_hot = Tensor::zeros({N, C});
    for (int64_t i = 0; i < N; ++i) {
        const float t = targets.values()[i];
        if (!(t == std::floor(t) && t >= 0.0f && t < static_cast<float>(C))) {  // also catches NaN
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", double(t));
            throw std::invalid_argument("cross_entropy: target " + std::string(buf) + " (example " +
                                        std::to_string(i) + ") is not a class index in [0, " + std::to_string(C) +
                                        ") (" + shapes + ")");
        }
        one_hot.mutable_values()[i * C + static_cast<int64_t>(t)] = 1.0f;
    }
    // loss = −(1/N) Σ_i log softmax(logits_i)[targets_i]
    return neg(sum(log_softmax(logits, 1) * one_hot)) / static_cast<float>(N);  // [N, C] -> []
}

}  // namespace ag::nn
