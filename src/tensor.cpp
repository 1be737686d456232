// tensor.cpp — creating tensors, reading them, printing them, and tearing down a graph.
//
// Teaches: a Tensor is a thin handle (one NodeRef) to a Node that holds the values. Copying a
// Tensor copies the handle, not the values — like a Python variable naming a torch.Tensor.
#include "ag/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "ag/autograd.h"
#include "ag/buffer_pool.h"

namespace ag {

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape_str(shape); }

std::string shape_str(const Shape& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

int64_t shape_numel(const Shape& shape, const char* op) {
    // Every op's output comes through here. The usual shape (rank ≤ 4, each size below 2¹⁰) can
    // neither be negative nor overflow, so it skips the checks below and their divisions.
    if (shape.size() <= 4) {
        int64_t n = 1;
        bool small = true;
        for (int64_t d : shape) {
            small = small && d >= 0 && d < (int64_t(1) << 10);
            n *= small ? d : 1;
        }
        if (small) return n;
    }
    // `nonzero` bounds the product of the non-zero sizes too: a shape like [0, 2⁶², 2⁶²] holds no
    // values, but the ops' index arithmetic over its other dims would overflow.
    int64_t n = 1, nonzero = 1;
    for (int64_t d : shape) {
        if (d < 0)
            throw std::invalid_argument(std::string(op) + ": negative dimension " +
                                        std::to_string(d) + " in shape " + shape_str(shape));
        if (d != 0 && nonzero > (int64_t(1) << 40) / d)
            throw std::invalid_argument(std::string(op) + ": shape " + shape_str(shape) +
                                        " is too large");
        if (d != 0) nonzero *= d;
        n *= d;
    }
    return n;
}

// ---- Node ------------------------------------------------------------------------------------

// Destroying the last handle to the end of a 1,000,000-op chain would, done naively, destroy
// its parent, whose destructor destroys its parent, ... one stack frame per node: a crash.
// Instead we take the parents over: a parent we hold the last reference to gives us its own
// parents before it dies, so every node dies with an empty parent list and nothing recurses.
static thread_local int64_t live_node_count = 0;  // created minus destroyed, on this thread
int64_t live_nodes() { return live_node_count; }

NodeRef NodeRef::make() {
    Node* n = new (detail::take_node_memory()) Node();  // buffer_pool.h: slabs, recycled
    ++live_node_count;
    n->refs = 1;
    return NodeRef(n);
}

void NodeRef::destroy(Node* p) {
    p->~Node();
    detail::give_node_memory(p);
    --live_node_count;
}

Node::~Node() {
    if (!parents.empty()) {
        std::vector<NodeRef> pending;
        for (NodeRef& p : parents) pending.push_back(std::move(p));
        parents.clear();
        while (!pending.empty()) {
            NodeRef p = std::move(pending.back());
            pending.pop_back();
            if (p && p.use_count() == 1) {
                for (NodeRef& q : p->parents) pending.push_back(std::move(q));
                p->parents.clear();
            }
        }  // p is destroyed here, with no parents left to recurse into
    }
    detail::give_buffer(std::move(data));
    if (!grad.empty()) detail::give_buffer(std::move(grad));
}

float* Node::allocate_grad() {
    grad = detail::take_zeros(data.size());
    return grad.data();
}

// ---- Tensor: creation ------------------------------------------------------------------------

Tensor::Tensor(std::vector<float> values, Shape shape, bool requires_grad) {
    int64_t n = shape_numel(shape, "tensor");
    if (static_cast<int64_t>(values.size()) != n)
        throw std::invalid_argument("tensor: " + std::to_string(values.size()) +
                                    " values do not fill shape " + shape_str(shape) + " (needs " +
                                    std::to_string(n) + ")");
    node_ = NodeRef::make();
    node_->data = std::move(values);
    node_->shape = std::move(shape);
    node_->requires_grad = requires_grad;
}

Tensor Tensor::full(const Shape& shape, float value, bool requires_grad) {
    std::vector<float> v = detail::take_buffer(static_cast<size_t>(shape_numel(shape, "full")));
    std::fill(v.begin(), v.end(), value);
    return Tensor(std::move(v), shape, requires_grad);
}
Tensor Tensor::zeros(const Shape& shape, bool requires_grad) { return full(shape, 0.0f, requires_grad); }
Tensor Tensor::ones(const Shape& shape, bool requires_grad) { return full(shape, 1.0f, requires_grad); }
Tensor Tensor::scalar(float value, bool requires_grad) { return Tensor({value}, {}, requires_grad); }

Tensor Tensor::arange(int64_t n) {
    if (n < 0) throw std::invalid_argument("arange: negative length " + std::to_string(n));
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
    return Tensor(std::move(v), {n});
}

// ---- Tensor: reading -------------------------------------------------------------------------

void Tensor::throw_undefined() {
    throw std::logic_error(
        "tensor: use of an undefined tensor (for example grad() before any backward())");
}

const char* Tensor::op() const { return node().op; }

int64_t Tensor::size(int64_t d) const {
    int64_t r = dim();
    int64_t k = d < 0 ? d + r : d;
    if (k < 0 || k >= r)
        throw std::out_of_range("size: dim " + std::to_string(d) + " out of range for shape " +
                                shape_str(shape()));
    return shape()[k];
}

float Tensor::item() const {
    if (numel() != 1)
        throw std::invalid_argument("item: tensor of shape " + shape_str(shape()) + " has " +
                                    std::to_string(numel()) + " values, not 1");
    return node().data[0];
}

float Tensor::at(const std::vector<int64_t>& index) const {
    const Shape& s = shape();
    if (index.size() != s.size())
        throw std::invalid_argument("at: index of " + std::to_string(index.size()) +
                                    " numbers for a tensor of shape " + shape_str(s));
    int64_t flat = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if (index[i] < 0 || index[i] >= s[i])
            throw std::out_of_range("at: index " + std::to_string(index[i]) + " out of range for dim " +
                                    std::to_string(i) + " of size " + std::to_string(s[i]) +
                                    " (shape " + shape_str(s) + ")");
        flat = flat * s[i] + index[i];
    }
    return node().data[flat];
}

