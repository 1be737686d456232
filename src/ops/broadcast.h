// broadcast.h — NumPy-style broadcasting as an index mapping (internal to src/ops/).
//
// Teaches: output element i of a broadcast reads a[ia] and b[ib], where a dim of size 1 (or a
// missing leading dim) always reads index 0: its stride is 0. The binary ops (elementwise.cpp)
// read both inputs this way, and masked_fill reads its mask this way.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "ag/shape.h"

namespace ag::detail {

// Where output element i reads its inputs: strides that are 0 along broadcast dims.
struct Broadcast {
    Shape out;
    std::vector<int64_t> stride_a, stride_b;  // per output dim
    bool same = false;                        // a, b and out have one shape: ia = ib = i
};

inline Broadcast broadcast(const char* op, const Shape& a, const Shape& b) {
    Broadcast bc;
    if (a == b) {
        bc.out = a;
        bc.same = true;
        return bc;
    }
    size_t rank = std::max(a.size(), b.size());
    bc.out.assign(rank, 1);
    bc.stride_a.assign(rank, 0);
    bc.stride_b.assign(rank, 0);
    int64_t sa = 1, sb = 1;
    for (size_t k = 0; k < rank; ++k) {  // from the last dim backwards
        size_t d = rank - 1 - k;
        int64_t da = k < a.size() ? a[a.size() - 1 - k] : 1;
        int64_t db = k < b.size() ? b[b.size() - 1 - k] : 1;
        if (da != db && da != 1 && db != 1)
            throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " +
                                        shape_str(b) + " cannot be broadcast (" +
                                        std::to_string(da) + " vs " + std::to_string(db) +
                                        " in dim " + std::to_string(d) + " of the result)");
        bc.out[d] = std::max(da, db);
        if (da == 0 || db == 0) bc.out[d] = 0;
        bc.stride_a[d] = da == 1 ? 0 : sa;
        bc.stride_b[d] = db == 1 ? 0 : sb;
        sa *= da;
        sb *= db;
    }
    return bc;
}

// Calls f(i, ia, ib) for every output element, walking the output row-major: the last dim as one
// run (ia and ib step by its strides), then the odometer carries over the dims before it.
template <class F>
void for_each(const Broadcast& bc, int64_t n, F f) {
    if (bc.same) {
        for (int64_t i = 0; i < n; ++i) f(i, i, i);
        return;
    }
    const size_t rank = bc.out.size();
    const int64_t run = bc.out[rank - 1], step_a = bc.stride_a[rank - 1], step_b = bc.stride_b[rank - 1];
    std::vector<int64_t> idx(rank, 0);
    int64_t ia = 0, ib = 0;
    for (int64_t i = 0; i < n; i += run) {
        for (int64_t j = 0; j < run; ++j) f(i + j, ia + j * step_a, ib + j * step_b);
        for (size_t d = rank - 1; d-- > 0;) {  // odometer: bump the dim before the run, carry leftwards
            ia += bc.stride_a[d];
            ib += bc.stride_b[d];
            if (++idx[d] < bc.out[d]) break;
            ia -= bc.stride_a[d] * bc.out[d];
            ib -= bc.stride_b[d] * bc.out[d];
            idx[d] = 0;
        }
    }
}

}  // namespace ag::detail
