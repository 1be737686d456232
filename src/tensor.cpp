// tensor.cpp — creating tensors, reading them, printing them, and tearing down a graph.
//
// Teaches: a Tensor is a thin handle to a Node that holds the values. Copying a Tensor copies the
// handle, not the values — like a Python variable naming a torch.Tensor.
#include "ag/tensor.h"

#include <stdexcept>

namespace ag {

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

}  // namespace ag
