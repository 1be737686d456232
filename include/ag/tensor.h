// tensor.h — the Tensor: values, a shape, and (optionally) a place in the autograd graph.
//
// Teaches: a tensor is a flat array of float32 read row-major through a shape. When it requires
// grad, every op applied to it records a Node that remembers its inputs and how to send a
// gradient back to them. backward() (autograd.cpp) walks those Nodes from the loss to the inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/detail/bookkeeping.h"   // the count of owners, the walk's marks, the versions
#include "ag/detail/buffer.h"        // Buffer: a std::vector<float> that recycles its memory
#include "ag/detail/ref_ptr.h"       // RefPtr: a shared_ptr whose count lives in the node
#include "ag/detail/small_vector.h"  // SmallVector: a std::vector with room for N in place
#include "ag/shape.h"                // Shape: the sizes of the dims

namespace ag {

struct Node;

class Tensor {
public:
    Tensor() = default;  // an undefined tensor (e.g. the grad of a tensor before backward)
    // values are read row-major into `shape`; their count must equal the shape's product.
    Tensor(Buffer values, Shape shape, bool requires_grad = false);

    static Tensor zeros(const Shape& shape, bool requires_grad = false);
    static Tensor ones(const Shape& shape, bool requires_grad = false);
    static Tensor full(const Shape& shape, float value, bool requires_grad = false);
    static Tensor scalar(float value, bool requires_grad = false);  // shape {} (rank 0)
    static Tensor arange(int64_t n);                                // 0, 1, ..., n-1: shape {n}

    // ---- reading -----------------------------------------------------------------------------
    bool defined() const { return static_cast<bool>(node_); }
    const Shape& shape() const;
    int64_t dim() const { return static_cast<int64_t>(shape().size()); }
    int64_t size(int64_t d) const;  // d may be negative (counts from the end)
    int64_t numel() const;
    const Buffer& values() const;                       // (numel) row-major
    float item() const;                                 // the value of a one-element tensor
    float at(const std::vector<int64_t>& index) const;  // one value by its full index

    // ---- writing in place --------------------------------------------------------------------
    // For optimizers and initialisers. An op that saved this tensor for its backward notices the
    // write: that backward then throws, as PyTorch's version counter makes it do.
    Buffer& mutable_values();

    // ---- autograd ----------------------------------------------------------------------------
    bool requires_grad() const;
    Tensor& set_requires_grad(bool on);  // leaves only, like PyTorch's requires_grad_()
    bool is_leaf() const;
    Tensor grad() const;  // a copy of dL/d this (same shape); undefined before any backward
    bool has_grad() const;
    Buffer& mutable_grad();  // dL/d this itself, to change in place (clipping); needs has_grad()
    void zero_grad();        // sets the accumulated gradient to zeros
    void retain_grad();      // keep this non-leaf's gradient after backward (leaves always do)
    Tensor detach() const;   // a new leaf with a copy of the values: gradients stop here
    // Reverse-mode autodiff from this tensor. Without `grad_output` it must hold one value
    // (dL/dL = 1). Gradients are added to every leaf's grad. The graph is freed afterwards unless
    // retain_graph is true; a second backward through a freed graph throws.
    void backward(const Tensor& grad_output = Tensor(), bool retain_graph = false) const;
    void backward(bool retain_graph) const { backward(Tensor(), retain_graph); }

    const char* op() const;  // the op that produced this tensor ("leaf" for inputs)
    Node& node() const;      // the node behind the handle (throws when undefined)
    long use_count() const { return node_.use_count(); }  // handles sharing the node

private:
    detail::RefPtr<Node> node_;
};

// What a backward function is given: the node of the op's output. It reads dL/d out in
// out.grad and the inputs as out.inputs[i] (Tensors, as the forward saw them), and adds (+=)
// into out.input_grad(i). It must not capture its inputs or its output: the node owns them.
using BackwardFn = std::function<void(Node& out)>;

// One value in the graph, owned by the Tensors that point to it and by the nodes computed from it
// (its children). A node owns its inputs, never its children. The engine's bookkeeping (the count
// of owners, the graph walk's marks, version numbers) is in the base class, out of the way.
struct alignas(64) Node : detail::Bookkeeping {
    // ---- its value
    Buffer values;  // (numel) row-major
    Shape shape;
    // ---- its gradient
    bool requires_grad = false;
    bool retains_grad = false;  // a non-leaf that keeps its grad after backward (retain_grad())
    Buffer grad;                // (numel) dL/d values; empty until backward reaches this node
    // ---- how it was made
    const char* op = "leaf";
    detail::SmallVector<Tensor, 3> inputs;  // in the order the op was given them
    BackwardFn backward;                    // empty for leaves

    ~Node();  // frees a long chain of inputs with a loop, not with recursion

    bool is_leaf() const { return !backward && !released; }
    // Where a backward adds dL/d inputs[i] (zeros on first use); nullptr if it needs none.
    float* input_grad(size_t i) {
        Node& in = inputs[i].node();
        if (!in.requires_grad) return nullptr;
        if (in.grad.empty()) in.grad = Buffer(in.values.size());  // zeros
        return in.grad.data();
    }
    // Memory from this thread's free lists (recycling.h) instead of the system's.
    static void* operator new(size_t bytes, std::align_val_t) { return detail::take_node_memory(bytes); }
    static void operator delete(void* p, std::align_val_t) { detail::give_node_memory(p); }
};

inline Node& Tensor::node() const {
    if (!node_) throw std::logic_error("tensor: use of an undefined tensor (for example grad() before any backward())");
    return *node_;
}
inline const Shape& Tensor::shape() const { return node().shape; }
inline int64_t Tensor::numel() const { return static_cast<int64_t>(node().values.size()); }
inline const Buffer& Tensor::values() const { return node().values; }
inline bool Tensor::requires_grad() const { return node().requires_grad; }

int64_t live_nodes();  // nodes made minus nodes freed on this thread: how a test sees a graph go

// Prints like PyTorch: tensor([[1.0000, 2.0000]], requires_grad=true).
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace ag
