// bookkeeping.h — what a graph node carries for the engine's own use, not for the maths.
//
// Machinery, not maths: a Node (tensor.h) derives from this, so that its own fields read as what
// a value is, while these sit together at its start, where the graph walk finds them all in one
// cache line: the node's count of owners, the walk's visit mark and count of waiting children,
// and the version numbers that catch a write into a tensor that a backward still needs.
#pragma once

#include <cstdint>

#include "ag/detail/ref_ptr.h"
#include "ag/detail/small_vector.h"

namespace ag::detail {

struct Bookkeeping : RefCounted {
    uint32_t waiting = 0;    // the walk: children whose backward has not run yet
    bool released = false;   // backward freed this node's graph links
    uint32_t version = 0;    // raised by every write through Tensor::mutable_values()
    uint64_t walk_mark = 0;  // the walk's visit mark
    SmallVector<uint32_t, 3> input_versions;  // each input's version when the op ran
};

}  // namespace ag::detail
