// sigmoid.cpp — σ(x) = 1 / (1 + e^(−x)): the worked example of a new op (README, "Your turn").
//
// Teaches: a whole new op is a forward loop, one call to record(), and a backward that adds
// f'(x)·grad into its input's gradient. Like tanh, σ' = σ(1 − σ) is read from the output.
#include <cmath>

#include "ag/ops.h"
#include "op_util.h"

namespace ag {

Tensor sigmoid(const Tensor& x) {  // x [*] -> [*]
    detail::require_defined("sigmoid", x);
    Buffer y(x.values().size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = 1.0f / (1.0f + std::exp(-x.values()[i]));
    return record("sigmoid", std::move(y), x.shape(), {x}, [](Node& o) {
        // d σ(x)/dx = σ(x)·(1 − σ(x))
        float* gx = o.input_grad(0);
        if (!gx) return;
        for (size_t i = 0; i < o.values.size(); ++i) gx[i] += o.values[i] * (1.0f - o.values[i]) * o.grad[i];
    });
}

}  // namespace ag
