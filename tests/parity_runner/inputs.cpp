// inputs.cpp — reading a case's params and tensors by name, with the checks of inputs.h.
//
// Teaches: every refusal names the file and line of the item at fault, and the reason in the
// case file's own words ("param num_heads = 2.5 must be a whole number in [1, 4096]").
#include "inputs.h"

#include <cmath>
#include <cstdlib>
#include <vector>

namespace parity {

using ag::Shape;
using ag::Tensor;

void Inputs::fail(int line, const std::string& reason) const {
    throw CaseError(c_.file + ":" + std::to_string(line) + ": " + reason);
}

const ParamText& Inputs::param(const std::string& name) {
    auto it = c_.params.find(name);
    if (it == c_.params.end()) fail(c_.kind_line, "case " + c_.kind + " needs 'param " + name + "' (missing)");
    used_params_.insert(name);
    return it->second;
}

int64_t Inputs::integer(const std::string& name, int64_t lo, int64_t hi) {
    const ParamText& p = param(name);
    if (!(p.value == std::floor(p.value)) || p.value < static_cast<double>(lo) || p.value > static_cast<double>(hi))
        fail(p.line, "param " + name + " = " + p.text + " must be a whole number in [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "]");
    return static_cast<int64_t>(p.value);
}

uint64_t Inputs::seed(const std::string& name) {
    const ParamText& p = param(name);
    const char* s = p.text.c_str();
    char* end = nullptr;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (end == s || *end != '\0' || p.text[0] == '-')
        fail(p.line, "param " + name + " = " + p.text + " must be a non-negative whole number");
    return static_cast<uint64_t>(v);
}

const TensorText& Inputs::text(const std::string& name) {
    const TensorText* t = find(name);
    if (!t) fail(c_.kind_line, "case " + c_.kind + " needs 'tensor " + name + "' (missing)");
    used_tensors_.insert(name);
    return *t;
}

static Tensor to_tensor(const TensorText& t) {
    std::vector<float> v(t.values.begin(), t.values.end());
    return Tensor(std::move(v), t.shape);
}

Tensor Inputs::tensor(const std::string& name, const Shape& want, const std::string& meaning) {
    const TensorText& t = text(name);
    if (t.shape != want)
        fail(t.line, "tensor " + name + " has shape " + ag::shape_str(t.shape) + " but this case needs " +
                         ag::shape_str(want) + " " + meaning);
    return to_tensor(t);
}

Tensor Inputs::tensor_of_rank(const std::string& name, size_t rank, const std::string& meaning) {
    const TensorText& t = text(name);
    if (t.shape.size() != rank)
        fail(t.line, "tensor " + name + " has shape " + ag::shape_str(t.shape) + " but must be " + meaning);
    return to_tensor(t);
}

void Inputs::require_given(int64_t count, const std::string& what, int64_t short_ok) const {
    int64_t given = 0;
    for (const auto& t : c_.tensors) given += static_cast<int64_t>(t.second.values.size());
    if (count > given && count > short_ok)
        fail(c_.kind_line, what + " has " + std::to_string(count) + " parameter values but the file gives only " +
                               std::to_string(given) + " values in all");
}

void Inputs::finish() const {
    for (const auto& p : c_.params)
        if (!used_params_.count(p.first))
            fail(p.second.line, "param '" + p.first + "' is not used by a case of kind " + c_.kind);
    for (const auto& t : c_.tensors)
        if (!used_tensors_.count(t.first))
            fail(t.second.line, "tensor '" + t.first + "' is not used by a case of kind " + c_.kind);
    if (c_.kind != "init" && !c_.modules.empty())
        fail(c_.modules[0].line, "'module' lines belong to init cases, not to kind " + c_.kind);
}

const TensorText* Inputs::find(const std::string& name) const {
    for (const auto& t : c_.tensors)
        if (t.first == name) return &t.second;
    return nullptr;
}

Tensor grad_or_zeros(const Tensor& t) { return t.has_grad() ? t.grad() : Tensor::zeros(t.shape()); }

void load_parameters(Inputs& in, ag::nn::Module& m) {
    for (auto& [name, p] : m.named_parameters())
        p.mutable_values() = in.tensor(name, p.shape(), "(the shape of " + name + ")").values();
}

}  // namespace parity
