// gradcheck.h — is the backward right? Compare it with finite differences.
//
// Teaches: the derivative of a scalar L with respect to one input value x is approximately
// (L(x + ε) − L(x − ε)) / 2ε. Doing that for every input value is slow but needs no calculus, so it
// is the referee for every hand-written backward in this engine.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ag/tensor.h"

namespace ag {

struct GradcheckResult {
    bool ok = true;
    double max_error = 0.0;  // largest |analytic − numeric| seen
    std::string message;     // the first mismatch: which input, which index, both values
};

struct GradcheckOptions {
    float eps = 1e-3f;     // the step ε of the central difference
    double atol = 1e-3;    // accepted when |analytic − numeric| <= atol + rtol·|numeric|
    double rtol = 1e-2;
};

// f maps the inputs to any tensor y. The scalar checked is L = Σ wᵢ·yᵢ with fixed, varied weights
// w, so that every output element's gradient is exercised (not only their sum). Only inputs with
// requires_grad are checked; the others (indices, constants) are passed through unchanged.
// The same tensor may appear in `inputs` only once; f may use it several times (x * x).
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace ag
