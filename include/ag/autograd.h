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

// Wrap freshly computed values as the output of op `op`. When recording (grad mode on and some
// input requires grad) the result remembers `inputs` as its parents and `backward` as the rule
// that sends its gradient to them. `backward` must not capture the inputs or the output: it
// reaches them through out.parents[i] (in the order given here) so that teardown stays iterative.
// (The inputs are taken by reference: the node keeps its own handles to them, so the call site
// copies none.)
// values: the output, row-major, shape_numel(shape) of them -> a Tensor of `shape`.
Tensor record(const char* op, std::vector<float> values, Shape shape,
              std::initializer_list<std::reference_wrapper<const Tensor>> inputs, BackwardFn backward);
Tensor record(const char* op, std::vector<float> values, Shape shape,
              const std::vector<Tensor>& inputs, BackwardFn backward);

// ---- grad mode -------------------------------------------------------------------------------
bool is_grad_enabled();

// While one of these lives, ops record nothing (like `with torch.no_grad():`).
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

// ---- anomaly detection -----------------------------------------------------------------------
// When on, every op checks its output (and every backward its gradients) for NaN or Inf and
// throws naming the op that produced the first one. Costs a scan per op: for debugging.
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
