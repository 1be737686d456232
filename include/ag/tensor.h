// tensor.h — the Tensor: values, a shape, and (optionally) a place in the autograd graph.
//
// Teaches: a tensor is just a flat array of float32 read row-major through a shape. When it
// requires grad, every op applied to it records a Node that remembers its inputs (parents) and
// how to push a gradient back to them. backward() (autograd.cpp) walks those Nodes in reverse.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "ag/shape.h"

namespace ag {

// "[2, 3]" — used in every error message. (Shape itself is in shape.h.)
std::string shape_str(const Shape& shape);
// Product of the sizes; throws on a negative size (names `op`).
int64_t shape_numel(const Shape& shape, const char* op = "tensor");

struct Node;

// An owning pointer to a Node. Like std::shared_ptr, but the count lives in the node and is a plain
// integer: a graph is built and walked by one thread, and an atomic count (what shared_ptr pays
// for thread safety) costs several nanoseconds per copy, which adds up over 100,000 RNN steps.
// So one graph, and the tensors in it, belong to one thread at a time.
class NodeRef {
public:
    NodeRef() = default;
    static NodeRef make();  // a new, empty node
    NodeRef(const NodeRef& o) : p_(o.p_) { retain(); }
    NodeRef(NodeRef&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
    NodeRef& operator=(const NodeRef& o) {
        NodeRef(o).swap(*this);
        return *this;
    }
    NodeRef& operator=(NodeRef&& o) noexcept {
        NodeRef(std::move(o)).swap(*this);
        return *this;
    }
    ~NodeRef() { release(); }
    void swap(NodeRef& o) noexcept { std::swap(p_, o.p_); }
    void reset() { NodeRef().swap(*this); }

    Node* get() const { return p_; }
    Node& operator*() const { return *p_; }
    Node* operator->() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
    long use_count() const;  // how many NodeRefs point to this node
    bool operator==(const NodeRef& o) const { return p_ == o.p_; }
    bool operator!=(const NodeRef& o) const { return p_ != o.p_; }

private:
    explicit NodeRef(Node* p) : p_(p) {}
    inline void retain();
    inline void release();
    static void destroy(Node* p);
    Node* p_ = nullptr;
};

// Nodes created minus nodes destroyed on this thread: a test's way to see that a graph was freed.
int64_t live_nodes();

// The inputs of one op, in order. Almost every op has at most three (rnn_step and linear have
// exactly three), and those are stored inside the node itself: recording a step allocates no list.
// An op with more inputs (stack, cat) moves them all to a vector of its own.
class ParentList {
public:
    ParentList() = default;
    ParentList(const ParentList&) = delete;
    ParentList& operator=(const ParentList&) = delete;

    size_t size() const { return n_; }
    bool empty() const { return n_ == 0; }
    NodeRef& operator[](size_t i) { return data()[i]; }
    const NodeRef& operator[](size_t i) const { return data()[i]; }
    NodeRef* begin() { return data(); }
    NodeRef* end() { return data() + n_; }
    void push_back(NodeRef r);
    void clear();  // releases every parent

private:
    static constexpr uint32_t kInline = 3;
    NodeRef* data() { return spill_ ? spill_->data() : local_; }
    const NodeRef* data() const { return spill_ ? spill_->data() : local_; }
    NodeRef local_[kInline];
    std::unique_ptr<std::vector<NodeRef>> spill_;  // all of them, once there are more than three
    uint32_t n_ = 0;
};

// A backward function reads out.grad (dL/d out) and adds (+=) into its parents' gradients.
// It receives its own node as an argument instead of capturing it: a closure that owned its own
// output would be an ownership cycle, and the whole graph would leak.
using BackwardFn = std::function<void(Node& out)>;

// One value in the graph. Owned (through NodeRef) by the Tensors that point to it and by the
// nodes computed from it (its children). A node owns its parents, never its children.
//
// The fields are grouped by who reads them, one 64-byte cache line each: the graph walk in
// backward() reads only the first group for every node it passes, so it loads one line per node.
struct alignas(64) Node {
    // -- the graph: read by the walk
    ParentList parents;       // the inputs of the op that produced it (owning)
    uint64_t visit_mark = 0;  // used by the graph walk in backward()
    uint32_t waiting = 0;     // the walk: children whose backward has not run yet
    int32_t refs = 0;         // how many NodeRefs own this node
    bool requires_grad = false;
    bool retains_grad = false;  // keep grad of a non-leaf after backward (retain_grad())
    bool released = false;      // backward freed this node's link to its parents
    // -- its backward step
    BackwardFn backward;      // empty for leaves
    std::vector<float> grad;  // (numel) dL/d data; empty until backward reaches this node
    const char* op = "leaf";  // the op that produced it, for error messages
    // -- its value
    std::vector<float> data;  // (numel) the values, row-major
    Shape shape;              // the sizes of the dimensions

    Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    ~Node();  // releases a long chain of parents iteratively (no deep recursion)

