// autograd.cpp — reverse-mode automatic differentiation: record the graph, then walk it backwards.
//
// Teaches: the chain rule as an algorithm. Sort the graph so that every node comes after the
// nodes it was computed from (topological order), seed dL/dL = 1, then visit the nodes in
// reverse: each one's backward adds its share of the gradient into its parents. A node used
// twice receives two contributions, which is why every backward adds (+=) and never assigns.
#include "ag/autograd.h"

#include "ag/buffer_pool.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace ag {

// ---- grad mode and anomaly mode --------------------------------------------------------------

static thread_local bool grad_enabled = true;
static thread_local bool anomaly_enabled = false;

bool is_grad_enabled() { return grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(grad_enabled) { grad_enabled = false; }
NoGradGuard::~NoGradGuard() { grad_enabled = previous_; }

void set_detect_anomaly(bool on) { anomaly_enabled = on; }
bool is_anomaly_enabled() { return anomaly_enabled; }
DetectAnomalyGuard::DetectAnomalyGuard() : previous_(anomaly_enabled) { anomaly_enabled = true; }
DetectAnomalyGuard::~DetectAnomalyGuard() { anomaly_enabled = previous_; }

static void check_finite(const std::vector<float>& v, const std::string& what) {
    for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
            throw std::runtime_error("anomaly: " + what + " produced " +
                                     (std::isnan(v[i]) ? "NaN" : "Inf") + " at flat index " +
                                     std::to_string(i));
}

// ---- recording -------------------------------------------------------------------------------

// (Everything is passed on by reference: a std::function costs a few nanoseconds to move, and
// this runs once per op.)
template <class Inputs>
static Tensor record_impl(const char* op, std::vector<float>& values, Shape& shape,
                          const Inputs& inputs, BackwardFn& backward) {
    Tensor out(std::move(values), std::move(shape));
    if (anomaly_enabled) check_finite(out.values(), std::string("forward of '") + op + "'");
    Node& n = out.node();
    n.op = op;
    if (!grad_enabled) return out;
    bool any = false;
    for (const Tensor& t : inputs) any = any || t.node().requires_grad;
    if (!any) return out;
    n.requires_grad = true;
    for (const Tensor& t : inputs) n.parents.push_back(t.node_ptr());
    n.backward = std::move(backward);
    return out;
}

Tensor record(const char* op, std::vector<float> values, Shape shape,
              std::initializer_list<std::reference_wrapper<const Tensor>> inputs, BackwardFn backward) {
    return record_impl(op, values, shape, inputs, backward);
}
Tensor record(const char* op, std::vector<float> values, Shape shape,
              const std::vector<Tensor>& inputs, BackwardFn backward) {
    return record_impl(op, values, shape, inputs, backward);
}

// ---- backward --------------------------------------------------------------------------------

static void throw_released(const Node& n) {
    throw std::logic_error(
        std::string("backward: the graph through '") + n.op +
        "' was already freed by an earlier backward(); to backpropagate through it twice, "
        "pass retain_graph=true to the first backward()");
}

// Every walk gets a fresh mark, so "visited" is one integer compare, with no set to clear.
static uint64_t next_mark = 0;

// Parents before children, found with an explicit stack (a recursive depth-first search would
// overflow the call stack on a long sequence). Only nodes that require grad are visited.
// A non-leaf collects this pass's dL/d node in its grad buffer. A gradient kept there from an
// earlier pass (retain_grad with retain_graph) must not be sent back a second time, so the walk
// also sets those aside in `kept` (in the order of the result), to be added back at the end.
using Kept = std::vector<std::pair<Node*, std::vector<float>>>;
static std::vector<Node*> topological_order(Node* root, Kept& kept) {
    uint64_t mark = ++next_mark;
    std::vector<Node*> order;
    std::vector<std::pair<Node*, size_t>> stack;  // (node, next parent to look at)
    root->visit_mark = mark;
    stack.push_back({root, 0});
    while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->parents.size()) {
            Node* p = node->parents[next++].get();
            if (p->requires_grad && p->visit_mark != mark) {
                p->visit_mark = mark;
                stack.push_back({p, 0});
            }
        } else {
            if (node->released) throw_released(*node);
            if (node->backward && !node->grad.empty()) kept.push_back({node, std::move(node->grad)});
            order.push_back(node);  // all its parents are already in `order`
            stack.pop_back();
        }
    }
    return order;
}


void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
    Node& root = node();
    if (!root.requires_grad)
        throw std::logic_error("backward: tensor of shape " + shape_str(root.shape) +
                               " does not require grad (no input of its graph has "
                               "requires_grad=true)");
    if (root.released) throw_released(root);
    if (grad_output.defined()) {
        if (grad_output.shape() != root.shape)
            throw std::invalid_argument("backward: grad_output of shape " +
                                        shape_str(grad_output.shape()) +
                                        " does not match the tensor's shape " + shape_str(root.shape));
    } else if (root.data.size() != 1) {
        throw std::logic_error("backward: called on a tensor of shape " + shape_str(root.shape) +
                               "; without grad_output it needs a single value (reduce it first, "
                               "e.g. with sum() or mean(), or pass grad_output)");
    }

    Kept kept;  // gradients retained from earlier passes, set aside during the walk
    std::vector<Node*> order = topological_order(&root, kept);  // throws if part of it was released

    // Seed: dL/dL = 1, or the gradient the caller supplied.
    float* g = root.grad_buffer();
    for (size_t i = 0; i < root.data.size(); ++i)
        g[i] += grad_output.defined() ? grad_output.values()[i] : 1.0f;

    // Children before parents: when a node's backward runs, every use of it has reported.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node* n = *it;
        if (!n->backward || n->grad.empty()) continue;
        n->backward(*n);
        if (anomaly_enabled)
            for (auto& p : n->parents)
                if (!p->grad.empty()) check_finite(p->grad, std::string("backward of '") + n->op + "'");
        // Its gradient is fully used: no node after this one adds to it. It goes back to the pool
        // now (unless retain_grad() asked to keep it), for the next node to take while it is
        // still in cache.
        if (!n->retains_grad)
            detail::give_buffer(std::move(n->grad));
    }

    // Free what a PyTorch user expects freed: the gradients of intermediate nodes (unless
    // retain_grad() asked to keep them) and, without retain_graph, the links of the graph itself.
    // Walking parents-first means a node freed here was visited already.
    size_t k = 0;
    for (Node* n : order) {
        if (!n->backward) continue;  // a leaf: keeps its accumulated gradient
        std::vector<float> old;      // its retained gradient from earlier passes
        if (k < kept.size() && kept[k].first == n) old = std::move(kept[k++].second);
        if (!n->retains_grad) {
            if (!n->grad.empty()) detail::give_buffer(std::move(n->grad));
        } else if (n->grad.empty()) n->grad = std::move(old);
        else
            for (size_t i = 0; i < old.size(); ++i) n->grad[i] += old[i];  // retained grads add up
        if (!retain_graph) {
            n->backward = nullptr;
            n->released = true;
            n->parents.clear();
        }
    }
}

}  // namespace ag
