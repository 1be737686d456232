// optimizer.h — Adam and SGD: they read each parameter's gradient and change its values in place.
//
// Teaches: an optimizer never sees the graph. It holds handles to the parameters (the leaves);
// step() reads each one's .grad() and edits its .values(); zero_grad() clears the gradients that
// backward() would otherwise keep adding to.
#pragma once

#include <vector>

#include "ag/tensor.h"

namespace ag::optim {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
};

// PyTorch's Adam: t counts from 1; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
// p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps); weight_decay adds wd·p to g first.
class Adam {
public:
    Adam(std::vector<Tensor> params, AdamOptions options = {});
    Adam(std::vector<Tensor> params, double lr);
    void step();       // one update of every parameter that has a gradient
    void zero_grad();  // zeroes every parameter's gradient
    const AdamOptions& options() const { return options_; }

private:
    std::vector<Tensor> params_;  // the leaves to update, any shapes (a model's parameters())
    AdamOptions options_;
    int64_t t_ = 0;               // steps taken so far; the bias corrections use it
    std::vector<std::vector<float>> m_, v_;  // per parameter, same size as its values
};

struct SGDOptions {
    double lr = 1e-2;
    double momentum = 0.0;
};

// p −= lr·g, or with momentum (PyTorch's form): buf = momentum·buf + g; p −= lr·buf.
class SGD {
public:
    SGD(std::vector<Tensor> params, SGDOptions options);
    void step();
    void zero_grad();

private:
    std::vector<Tensor> params_;           // the leaves to update, any shapes
    SGDOptions options_;
    std::vector<std::vector<float>> buf_;  // per parameter, same size as its values (momentum)
};

}  // namespace ag::optim