    bool is_leaf() const { return !backward && !released; }
    // The gradient buffer, allocated as zeros on first use. Backward functions add into it.
    float* grad_buffer() { return grad.empty() ? allocate_grad() : grad.data(); }
    float* allocate_grad();  // the zeros, on first use
};

inline void NodeRef::retain() {
    if (p_) ++p_->refs;
}
inline void NodeRef::release() {
    if (p_ && --p_->refs == 0) destroy(p_);
}
inline long NodeRef::use_count() const { return p_ ? p_->refs : 0; }

inline void ParentList::push_back(NodeRef r) {
    if (n_ < kInline) {
        local_[n_++] = std::move(r);
        return;
    }
    if (!spill_) {  // the fourth input: the three move to the vector
        spill_.reset(new std::vector<NodeRef>());
        for (NodeRef& q : local_) spill_->push_back(std::move(q));
    }
    spill_->push_back(std::move(r));
    ++n_;
}
inline void ParentList::clear() {
    for (NodeRef& q : local_) q.reset();
    spill_.reset();
    n_ = 0;
}

class Tensor {
public:
    Tensor() = default;  // an undefined tensor (e.g. the grad of a tensor before backward)
    // values are read row-major into `shape`; their count must equal the shape's product.
    Tensor(std::vector<float> values, Shape shape, bool requires_grad = false);
    explicit Tensor(NodeRef node) : node_(std::move(node)) {}

    // ---- creation ----------------------------------------------------------------------------
    static Tensor zeros(const Shape& shape, bool requires_grad = false);
    static Tensor ones(const Shape& shape, bool requires_grad = false);
    static Tensor full(const Shape& shape, float value, bool requires_grad = false);
    static Tensor scalar(float value, bool requires_grad = false);  // shape {} (rank 0)
    // Values 0, 1, ..., n-1 as floats: shape {n}.
    static Tensor arange(int64_t n);

    // ---- reading -----------------------------------------------------------------------------
    bool defined() const { return static_cast<bool>(node_); }
    const Shape& shape() const { return node().shape; }
    int64_t dim() const { return static_cast<int64_t>(shape().size()); }
    int64_t size(int64_t d) const;  // d may be negative (counts from the end)
    int64_t numel() const { return static_cast<int64_t>(node().data.size()); }
    const std::vector<float>& values() const { return node().data; }  // (numel) row-major
    std::vector<float>& values() { return node().data; }  // writable: optimizers, initialisers
    float item() const;                        // the single value of a one-element tensor
    float at(const std::vector<int64_t>& index) const;  // one value by its full index

    // ---- autograd ----------------------------------------------------------------------------
    bool requires_grad() const { return node().requires_grad; }
    Tensor& set_requires_grad(bool on);  // leaves only, like PyTorch's requires_grad_()
    bool is_leaf() const;
    // dL/d this, same shape; undefined until a backward pass reached this tensor.
    Tensor grad() const;
    bool has_grad() const;
    void zero_grad();  // sets the accumulated gradient to zeros (keeps its memory)
    // Keep this non-leaf's gradient after backward (leaves always keep theirs).
    void retain_grad();
    // A new leaf with a copy of the values and no history: gradients stop here.
    Tensor detach() const;
    // Reverse-mode autodiff from this tensor. Without `grad_output` the tensor must hold one value
    // (dL/dL = 1). Gradients are added to every leaf's grad. The graph is freed afterwards unless
    // retain_graph is true; a second backward through a freed graph throws.
    void backward(const Tensor& grad_output = Tensor(), bool retain_graph = false) const;
    void backward(bool retain_graph) const { backward(Tensor(), retain_graph); }

    const char* op() const;  // name of the op that produced this tensor ("leaf" for inputs)
    // The underlying node (throws when undefined). Inline: every op calls it several times.
    Node& node() const {
        if (!node_) throw_undefined();
        return *node_;
    }
    const NodeRef& node_ptr() const { return node_; }

private:
    [[noreturn]] static void throw_undefined();
    NodeRef node_;
};

// Prints like PyTorch: tensor([[1.0000, 2.0000]], requires_grad=true), shape after the values.
std::ostream& operator<<(std::ostream& os, const Tensor& t);
// Prints a shape as shape_str does: [2, 3].
std::ostream& operator<<(std::ostream& os, const Shape& shape);

}  // namespace ag
