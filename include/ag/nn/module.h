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
