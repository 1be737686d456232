// autograd.cpp — reverse-mode automatic differentiation: record the graph, then walk it backwards.
//
// Teaches: the chain rule as an algorithm. Seed dL/dL = 1, then run each node's backward, which
// adds its share of the gradient into its parents. A node used twice receives two contributions,
// which is why every backward adds (+=) and never assigns, and why a node may run only after
// every node that used it has run: its gradient is complete only then. So the walk first counts,
// for each node, the children waiting to report to it, and runs a node when its count reaches 0
// (Kahn's algorithm for a topological order, run from the output back to the inputs).
#include "ag/autograd.h"

#include "ag/buffer_pool.h"

#include <algorithm>
#include <cmath>
#include <functional>
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

// Counts, for every node the walk will reach, how many of its children it reaches too: a node's
// backward may run only once all of them have run. Only nodes that require grad are counted.
// A non-leaf collects this pass's dL/d node in its grad buffer. A gradient kept there from an
// earlier pass (retain_grad with retain_graph) must not be sent back a second time, so the count
// also sets those aside in `kept`, to be added back at the end.
using Kept = std::vector<std::pair<Node*, std::vector<float>>>;
static void count_children(Node* root, uint64_t mark, Kept& kept) {
    std::vector<Node*> todo{root};
    root->visit_mark = mark;
    root->waiting = 0;
    while (!todo.empty()) {
        Node* n = todo.back();
        todo.pop_back();
        if (n->released) throw_released(*n);
        if (n->backward && !n->grad.empty()) kept.push_back({n, std::move(n->grad)});
        for (const NodeRef& ref : n->parents) {
            Node* p = ref.get();
            if (!p->requires_grad) continue;
            if (p->visit_mark != mark) {  // first seen
                p->visit_mark = mark;
                p->waiting = 0;
                todo.push_back(p);
            }
            ++p->waiting;
        }
    }
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
    count_children(&root, ++next_mark, kept);  // throws if part of the graph was released

    // Seed: dL/dL = 1, or the gradient the caller supplied.
    float* g = root.grad_buffer();
    for (size_t i = 0; i < root.data.size(); ++i)
        g[i] += grad_output.defined() ? grad_output.values()[i] : 1.0f;

    // Children before parents: a node is ready once every child that uses it has run, so its
    // gradient is complete when its own backward runs.
    std::vector<Node*> order;  // the order the nodes ran in
    std::vector<Node*> ready{&root};
    while (!ready.empty()) {
        Node* n = ready.back();
        ready.pop_back();
        order.push_back(n);
        if (n->backward && !n->grad.empty()) {
            n->backward(*n);
            if (anomaly_enabled)
                for (auto& p : n->parents)
                    if (!p->grad.empty()) check_finite(p->grad, std::string("backward of '") + n->op + "'");
            // Its gradient is fully used: no node after this one adds to it. It goes back to the
            // pool now (unless retain_grad() asked to keep it), for the next node to take while
            // it is still in cache.
            if (!n->retains_grad) detail::give_buffer(std::move(n->grad));
        }
        for (const NodeRef& ref : n->parents)
            if (ref->requires_grad && --ref->waiting == 0) ready.push_back(ref.get());
    }

    // Free what a PyTorch user expects freed: the gradients of intermediate nodes (unless
    // retain_grad() asked to keep them) and, without retain_graph, the links of the graph itself.
    // Walking parents-first (the order backwards) means a node freed here was visited already.
    std::sort(kept.begin(), kept.end(),
              [](const auto& a, const auto& b) { return std::less<Node*>()(a.first, b.first); });
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node* n = *it;
        if (!n->backward) continue;  // a leaf: keeps its accumulated gradient
        std::vector<float> old;      // its retained gradient from earlier passes
        if (!kept.empty()) {
            auto at = std::lower_bound(kept.begin(), kept.end(), n, [](const auto& a, Node* b) {
                return std::less<Node*>()(a.first, b);
            });
            if (at != kept.end() && at->first == n) old = std::move(at->second);
        }
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
