// loss.cpp — the mean squared error, composed from engine ops.
//
// Teaches: a loss needs no backward of its own when it is built from ops that have one:
// d mean((x − t)²)/dx = 2(x − t)/n falls out of sub, square and mean.
#include "ag/nn/loss.h"

#include <stdexcept>

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

}  // namespace ag::nn
