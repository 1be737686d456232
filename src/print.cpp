// print.cpp — printing a tensor the way PyTorch does: tensor([[1.0000, 2.0000]], grad_fn=add).
//
// Teaches: a flat array becomes nested brackets by walking the shape one dim at a time; the
// stride of a dim is the product of the sizes after it.
#include <cstdio>
#include <ostream>

#include "ag/tensor.h"

namespace ag {

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
