// loss.h — the mean squared error and the cross-entropy, composed from engine ops (they need no
// backward of their own).
//
// Teaches: a loss is an ordinary function of tensors ending in a scalar []: backward() starts there.
#pragma once

#include "ag/tensor.h"

namespace ag::nn {

// mean((input − target)²) over all elements; input and target of one shape -> scalar []
Tensor mse_loss(const Tensor& input, const Tensor& target);

// PyTorch's nn.MSELoss() as an object: criterion(output, target) -> scalar [].
class MSELoss {
public:
    Tensor forward(const Tensor& input, const Tensor& target) const { return mse_loss(input, target); }
    Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
};

// −mean_i log softmax(logits_i)[targets_i]: the mean over the batch of minus the log-probability
// given to the right class, computed with log_softmax (so logits of ±100 stay finite).
// logits [N, C] (N examples, C classes), targets [N] class indices 0..C−1 held as floats (as
// index_select_rows takes them) -> scalar []. Throws for a target that is not a whole number in
// [0, C) or for shapes that do not fit. (PyTorch's weight, ignore_index, label_smoothing and
// extra dims are not supported.)
Tensor cross_entropy(const Tensor& logits, const Tensor& targets);

// PyTorch's nn.CrossEntropyLoss() (mean reduction) as an object: criterion(logits, targets) -> [].
class CrossEntropyLoss {
public:
    Tensor forward(const Tensor& logits, const Tensor& targets) const { return cross_entropy(logits, targets); }
    Tensor operator()(const Tensor& logits, const Tensor& targets) const { return forward(logits, targets); }
};

}  // namespace ag::nn
