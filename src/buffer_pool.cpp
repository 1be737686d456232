// buffer_pool.cpp — where each thread's free lists are created and, when the thread ends, freed.
//
// Teaches: the cheapest allocation is the one you skip. A dying node's buffers are parked by size
// and handed to the next op that asks for that size (the inline functions in buffer_pool.h); an
// RNN step on a small hidden size then runs without calling malloc once the first epoch is done.
#include "ag/buffer_pool.h"

namespace ag::detail {

// The slabs are freed with the pools, unless some node in them is still alive (a tensor that
// outlives its thread's pools, such as a static): then they stay, for that node to use.
Pools::~Pools() {
    if (live_nodes() == 0)
        for (char* slab : slabs) ::operator delete(slab, std::align_val_t{alignof(Node)});
}

namespace {
thread_local bool pools_dead = false;  // trivially destructible: readable until the thread ends

struct PoolsOwner {
    ~PoolsOwner() {
        delete this_thread_pools();
        this_thread_pools() = nullptr;
        pools_dead = true;
    }
};
}  // namespace

Pools* make_pools() {
    if (pools_dead) return nullptr;
    static thread_local PoolsOwner owner;  // frees the pools when the thread ends
    (void)owner;
    this_thread_pools() = new Pools();
    return this_thread_pools();
}

std::vector<float> take_large(Pools& p, size_t n) {
    auto it = p.large.find(n);
    if (it == p.large.end() || it->second.empty()) return {};
    std::vector<float> v = std::move(it->second.back());
    it->second.pop_back();
    p.large_floats -= n;
    return v;
}

// When keeping v would pass the cap, everything kept so far is freed first: sizes the program no
// longer uses leave with it, and the sizes it still uses come back within an epoch.
void give_large(Pools& p, std::vector<float>&& v) {
    const size_t n = v.size();
    if (p.large_floats + n > kPoolMaxTotal) {
        p.large.clear();
        p.large_floats = 0;
    }
    if (n <= kPoolMaxTotal) {
        p.large_floats += n;
        p.large[n].push_back(std::move(v));
    }
    std::vector<float>().swap(v);
}

}  // namespace ag::detail
