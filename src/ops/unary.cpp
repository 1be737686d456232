// unary.cpp — functions applied to every element on its own: tanh, exp, log, sin, ...
//
// Teaches: for y = f(x) elementwise, the chain rule is one multiplication per element:
// dL/dx = f'(x) · dL/dy. Each op below states f' in its comment; tanh and exp reuse the output y
// (tanh' = 1 - y², exp' = y), which is why a backward receives both x and y.
#include <cmath>

#include "ag/ops.h"
#include "ag/detail/vmath.h"
#include "op_util.h"

namespace ag {
namespace {

// Records y = f(a), already computed; `dfdx(x, y)` gives f'(x).
template <class Deriv>
Tensor unary_record(const char* op, const Tensor& a, Buffer y, Deriv dfdx) {
    return record(op, std::move(y), a.shape(), {a}, [dfdx](Node& o) {
        const float* x = o.inputs[0].values().data();
        const float* y = o.values.data();
        const float* g = o.grad.data();
        float* gx = o.input_grad(0);
        if (!gx) return;
        for (size_t i = 0; i < o.values.size(); ++i) gx[i] += dfdx(x[i], y[i]) * g[i];
    });
}

// `fwd(x)` gives y; `dfdx(x, y)` gives f'(x).
template <class Fwd, class Deriv>
Tensor unary(const char* op, const Tensor& a, Fwd fwd, Deriv dfdx) {
    detail::require_defined(op, a);
    const Buffer& x = a.values();
    Buffer y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = fwd(x[i]);
    return unary_record(op, a, std::move(y), dfdx);
}

}  // namespace

Tensor neg(const Tensor& a) {
    // d(-x)/dx = -1
    return unary("neg", a, [](float x) { return -x; }, [](float, float) { return -1.0f; });
}

Tensor add(const Tensor& a, float s) {
    // d(x+s)/dx = 1
    return unary("add_scalar", a, [s](float x) { return x + s; }, [](float, float) { return 1.0f; });
}

Tensor mul(const Tensor& a, float s) {
    // d(x·s)/dx = s
    return unary("mul_scalar", a, [s](float x) { return x * s; }, [s](float, float) { return s; });
}

Tensor div(const Tensor& a, float s) {
    // d(x/s)/dx = 1/s
    return unary("div_scalar", a, [s](float x) { return x / s; }, [s](float, float) { return 1.0f / s; });
}

Tensor tanh(const Tensor& a) {
    detail::require_defined("tanh", a);
    Buffer y(a.values().size());
    detail::tanh_array(a.values().data(), y.data(), static_cast<int64_t>(y.size()));  // vmath.h
    // d tanh(x)/dx = 1 - tanh(x)²
    return unary_record("tanh", a, std::move(y), [](float, float y) { return 1.0f - y * y; });
}

Tensor exp(const Tensor& a) {
    // d eˣ/dx = eˣ
    return unary("exp", a, [](float x) { return std::exp(x); }, [](float, float y) { return y; });
}

Tensor log(const Tensor& a) {
    // d ln(x)/dx = 1/x
    return unary("log", a, [](float x) { return std::log(x); }, [](float x, float) { return 1.0f / x; });
}

Tensor sqrt(const Tensor& a) {
    // d √x/dx = 1/(2√x)
    return unary("sqrt", a, [](float x) { return std::sqrt(x); },
                 [](float, float y) { return 0.5f / y; });
}

Tensor sin(const Tensor& a) {
    // d sin(x)/dx = cos(x)
    return unary("sin", a, [](float x) { return std::sin(x); }, [](float x, float) { return std::cos(x); });
}

Tensor cos(const Tensor& a) {
    // d cos(x)/dx = -sin(x)
    return unary("cos", a, [](float x) { return std::cos(x); }, [](float x, float) { return -std::sin(x); });
}

Tensor relu(const Tensor& a) {
    // d max(x, 0)/dx = 1 if x > 0 else 0
    return unary("relu", a, [](float x) { return x > 0.0f ? x : 0.0f; },
                 [](float x, float) { return x > 0.0f ? 1.0f : 0.0f; });
}

Tensor pow(const Tensor& a, float p) {
    // d xᵖ/dx = p·xᵖ⁻¹
    return unary("pow", a, [p](float x) { return std::pow(x, p); },
                 // x⁰ = 1 is constant: its derivative is 0 even at x = 0 (where 0·0⁻¹ would be NaN)
                 [p](float x, float) { return p == 0.0f ? 0.0f : p * std::pow(x, p - 1.0f); });
}

Tensor square(const Tensor& a) {
    // d x²/dx = 2x
    return unary("square", a, [](float x) { return x * x; }, [](float x, float) { return 2.0f * x; });
}

Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, float s) { return add(a, s); }
Tensor operator+(float s, const Tensor& a) { return add(a, s); }
Tensor operator-(const Tensor& a, float s) { return add(a, -s); }
Tensor operator-(float s, const Tensor& a) { return add(neg(a), s); }
Tensor operator*(const Tensor& a, float s) { return mul(a, s); }
Tensor operator*(float s, const Tensor& a) { return mul(a, s); }
Tensor operator/(const Tensor& a, float s) { return div(a, s); }
Tensor operator/(float s, const Tensor& a) { return div(Tensor::full(a.shape(), s), a); }

}  // namespace ag
