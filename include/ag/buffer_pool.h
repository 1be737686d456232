// buffer_pool.h — recycling the float buffers and graph nodes that every op allocates.
//
// Teaches: an RNN step on a hidden size of 10 does ~300 multiply-adds, but allocating and freeing
// its output, its gradient and its graph node costs about as much again. So buffers of a dying
// node are kept, per size, and handed to the next op that needs that size; nodes themselves come
// from a free list too. Nothing about the maths changes; only malloc is called less often.
// The functions are inline: they run several times per op, and a call costs as much as they do.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

#include "ag/tensor.h"

namespace ag::detail {

constexpr size_t kPoolMaxFloats = 1024;        // a free list per buffer size up to this
constexpr size_t kPoolMaxTotal = 8u << 20;     // floats kept at most (32 MB) in small buffers,
                                               //   and as many again in large ones
constexpr size_t kNodesPerSlab = 256;          // graph nodes are allocated this many at a time
constexpr size_t kPoolListRoom = 1u << 14;     // entries a free list reserves when first used

// One thread's free lists.
struct Pools {
    std::vector<std::vector<float>> buffers[kPoolMaxFloats + 1];  // [size] -> free buffers
    size_t pooled_floats = 0;
    std::unordered_map<size_t, std::vector<std::vector<float>>> large;  // larger: size -> free
    size_t large_floats = 0;                                       //   and their floats
    struct FreeNode { FreeNode* next; };
    FreeNode* free_nodes = nullptr;                                // dead nodes' memory
    char* slab_next = nullptr;                                     // the unused rest of the
    char* slab_end = nullptr;                                      //   newest slab
    std::vector<char*> slabs;                                      // every slab, to free them
    ~Pools();
};

// This thread's pools: a plain pointer, so that reaching it costs one load. make_pools() creates
// them on first use, and returns nullptr once the thread is ending (tensors destroyed after that,
// such as statics, fall back to plain new and delete).
inline Pools*& this_thread_pools() {
    static thread_local Pools* pools = nullptr;
    return pools;
}
Pools* make_pools();
inline Pools* pools() {
    Pools* p = this_thread_pools();
    return p ? p : make_pools();
}

// Adds a dead node's buffer to its free list. The list reserves room for many at its
// first use, so that it does not copy itself over and over while the first graph is freed.
template <class T>
inline void keep(std::vector<T>& list, T&& item) {
    if (list.capacity() == 0) list.reserve(kPoolListRoom);
    list.push_back(std::move(item));
}

// Buffers above kPoolMaxFloats (a whole sequence's values or gradient, a wide layer's step) are
// kept per size too, in a hash map. Without them, an epoch frees a large gradient and the next
// one allocates it again, and the C library may have handed the memory back to the kernel in
// between: each of its pages then faults in again (about a microsecond each). Out of line: they
// run once per large tensor, whose own work is far longer.
std::vector<float> take_large(Pools& p, size_t n);  // empty when none of size n is kept
void give_large(Pools& p, std::vector<float>&& v);

// A buffer of n floats with unspecified contents (recycled when one of that size is free).
inline std::vector<float> take_buffer(size_t n) {
    Pools* p = n > 0 ? pools() : nullptr;
    if (p && n <= kPoolMaxFloats && !p->buffers[n].empty()) {
        std::vector<float> v = std::move(p->buffers[n].back());
        p->buffers[n].pop_back();
        p->pooled_floats -= n;
        return v;
    }
    if (p && n > kPoolMaxFloats)
        if (std::vector<float> v = take_large(*p, n); !v.empty()) return v;
    return std::vector<float>(n);
}

// A buffer of n zeros.
inline std::vector<float> take_zeros(size_t n) {
    std::vector<float> v = take_buffer(n);
    std::fill(v.begin(), v.end(), 0.0f);
    return v;
}

// Gives a buffer back for reuse.
inline void give_buffer(std::vector<float>&& v) {
    const size_t n = v.size();
    Pools* p = n > 0 && v.capacity() == n ? pools() : nullptr;
    if (p && n > kPoolMaxFloats) {
        give_large(*p, std::move(v));
    } else if (p && n <= kPoolMaxFloats && p->pooled_floats + n <= kPoolMaxTotal) {
        p->pooled_floats += n;
        keep(p->buffers[n], std::move(v));
    }
    std::vector<float>().swap(v);  // whatever was not kept is freed now
}

// Memory for graph nodes: carved in order from slabs of kNodesPerSlab nodes (one allocation per
// slab, and consecutive steps of an RNN sit next to each other in memory), and recycled through a
// free list threaded through the dead nodes themselves. It is kept until the thread ends.
inline void* take_node_memory() {
    Pools* p = pools();
    if (!p) return ::operator new(sizeof(Node), std::align_val_t{alignof(Node)});  // thread ending
    if (Pools::FreeNode* f = p->free_nodes) {
        p->free_nodes = f->next;
        return f;
    }
    if (p->slab_next == p->slab_end) {
        char* slab = static_cast<char*>(
            ::operator new(kNodesPerSlab * sizeof(Node), std::align_val_t{alignof(Node)}));
        p->slabs.push_back(slab);
        p->slab_next = slab;
        p->slab_end = slab + kNodesPerSlab * sizeof(Node);
    }
    void* b = p->slab_next;
    p->slab_next += sizeof(Node);
    return b;
}

// After the thread's pools are gone a node's memory is not reused; it may belong to a slab that
// was kept for it (see ~Pools), so it is left alone.
inline void give_node_memory(void* b) {
    if (Pools* p = this_thread_pools()) {
        auto* f = static_cast<Pools::FreeNode*>(b);
        f->next = p->free_nodes;
        p->free_nodes = f;
    }
}

}  // namespace ag::detail
