// autograd.h — how an op joins the graph, and the switches that control recording.
//
// Teaches: an op computes its output values, then calls record() with its inputs and a backward
// function. If gradients are enabled and any input requires grad, the output becomes a graph node
// that owns its inputs; otherwise it is a plain tensor and nothing is kept alive.
#pragma once

#include <functional>
#include <initializer_list>
#include <vector>

#include "ag/tensor.h"

namespace ag {

// Wraps the values an op computed (row-major, shape_numel(shape) of them) as its output. When
// recording (grad mode on and some input requires grad), the output keeps `inputs` (in this order:
// out.inputs[i] in the backward) and `backward`, the rule that sends its gradient to them.
Tensor record(const char* op, Buffer values, Shape shape,
              std::initializer_list<std::reference_wrapper<const Tensor>> inputs, BackwardFn backward);
Tensor record(const char* op, Buffer values, Shape shape, const std::vector<Tensor>& inputs,
              BackwardFn backward);

// ---- grad mode: while a NoGradGuard lives, ops record nothing (`with torch.no_grad():`) -------
bool is_grad_enabled();
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

// ---- anomaly mode: every op checks its output, and every backward the gradients it made, for
// NaN or Inf, and throws naming the op that made the first one. A scan per op: for debugging.
void set_detect_anomaly(bool on);
bool is_anomaly_enabled();
class DetectAnomalyGuard {
public:
    DetectAnomalyGuard();
    ~DetectAnomalyGuard();
    DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
    DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

private:
    bool previous_;
};

}  // namespace ag
