// module.h — what every layer shares: named parameters, sub-modules, zero_grad.
//
// Teaches: a model is a tree of modules, and its parameters are the leaves of the autograd graph
// that an optimizer updates. Names follow PyTorch ("rnn1.weight_ih_l0", "dense.bias") so that a
// learner can compare state dicts side by side.
//
// A model declares its layers as members and registers them in its constructor, in the order
// PyTorch would create them (member order = construction order = random-draw order):
//
//   struct Model : ag::nn::Module {
//       ag::nn::RNN rnn{1, 10};
//       ag::nn::Linear dense{10, 1};
//       Model() { register_module("rnn", rnn); register_module("dense", dense); }
//   };
//
// Modules are neither copyable nor movable: the parent keeps pointers to its registered children.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ag/tensor.h"

namespace ag::nn {

// Named tensors, as PyTorch's state_dict(): {"rnn.weight_ih_l0", (10, 1)}, {"dense.bias", (1)}, ...
using StateDict = std::vector<std::pair<std::string, Tensor>>;

// What load_state_dict(dict, /*strict=*/false) skipped (strict loading refuses both instead).
struct LoadResult {
    std::vector<std::string> missing_keys;     // parameters of the module the dict has no value for
    std::vector<std::string> unexpected_keys;  // names in the dict the module has no parameter for
};

class Module {
public:
    Module() = default;
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    // Every parameter of this module and its children, depth-first in registration order.
    std::vector<Tensor> parameters() const;
    // The same, with PyTorch's dotted names: {"rnn.weight_ih_l0", tensor}, ...
    std::vector<std::pair<std::string, Tensor>> named_parameters() const;
    // Zeroes the gradient of every parameter.
    void zero_grad();

    // A copy of every parameter's values under its dotted name, in the order of
    // named_parameters(). Unlike PyTorch's, it shares nothing with the module: training on does
    // not change a state dict taken earlier.
    StateDict state_dict() const;
    // Copies the dict's values into the parameters of the same names. Every check is made before
    // the first value is written, so a refused dict leaves the module unchanged: a name given
    // twice, an undefined tensor, a shape other than the parameter's, and with strict (the
    // default) a parameter the dict lacks or a name the module does not have. With strict = false
    // those last two are skipped and returned.
    LoadResult load_state_dict(const StateDict& dict, bool strict = true);

protected:
    // Registers a leaf tensor (requires_grad is switched on) and returns it.
    Tensor& register_parameter(const std::string& name, Tensor& parameter);
    // Registers a child module; its parameters appear as "name.param".
    void register_module(const std::string& name, Module& child);

private:
    std::vector<std::pair<std::string, Tensor*>> params_;
    std::vector<std::pair<std::string, Module*>> children_;
};

}  // namespace ag::nn
