// sgd.cpp — stochastic gradient descent, with PyTorch's momentum.
//
// Teaches: the simplest update, p −= lr·g. Momentum keeps a running sum of past gradients
// (buf = momentum·buf + g, starting from the first g) and steps along it instead.
#include <stdexcept>
#include <string>

#include "ag/optim/optimizer.h"

namespace ag::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options) : params_(std::move(params)), options_(options) {
    if (!(options_.lr >= 0.0))
        throw std::invalid_argument("SGD: lr must be >= 0, got " + std::to_string(options_.lr));
    if (!(options_.momentum >= 0.0))
        throw std::invalid_argument("SGD: momentum must be >= 0, got " + std::to_string(options_.momentum));
    for (size_t i = 0; i < params_.size(); ++i)
        if (!params_[i].defined())
            throw std::invalid_argument("SGD: parameter " + std::to_string(i) + " is undefined");
    buf_.resize(params_.size());  // empty until a parameter's first step
}

void SGD::step() {
    const float lr = static_cast<float>(options_.lr), momentum = static_cast<float>(options_.momentum);
    for (size_t i = 0; i < params_.size(); ++i) {
        if (!params_[i].has_grad()) continue;  // no gradient: nothing to do
        const Buffer& g = params_[i].node().grad;  // dL/dp
        Buffer& p = params_[i].mutable_values();   // changed in place (a graph that saved p notices)
        if (momentum == 0.0f) {
            for (size_t j = 0; j < p.size(); ++j) p[j] -= lr * g[j];  // p −= lr·g
            continue;
        }
        std::vector<float>& buf = buf_[i];
        if (buf.empty())
            buf = g;  // first step: buf = g
        else
            for (size_t j = 0; j < buf.size(); ++j)
                buf[j] = momentum * buf[j] + g[j];                  // buf = μ·buf + g
        for (size_t j = 0; j < p.size(); ++j) p[j] -= lr * buf[j];  // p −= lr·buf
    }
}

void SGD::zero_grad() {
    for (Tensor& p : params_) p.zero_grad();
}

}  // namespace ag::optim
