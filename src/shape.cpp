// shape.cpp — a shape as text, and the number of values it holds.
//
// Teaches: the number of values is the product of the sizes, and that product is where a wild
// shape shows itself: it is checked here once, for every tensor made.
#include "ag/shape.h"

#include <ostream>
#include <stdexcept>

namespace ag {

std::string shape_str(const Shape& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape_str(shape); }

// The message for a shape that shape_numel refuses (kept apart, so that the check itself is short).
[[noreturn]] static void throw_bad_shape(const Shape& shape, const char* op) {
    for (int64_t d : shape)
        if (d < 0)
            throw std::invalid_argument(std::string(op) + ": negative dimension " + std::to_string(d) +
                                        " in shape " + shape_str(shape));
    throw std::invalid_argument(std::string(op) + ": shape " + shape_str(shape) + " is too large");
}

int64_t shape_numel(const Shape& shape, const char* op) {
    // The sizes other than 0 must multiply to at most 2⁴⁰: a shape like [0, 2⁶², 2⁶²] holds no
    // values, but index arithmetic over its other dims would overflow.
    int64_t n = 1, nonzero = 1;
    for (int64_t d : shape) {
        if (d < 0 || (d != 0 && (__builtin_mul_overflow(nonzero, d, &nonzero) || nonzero > (int64_t(1) << 40))))
            throw_bad_shape(shape, op);
        n *= d;
    }
    return n;
}

}  // namespace ag
