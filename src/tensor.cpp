// tensor.cpp — creating tensors, reading them, printing them, and tearing down a graph.
//
// Teaches: a Tensor is a thin handle to a Node that holds the values. Copying a Tensor copies the
// handle, not the values — like a Python variable naming a torch.Tensor.
#include "ag/tensor.h"

#include <cstdio>
#include <ostream>
#include <stdexcept>

namespace ag {

std::string shape_str(const Shape& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}
std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape_str(shape); }

int64_t shape_numel(const Shape& shape, const char* op) {
    // The sizes other than 0 must multiply to at most 2⁴⁰: a shape like [0, 2⁶², 2⁶²] holds no
    // values, but index arithmetic over its other dims would overflow.
    int64_t n = 1, nonzero = 1;
    for (int64_t d : shape) {
        if (d < 0)
            throw std::invalid_argument(std::string(op) + ": negative dimension " + std::to_string(d) +
                                        " in shape " + shape_str(shape));
        if (d != 0 && (__builtin_mul_overflow(nonzero, d, &nonzero) || nonzero > (int64_t(1) << 40)))
            throw std::invalid_argument(std::string(op) + ": shape " + shape_str(shape) + " is too large");
        n *= d;
    }
    return n;
}

int64_t live_nodes() { return detail::live_node_count(); }

// Dropping the last handle to the end of a 1,000,000-op chain would, done naively, destroy its
// input, whose destructor destroys its input, ... one stack frame per node: a crash. Instead the
// dying node takes over the inputs that it holds the last handle to, and their inputs in turn,
// so every node dies with no inputs left and nothing recurses.
Node::~Node() {
    bool last = false;  // does this node hold the last handle to any input?
    for (const Tensor& in : inputs) last = last || in.use_count() == 1;
    if (!last) return;
    std::vector<Tensor> pending(std::make_move_iterator(inputs.begin()), std::make_move_iterator(inputs.end()));
    inputs.clear();
    while (!pending.empty()) {
        Tensor t = std::move(pending.back());
        pending.pop_back();
        if (t.defined() && t.use_count() == 1) {
            for (Tensor& in : t.node().inputs) pending.push_back(std::move(in));
            t.node().inputs.clear();
        }
    }  // t dies here, with no inputs to recurse into
}

// ---- creation --------------------------------------------------------------------------------

Tensor::Tensor(Buffer values, Shape shape, bool requires_grad) {
    int64_t n = shape_numel(shape, "tensor");
    if (static_cast<int64_t>(values.size()) != n)
        throw std::invalid_argument("tensor: " + std::to_string(values.size()) + " values do not fill shape " +
                                    shape_str(shape) + " (needs " + std::to_string(n) + ")");
    node_ = detail::RefPtr<Node>(new Node());
    node_->values = std::move(values);
    node_->shape = std::move(shape);
    node_->requires_grad = requires_grad;
}

Tensor Tensor::full(const Shape& shape, float value, bool requires_grad) {
    return Tensor(Buffer(static_cast<size_t>(shape_numel(shape, "full")), value), shape, requires_grad);
}
Tensor Tensor::zeros(const Shape& shape, bool requires_grad) { return full(shape, 0.0f, requires_grad); }
Tensor Tensor::ones(const Shape& shape, bool requires_grad) { return full(shape, 1.0f, requires_grad); }
Tensor Tensor::scalar(float value, bool requires_grad) { return Tensor({value}, {}, requires_grad); }

Tensor Tensor::arange(int64_t n) {
    if (n < 0) throw std::invalid_argument("arange: negative length " + std::to_string(n));
    Buffer v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
    return Tensor(std::move(v), {n});
}

// ---- reading and writing ---------------------------------------------------------------------

const char* Tensor::op() const { return node().op; }

int64_t Tensor::size(int64_t d) const {
    int64_t k = d < 0 ? d + dim() : d;
    if (k < 0 || k >= dim())
        throw std::out_of_range("size: dim " + std::to_string(d) + " out of range for shape " + shape_str(shape()));
    return shape()[k];
}

float Tensor::item() const {
    if (numel() != 1)
        throw std::invalid_argument("item: tensor of shape " + shape_str(shape()) + " has " +
                                    std::to_string(numel()) + " values, not 1");
    return values()[0];
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
                                    std::to_string(i) + " of size " + std::to_string(s[i]) + " (shape " +
                                    shape_str(s) + ")");
        flat = flat * s[i] + index[i];
    }
    return values()[flat];
}

Buffer& Tensor::mutable_values() {
    ++node().version;  // a backward that saved this tensor will see the change
    return node().values;
}

// ---- autograd --------------------------------------------------------------------------------

bool Tensor::is_leaf() const { return node().is_leaf(); }

Tensor& Tensor::set_requires_grad(bool on) {
    if (!is_leaf())
        throw std::logic_error(std::string("set_requires_grad: only leaves can change it; this tensor "
                                           "was produced by '") + op() + "' (use detach())");
    node().requires_grad = on;
    return *this;
}

bool Tensor::has_grad() const { return !node().grad.empty(); }
Tensor Tensor::grad() const { return has_grad() ? Tensor(node().grad, shape()) : Tensor(); }

Buffer& Tensor::mutable_grad() {
    if (!has_grad())
        throw std::logic_error("mutable_grad: tensor of shape " + shape_str(shape()) +
                               " has no gradient yet (no backward() has reached it)");
    return node().grad;
}

void Tensor::zero_grad() {
    for (float& g : node().grad) g = 0.0f;
}

void Tensor::retain_grad() {
    if (!requires_grad())
        throw std::logic_error("retain_grad: tensor of shape " + shape_str(shape()) + " does not require grad");
    node().retains_grad = true;
}

Tensor Tensor::detach() const { return Tensor(values(), shape()); }

// ---- printing --------------------------------------------------------------------------------

// Prints the block of dims [dim, rank) that starts at flat index `offset`, nested in brackets.
static void print_block(std::ostream& os, const Node& n, size_t dim, size_t offset, int indent) {
    const Shape& s = n.shape;
    char buf[32];
    if (dim == s.size()) {  // rank 0
        std::snprintf(buf, sizeof buf, "%.4f", n.values[offset]);
        os << buf;
        return;
    }
    size_t stride = 1;
    for (size_t d = dim + 1; d < s.size(); ++d) stride *= static_cast<size_t>(s[d]);
    os << "[";
    for (int64_t i = 0; i < s[dim]; ++i) {
        if (i && dim + 1 < s.size()) os << "," << std::string(s.size() - dim - 1, '\n') << std::string(indent + 1, ' ');
        else if (i) os << ", ";
        print_block(os, n, dim + 1, offset + i * stride, indent + 1);
    }
    os << "]";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
    if (!t.defined()) return os << "tensor(undefined)";
    os << "tensor(";
    print_block(os, t.node(), 0, 0, 7);
    if (!t.is_leaf()) os << ", grad_fn=" << t.op();
    else if (t.requires_grad()) os << ", requires_grad=true";
    return os << ")";
}

}  // namespace ag
