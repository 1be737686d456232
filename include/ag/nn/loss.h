// loss.h — the mean squared error, composed from engine ops (it needs no backward of its own).
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

}  // namespace ag::nn
