// buffer_pool.cpp — per-thread free lists of float buffers (by exact size) and of node blocks.
//
// Teaches: the cheapest allocation is the one you skip. A dying node's buffers are parked here by
// size and handed to the next op that asks for that size; an RNN step on a small hidden size
// then runs without calling malloc at all once the first epoch has filled the lists.
#include "ag/buffer_pool.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace ag::detail {
namespace {

constexpr size_t kMaxPooledFloats = 1024;       // larger buffers: malloc is cheap next to their use
constexpr size_t kMaxPooledTotal = 8u << 20;    // floats kept at most (32 MB), all sizes together
constexpr size_t kMaxBlockBytes = 512;          // node blocks
constexpr size_t kMaxBlocksPerSize = 1u << 18;
constexpr size_t kMaxRank = 4;               // shapes of rank up to 4 are recycled
constexpr size_t kMaxLists = 1u << 18;       // parent lists and shapes kept at most, each kind

struct Pools {
    std::vector<std::vector<float>> buffers[kMaxPooledFloats + 1];  // [size] -> free buffers
    size_t pooled_floats = 0;
    std::vector<void*> blocks[kMaxBlockBytes / 16 + 1];              // [bytes/16] -> free blocks
    std::vector<std::vector<NodeRef>> parent_lists;                  // empty, with capacity
    std::vector<Shape> shapes[kMaxRank + 1];                         // [rank] -> free shapes
    ~Pools() {
        for (auto& list : blocks)
            for (void* p : list) ::operator delete(p);
    }
};

// The pools of this thread. A plain pointer, so that reaching it costs one load (a thread_local
// object with a constructor would be checked for initialisation on every use).
thread_local Pools* pools = nullptr;
thread_local bool pools_dead = false;  // after thread exit: tensors destroyed later (statics)
                                       // fall back to plain new/delete
struct PoolsOwner {
    ~PoolsOwner() {
        delete pools;
        pools = nullptr;
        pools_dead = true;
    }
};

Pools* get() {
    if (pools) return pools;
    if (pools_dead) return nullptr;
    static thread_local PoolsOwner owner;  // frees the pools when the thread ends
    (void)owner;
    pools = new Pools();
    return pools;
}

}  // namespace

std::vector<float> take_buffer(size_t n) {
    Pools* p = n > 0 && n <= kMaxPooledFloats ? get() : nullptr;
    if (p && !p->buffers[n].empty()) {
        std::vector<float> v = std::move(p->buffers[n].back());
        p->buffers[n].pop_back();
        p->pooled_floats -= n;
        return v;
    }
    return std::vector<float>(n);
}

std::vector<float> take_zeros(size_t n) {
    std::vector<float> v = take_buffer(n);
    std::fill(v.begin(), v.end(), 0.0f);
    return v;
}

void give_buffer(std::vector<float>&& v) {
    const size_t n = v.size();
    Pools* p = n > 0 && n <= kMaxPooledFloats && v.capacity() == n ? get() : nullptr;
    if (p && p->pooled_floats + n <= kMaxPooledTotal) {
        p->pooled_floats += n;
        p->buffers[n].push_back(std::move(v));
    }
    std::vector<float>().swap(v);  // whatever was not kept is freed now
}

std::vector<NodeRef> take_parent_list(size_t n) {
    Pools* p = get();
    std::vector<NodeRef> v;
    if (p && !p->parent_lists.empty()) {
        v = std::move(p->parent_lists.back());
        p->parent_lists.pop_back();
    }
    v.reserve(n);
    return v;
}

void give_parent_list(std::vector<NodeRef>&& v) {
    Pools* p = v.empty() && v.capacity() > 0 && v.capacity() <= 8 ? get() : nullptr;
    if (p && p->parent_lists.size() < kMaxLists) p->parent_lists.push_back(std::move(v));
    std::vector<NodeRef>().swap(v);
}

Shape take_shape(size_t rank) {
    Pools* p = rank > 0 && rank <= kMaxRank ? get() : nullptr;
    if (p && !p->shapes[rank].empty()) {
        Shape s = std::move(p->shapes[rank].back());
        p->shapes[rank].pop_back();
        return s;
    }
    return Shape(rank);
}

void give_shape(Shape&& s) {
    const size_t rank = s.size();
    Pools* p = rank > 0 && rank <= kMaxRank && s.capacity() == rank ? get() : nullptr;
    if (p && p->shapes[rank].size() < kMaxLists) p->shapes[rank].push_back(std::move(s));
    Shape().swap(s);
}

void* take_block(size_t bytes) {
    Pools* p = bytes <= kMaxBlockBytes ? get() : nullptr;
    if (p) {
        auto& list = p->blocks[(bytes + 15) / 16];
        if (!list.empty()) {
            void* b = list.back();
            list.pop_back();
            return b;
        }
        return ::operator new((bytes + 15) / 16 * 16);
    }
    return ::operator new(bytes);
}

void give_block(void* b, size_t bytes) {
    Pools* p = bytes <= kMaxBlockBytes ? get() : nullptr;
    if (p) {
        auto& list = p->blocks[(bytes + 15) / 16];
        if (list.size() < kMaxBlocksPerSize) {
            list.push_back(b);
            return;
        }
    }
    ::operator delete(b);
}

}  // namespace ag::detail
