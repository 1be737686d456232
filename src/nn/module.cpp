// module.cpp — the parameter tree: registration, PyTorch-style names, zero_grad, state dicts.
//
// Teaches: named_parameters() is a walk over the module tree — a module's own parameters first,
// then each child's under "child.", exactly the order (and so the names) PyTorch reports. A state
// dict is that list with the values copied; loading one checks every name and shape first and
// only then writes, so a dict that does not fit never leaves a model half-loaded.
#include "ag/nn/module.h"

#include <algorithm>
#include <map>
#include <set>
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

// ---- state dicts -----------------------------------------------------------------------------

StateDict Module::state_dict() const {
    StateDict out;
    for (const auto& [name, p] : named_parameters()) out.emplace_back(name, p.detach());  // a copy
    return out;
}

LoadResult Module::load_state_dict(const StateDict& dict, bool strict) {
    // 1. The dict itself: distinct names, defined tensors.
    std::map<std::string, const Tensor*> given;
    for (const auto& [name, t] : dict) {
        if (!given.emplace(name, &t).second)
            throw std::invalid_argument("load_state_dict: '" + name + "' is given twice");
        if (!t.defined()) throw std::invalid_argument("load_state_dict: '" + name + "' is an undefined tensor");
    }
    // 2. Match every parameter to its value, collecting every problem before deciding.
    LoadResult result;
    std::vector<std::string> missing, unexpected, misshapen;  // for the message: "name [shape]"
    std::vector<std::pair<Tensor, const Tensor*>> copies;     // (parameter, its new values)
    std::set<std::string> own;                                // the module's names
    for (const auto& [name, p] : named_parameters()) {
        own.insert(name);
        auto it = given.find(name);
        if (it == given.end()) {
            result.missing_keys.push_back(name);
            missing.push_back(name + " " + shape_str(p.shape()));
        } else if (it->second->shape() != p.shape()) {
            misshapen.push_back("shape of " + name + ": " + shape_str(it->second->shape()) + " in the dict, " +
                                shape_str(p.shape()) + " in the module");
        } else {
            copies.emplace_back(p, it->second);
        }
    }
    for (const auto& [name, t] : dict) {
        if (own.count(name)) continue;
        result.unexpected_keys.push_back(name);
        unexpected.push_back(name + " " + shape_str(t.shape()));
    }
    // A shape that does not fit is always refused; a missing or unexpected name only if strict.
    std::vector<std::string> problems = misshapen;
    const auto list = [](const char* what, const std::vector<std::string>& names) {
        std::string s = what;
        for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : " ") + names[i];
        return s;
    };
    if (strict && !missing.empty()) problems.insert(problems.begin(), list("missing", missing));
    if (strict && !unexpected.empty()) problems.push_back(list("unexpected", unexpected));
    if (!problems.empty()) {
        std::string message = "load_state_dict: the dict does not fit the module (nothing was loaded): ";
        for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
        throw std::invalid_argument(message);
    }
    // 3. Only now write: every shape is known to match.
    for (auto& [param, values] : copies) {
        const Buffer& from = values->values();
        Buffer& to = param.mutable_values();  // raises the version: an older graph cannot backward
        std::copy(from.begin(), from.end(), to.begin());
    }
    return result;
}

}  // namespace ag::nn
