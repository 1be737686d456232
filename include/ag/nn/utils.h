// utils.h — gradient clipping: one rescale of every gradient between backward() and step().
//
// Teaches: a gradient is an ordinary array that may be edited in place before the optimizer reads
// it, as p.grad can in PyTorch. Clipping by the total norm keeps the direction of the whole
// update and only shortens it, which tames an exploding RNN without changing what it learns.
#pragma once

#include <vector>

#include "ag/tensor.h"

namespace ag::nn::utils {

// PyTorch 1.13's torch.nn.utils.clip_grad_norm_. Over the gradients of `parameters` (any shapes;
// a parameter without a gradient is skipped), viewed as one long vector g:
//   total_norm = ‖g‖_p = (Σ |g_i|^p)^(1/p), or max |g_i| when norm_type is infinity
//   coef       = max_norm / (total_norm + 1e-6)
//   g         ←  g · coef, only when coef < 1 (PyTorch clamps coef to at most 1)
// Returns total_norm, the norm before clipping (0 when no parameter has a gradient).
// A non-finite total gives a coef of 0 or NaN that is applied too, as in PyTorch; with
// error_if_nonfinite the function throws instead and leaves the gradients alone.
// Throws std::invalid_argument for max_norm < 0 or NaN, norm_type <= 0 or NaN, an undefined
// parameter.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

}  // namespace ag::nn::utils
