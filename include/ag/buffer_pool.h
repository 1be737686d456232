// buffer_pool.h — recycling the small float buffers that every op allocates.
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
#include <vector>

#include "ag/tensor.h"

namespace ag::detail {

constexpr size_t kPoolMaxFloats = 1024;        // a free list per buffer size up to this
constexpr size_t kPoolMaxTotal = 8u << 20;     // floats kept at most (32 MB), all sizes together
constexpr size_t kPoolMaxBlockBytes = 512;     // node blocks
constexpr size_t kPoolMaxBlocksPerSize = 1u << 18;
constexpr size_t kPoolMaxRank = 4;             // shapes of rank up to 4 are recycled
constexpr size_t kPoolMaxLists = 1u << 18;     // parent lists and shapes kept at most, each kind

// One thread's free lists.
struct Pools {
    std::vector<std::vector<float>> buffers[kPoolMaxFloats + 1];  // [size] -> free buffers
    size_t pooled_floats = 0;
    std::vector<void*> blocks[kPoolMaxBlockBytes / 16 + 1];        // [bytes/16] -> free blocks
    std::vector<std::vector<NodeRef>> parent_lists;                // empty, with capacity
    std::vector<Shape> shapes[kPoolMaxRank + 1];                   // [rank] -> free shapes
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

// A buffer of n floats with unspecified contents (recycled when one of that size is free).
inline std::vector<float> take_buffer(size_t n) {
    Pools* p = n > 0 && n <= kPoolMaxFloats ? pools() : nullptr;
    if (p && !p->buffers[n].empty()) {
        std::vector<float> v = std::move(p->buffers[n].back());
        p->buffers[n].pop_back();
        p->pooled_floats -= n;
        return v;
    }
    return std::vector<float>(n);
}

// A buffer of n zeros.
inline std::vector<float> take_zeros(size_t n) {
    std::vector<float> v = take_buffer(n);
    std::fill(v.begin(), v.end(), 0.0f);
    return v;
}

// Gives a buffer back for reuse (small sizes only; larger ones are simply freed).
inline void give_buffer(std::vector<float>&& v) {
    const size_t n = v.size();
    Pools* p = n > 0 && n <= kPoolMaxFloats && v.capacity() == n ? pools() : nullptr;
    if (p && p->pooled_floats + n <= kPoolMaxTotal) {
        p->pooled_floats += n;
        p->buffers[n].push_back(std::move(v));
    }
    std::vector<float>().swap(v);  // whatever was not kept is freed now
}

// An empty parent list with room for n parents, and a shape of `rank` sizes (values unspecified):
// recycled from dead nodes, so that an op on the hot path allocates neither.
inline std::vector<NodeRef> take_parent_list(size_t n) {
    Pools* p = pools();
    std::vector<NodeRef> v;
    if (p && !p->parent_lists.empty()) {
        v = std::move(p->parent_lists.back());
        p->parent_lists.pop_back();
    }
    v.reserve(n);
    return v;
}

inline void give_parent_list(std::vector<NodeRef>&& v) {  // v must be empty
    Pools* p = v.empty() && v.capacity() > 0 && v.capacity() <= 8 ? pools() : nullptr;
    if (p && p->parent_lists.size() < kPoolMaxLists) p->parent_lists.push_back(std::move(v));
    std::vector<NodeRef>().swap(v);
}

inline Shape take_shape(size_t rank) {
    Pools* p = rank > 0 && rank <= kPoolMaxRank ? pools() : nullptr;
    if (p && !p->shapes[rank].empty()) {
        Shape s = std::move(p->shapes[rank].back());
        p->shapes[rank].pop_back();
        return s;
    }
    return Shape(rank);
}

inline void give_shape(Shape&& s) {
    const size_t rank = s.size();
    Pools* p = rank > 0 && rank <= kPoolMaxRank && s.capacity() == rank ? pools() : nullptr;
    if (p && p->shapes[rank].size() < kPoolMaxLists) p->shapes[rank].push_back(std::move(s));
    Shape().swap(s);
}

// Blocks of one size, recycled through the free list: the memory of graph nodes.
inline void* take_block(size_t bytes) {
    Pools* p = bytes <= kPoolMaxBlockBytes ? pools() : nullptr;
    if (!p) return ::operator new(bytes);
    auto& list = p->blocks[(bytes + 15) / 16];
    if (list.empty()) return ::operator new((bytes + 15) / 16 * 16);
    void* b = list.back();
    list.pop_back();
    return b;
}

inline void give_block(void* b, size_t bytes) {
    Pools* p = bytes <= kPoolMaxBlockBytes ? pools() : nullptr;
    if (p) {
        auto& list = p->blocks[(bytes + 15) / 16];
        if (list.size() < kPoolMaxBlocksPerSize) {
            list.push_back(b);
            return;
        }
    }
    ::operator delete(b);
}

}  // namespace ag::detail
