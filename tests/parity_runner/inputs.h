// inputs.h — how every case kind reads its params and tensors (compute.cpp, compute_gates.cpp,
// compute_attention.cpp).
//
// Teaches: a case is read by name and checked as it is read (present, whole, in range, of the
// right shape), and everything read is remembered, so that a stray or misspelt item is reported
// with "file:line: reason" instead of being silently ignored.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "ag/nn/module.h"
#include "ag/tensor.h"
#include "parity.h"

namespace parity {

// The parameter values of a recurrent module (gates: 1 RNN, 4 LSTM, 3 GRU): per layer
// weight_ih (gates·H, in), weight_hh (gates·H, H) and two biases (gates·H), `in` = H above layer 1.
inline int64_t recurrent_values(int64_t gates, int64_t in, int64_t H, int64_t layers) {
    return gates * H * (in + H + 2) + (layers - 1) * gates * H * (2 * H + 2);
}

class Inputs {
public:
    explicit Inputs(const Case& c) : c_(c) {}

    // Throws CaseError("file:line: reason").
    [[noreturn]] void fail(int line, const std::string& reason) const;

    bool has_param(const std::string& name) const { return c_.params.count(name) > 0; }
    const ParamText& param(const std::string& name);
    // A whole number in [lo, hi].
    int64_t integer(const std::string& name, int64_t lo, int64_t hi);
    double real(const std::string& name) { return param(name).value; }
    double real_or(const std::string& name, double fallback) { return has_param(name) ? real(name) : fallback; }
    // A non-negative whole number, read exactly from its text (a seed).
    uint64_t seed(const std::string& name);

    bool has_tensor(const std::string& name) const { return find(name) != nullptr; }
    // The header and values of tensor `name`, which must be there (its shape is checked by the caller).
    const TensorText& text(const std::string& name);
    // The tensor `name`, which must have shape `want` (`meaning` spells the dims out).
    ag::Tensor tensor(const std::string& name, const ag::Shape& want, const std::string& meaning);
    // The tensor `name` of rank `rank` (any sizes; the caller checks them).
    ag::Tensor tensor_of_rank(const std::string& name, size_t rank, const std::string& meaning);

    // A module about to be built holds `count` values that must all come from the file: refuse a
    // size the file cannot fill before allocating it. A module of at most `short_ok` values is let
    // through (it is cheap to build), so that the missing tensor itself is named.
    void require_given(int64_t count, const std::string& what, int64_t short_ok = 0) const;

    int line_of(const std::string& name) const { return find(name) ? find(name)->line : c_.kind_line; }

    // Everything in the file must have been read by now.
    void finish() const;

    const Case& c() const { return c_; }

private:
    const TensorText* find(const std::string& name) const;

    const Case& c_;
    std::set<std::string> used_params_, used_tensors_;
};

// The gradient of a leaf, zeros when no gradient reached it (PyTorch would say None).
ag::Tensor grad_or_zeros(const ag::Tensor& t);

// Copies the case's tensor for every parameter of `m` into it (PyTorch's names: "weight_ih_l0").
void load_parameters(Inputs& in, ag::nn::Module& m);

}  // namespace parity
