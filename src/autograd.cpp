// autograd.cpp — reverse-mode automatic differentiation: record the graph, then walk it backwards.
//
// Teaches: the chain rule as an algorithm. Seed dL/dL = 1, then run each node's backward, which
// adds its share of the gradient into its inputs. A node used twice receives two contributions,
// which is why every backward adds (+=) and never assigns, and why a node may run only after
// every node that used it has run: its gradient is complete only then. So the walk first counts,
// for each node, the children waiting to report to it, and runs a node when its count reaches 0
// (Kahn's algorithm for a topological order, run from the output back to the inputs).
#include "ag/autograd.h"

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ag {

// ---- grad mode and anomaly mode (each thread has its own switches) ---------------------------

static thread_local bool grad_enabled = true;
static thread_local bool anomaly_enabled = false;

bool is_grad_enabled() { return grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(grad_enabled) { grad_enabled = false; }
NoGradGuard::~NoGradGuard() { grad_enabled = previous_; }

void set_detect_anomaly(bool on) { anomaly_enabled = on; }
bool is_anomaly_enabled() { return anomaly_enabled; }
DetectAnomalyGuard::DetectAnomalyGuard() : previous_(anomaly_enabled) { anomaly_enabled = true; }
DetectAnomalyGuard::~DetectAnomalyGuard() { anomaly_enabled = previous_; }

static void check_finite(const Buffer& v, const std::string& what) {
    for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
            throw std::runtime_error("anomaly: " + what + " produced " + (std::isnan(v[i]) ? "NaN" : "Inf") +
                                     " at flat index " + std::to_string(i));
}

// ---- recording -------------------------------------------------------------------------------

template <class Inputs>
static Tensor record_node(const char* op, Buffer& values, Shape& shape, const Inputs& inputs, BackwardFn& backward) {
    Tensor out(std::move(values), std::move(shape));
    if (anomaly_enabled) check_finite(out.values(), std::string("forward of '") + op + "'");
    Node& n = out.node();
    n.op = op;
    bool any = false;  // does any input require grad?
    for (const Tensor& t : inputs) any = any || t.requires_grad();
    if (!grad_enabled || !any) return out;
    n.requires_grad = true;
    n.inputs.reserve(inputs.size());
    n.input_versions.reserve(inputs.size());
    for (const Tensor& t : inputs) {
        n.inputs.push_back(t);
        n.input_versions.push_back(t.node().version);  // backward checks that none changed since
    }
    n.backward = std::move(backward);
    return out;
}

Tensor record(const char* op, Buffer values, Shape shape,
              std::initializer_list<std::reference_wrapper<const Tensor>> inputs, BackwardFn backward) {
    return record_node(op, values, shape, inputs, backward);
}
Tensor record(const char* op, Buffer values, Shape shape, const std::vector<Tensor>& inputs, BackwardFn backward) {
    return record_node(op, values, shape, inputs, backward);
}

// ---- backward --------------------------------------------------------------------------------

static void throw_released(const Node& n) {
    throw std::logic_error(std::string("backward: the graph through '") + n.op +
                           "' was already freed by an earlier backward(); to backpropagate through it "
                           "twice, pass retain_graph=true to the first backward()");
}

// An op's backward reads its inputs (and its output) as they were in the forward. If one was
// written in place since (mutable_values(): an optimizer step, an initialiser), the gradient
// would be silently wrong, so it is refused, as PyTorch's version counter does.
static void check_unchanged(const Node& n) {
    size_t i = 0;  // the first input that changed, if any
    while (i < n.inputs.size() && n.inputs[i].node().version == n.input_versions[i]) ++i;
    if (n.version == 0 && i == n.inputs.size()) return;
    const Tensor* in = n.version == 0 ? &n.inputs[i] : nullptr;
    const std::string what = !in ? "its output" : "its input " + std::to_string(i) + " (" +
        (in->is_leaf() ? std::string("a leaf") : "made by '" + std::string(in->op()) + "'") + " of shape " +
        shape_str(in->shape()) + ")";
    throw std::logic_error("backward of '" + std::string(n.op) + "': " + what + " was modified in place after "
                           "the forward (through mutable_values(), for example optimizer.step() before "
                           "backward()); compute the forward again after changing it");
}

// Every walk gets a fresh mark, so "visited" is one integer compare, with no set to clear. The
// counter is shared by all threads, so a node handed to another thread is never taken as visited.
static std::atomic<uint64_t> next_mark{0};

// Counts, for every node the walk will reach, how many of its children it reaches too: a node's
// backward may run only once all of them have run. Only nodes that require grad are counted.
// A gradient kept from an earlier pass (retain_grad with retain_graph) must not be sent back a
// second time, so it is set aside in `kept`, to be added back at the end.
using Kept = std::vector<std::pair<Node*, Buffer>>;
static void count_children(Node* root, Kept& kept) {
    const uint64_t mark = ++next_mark;
    std::vector<Node*> todo{root};
    root->walk_mark = mark;
    root->waiting = 0;
    while (!todo.empty()) {
        Node* n = todo.back();
        todo.pop_back();
        if (n->released) throw_released(*n);
        if (!n->grad.empty() && n->backward) kept.push_back({n, std::move(n->grad)});
        for (const Tensor& in : n->inputs) {
            Node* p = &in.node();
            if (!p->requires_grad) continue;
            if (p->walk_mark != mark) {  // first seen
                p->walk_mark = mark;
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
                               " does not require grad (no input of its graph has requires_grad=true)");
    if (root.released) throw_released(root);
    if (grad_output.defined() && grad_output.shape() != root.shape)
        throw std::invalid_argument("backward: grad_output of shape " + shape_str(grad_output.shape()) +
                                    " does not match the tensor's shape " + shape_str(root.shape));
    if (!grad_output.defined() && root.values.size() != 1)
        throw std::logic_error("backward: called on a tensor of shape " + shape_str(root.shape) + "; without "
                               "grad_output it needs a single value (reduce it first, e.g. with sum() or "
                               "mean(), or pass grad_output)");

    Kept kept;
    count_children(&root, kept);  // throws if part of the graph was already freed

    // Seed: dL/dL = 1, or the gradient the caller supplied.
    if (root.grad.empty()) root.grad.assign(root.values.size(), 0.0f);
    for (size_t i = 0; i < root.grad.size(); ++i) root.grad[i] += grad_output.defined() ? grad_output.values()[i] : 1.0f;

    // Children before parents: a node is ready once every child that uses it has run, so its
    // gradient is complete when its own backward runs.
    std::vector<Node*> order, ready{&root};  // the order the nodes ran in; those ready to run
    while (!ready.empty()) {
        Node* n = ready.back();
        ready.pop_back();
        order.push_back(n);
        if (n->backward && !n->grad.empty()) {
            check_unchanged(*n);
            n->backward(*n);
            if (anomaly_enabled)
                for (const Tensor& in : n->inputs)
                    if (in.has_grad()) check_finite(in.node().grad, std::string("backward of '") + n->op + "'");
            if (!n->retains_grad) Buffer().swap(n->grad);  // fully used: its memory goes back now
        }
        for (const Tensor& in : n->inputs)
            if (in.requires_grad() && --in.node().waiting == 0) ready.push_back(&in.node());
    }

    // Gradients kept from earlier passes come back, added to this pass's (retained grads add up).
    for (auto& [n, old] : kept) {
        if (!n->retains_grad) continue;
        if (n->grad.empty()) n->grad = std::move(old);
        else
            for (size_t i = 0; i < old.size(); ++i) n->grad[i] += old[i];
    }
    // Without retain_graph the graph is freed: each node drops its inputs and its backward. Going
    // parents first (the order backwards), a node freed here was visited already: no recursion.
    if (retain_graph) return;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node* n = *it;
        if (!n->backward) continue;  // a leaf
        n->backward = nullptr;
        n->released = true;
        n->inputs.clear();
    }
}

}  // namespace ag