// ---- Tensor: autograd ------------------------------------------------------------------------

bool Tensor::is_leaf() const { return node().is_leaf(); }

Tensor& Tensor::set_requires_grad(bool on) {
    if (!node().is_leaf())
        throw std::logic_error(std::string("set_requires_grad: only leaves can change it; this tensor "
                                           "was produced by '") + node().op + "' (use detach())");
    node().requires_grad = on;
    return *this;
}

bool Tensor::has_grad() const { return !node().grad.empty(); }

Tensor Tensor::grad() const {
    const Node& n = node();
    if (n.grad.empty()) return Tensor();
    return Tensor(n.grad, n.shape);
}

void Tensor::zero_grad() {
    for (float& g : node().grad) g = 0.0f;
}

void Tensor::retain_grad() {
    if (!node().requires_grad)
        throw std::logic_error("retain_grad: tensor of shape " + shape_str(shape()) +
                               " does not require grad");
    node().retains_grad = true;
}

Tensor Tensor::detach() const { return Tensor(node().data, node().shape); }

// ---- printing --------------------------------------------------------------------------------

static void print_block(std::ostream& os, const Node& n, size_t dim, size_t offset, int indent) {
    const Shape& s = n.shape;
    if (dim == s.size()) {  // rank 0
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.4f", n.data[offset]);
        os << buf;
        return;
    }
    size_t stride = 1;
    for (size_t d = dim + 1; d < s.size(); ++d) stride *= static_cast<size_t>(s[d]);
    os << "[";
    for (int64_t i = 0; i < s[dim]; ++i) {
        if (i) {
            os << ",";
            if (dim + 1 < s.size()) os << std::string(s.size() - dim - 1, '\n') << std::string(indent + 1, ' ');
            else os << " ";
        }
        if (dim + 1 == s.size()) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.4f", n.data[offset + i]);
            os << buf;
        } else {
            print_block(os, n, dim + 1, offset + i * stride, indent + 1);
        }
    }
    os << "]";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
    if (!t.defined()) return os << "tensor(undefined)";
    const Node& n = t.node();
    os << "tensor(";
    print_block(os, n, 0, 0, 7);
    if (!n.is_leaf()) os << ", grad_fn=" << n.op;
    else if (n.requires_grad) os << ", requires_grad=true";
    return os << ")";
}

}  // namespace ag
