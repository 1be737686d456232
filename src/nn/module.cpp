// module.cpp — the parameter tree: registration, PyTorch-style names, zero_grad.
//
// Teaches: named_parameters() is a walk over the module tree — a module's own parameters first,
// then each child's under "child.", exactly the order (and so the names) PyTorch reports.
#include "ag/nn/module.h"

#include <stdexcept>

namespace ag::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor& parameter) {
    if (!parameter.defined())
        throw std::invalid_argument("register_parameter: parameter '" + name + "' is undefined");
    for (const auto& p : params_)
        if (p.first == name)
            throw std::invalid_argument("register_parameter: '" + name + "' registered twice");
    parameter.set_requires_grad(true);
    params_.emplace_back(name, &parameter);
    return parameter;
}

void Module::register_module(const std::string& name, Module& child) {
    if (&child == this) throw std::invalid_argument("register_module: a module cannot contain itself");
    for (const auto& c : children_)
        if (c.first == name) throw std::invalid_argument("register_module: '" + name + "' registered twice");
    children_.emplace_back(name, &child);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
    // Iterative pre-order walk: (module, prefix) pairs on an explicit stack.
    std::vector<std::pair<std::string, Tensor>> out;
    std::vector<std::pair<const Module*, std::string>> stack{{this, ""}};
    while (!stack.empty()) {
        auto [m, prefix] = stack.back();
        stack.pop_back();
        for (const auto& p : m->params_) out.emplace_back(prefix + p.first, *p.second);
        // push children in reverse so the first registered is visited first
        for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
            stack.emplace_back(it->second, prefix + it->first + ".");
    }
    return out;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> out;
    for (auto& np : named_parameters()) out.push_back(np.second);
    return out;
}

void Module::zero_grad() {
    for (Tensor& p : parameters()) p.zero_grad();
}

}  // namespace ag::nn
