// shape.h — a tensor's shape: the sizes of its dimensions, outermost first.
//
// Teaches: {2, 3} is 2 rows of 3 values, {} is a single number (rank 0). Sizes are signed so that
// a negative size can be reported as the user's mistake it is.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "ag/detail/small_vector.h"  // SmallVector: a std::vector with room for N in place

namespace ag {

using Shape = detail::SmallVector<int64_t, 4>;  // any rank; up to 4 sizes without a heap allocation

std::string shape_str(const Shape& shape);  // "[2, 3]", for messages
std::ostream& operator<<(std::ostream& os, const Shape& shape);
// The number of values, the product of the sizes; throws naming `op` on a negative size or a
// product above 2⁴⁰.
int64_t shape_numel(const Shape& shape, const char* op = "tensor");

}  // namespace ag
