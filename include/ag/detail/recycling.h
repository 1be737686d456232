// recycling.h — memory that goes back to this thread's free lists instead of to the system.
//
// Machinery, not maths: an RNN step on a hidden size of 10 does about 300 multiply-adds, and
// allocating and freeing its output, its gradient and its graph node would cost as much again.
// So a float buffer that dies is kept, by size, for the next one of that size, and a node's memory
// for the next node. Each thread has its own lists, so no lock is taken; memory may die on another
// thread than the one that made it (it then joins that thread's lists). Nothing about the values
// changes.
//
// Where new memory comes from when no kept block fits: nodes and small buffers are cut from slabs
// of 128 KB that are asked from the system with their pages already mapped (slabs.cpp), because a
// page touched for the first time costs a page fault, several microseconds on a virtual machine:
// more than the RNN step that wanted the memory. Slabs are never given back, so a block cut from
// one can die on any thread at any time; the lists of a thread that ends go to a shared list that
// the other threads take from. Large buffers are each a mapping of their own, given back to the
// system past a cap.
#pragma once

#include <utility>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

namespace ag::detail {

constexpr size_t kSmallFloats = 1024;        // a free list for each buffer size up to this
constexpr size_t kMaxKeptFloats = 8u << 20;  // floats kept at most (32 MB) in large buffers
constexpr std::align_val_t kNodeAlignment{64};  // a node starts on a cache line

// One thread's free lists.
struct FreeLists {
    std::vector<float*> small[kSmallFloats + 1];                   // [size] -> free buffers
    std::unordered_map<size_t, std::vector<float*>> large;         // size -> free buffers
    size_t large_floats = 0;
    std::vector<void*> nodes;                                      // dead nodes' memory
    ~FreeLists();  // small buffers and nodes go to the shared list, large buffers to the system
};

// This thread's lists: nullptr before their first use, and again once the thread is ending
// (memory freed after that, as by a static tensor, goes to the shared list).
inline FreeLists*& this_thread_lists() {
    static thread_local FreeLists* lists = nullptr;
    return lists;
}
FreeLists* make_lists();  // nullptr once the thread is ending
inline FreeLists* lists() {
    FreeLists* l = this_thread_lists();
    return l ? l : make_lists();
}

// slabs.cpp: new memory, and the lists of threads that ended.
// New memory from this thread's slab of nodes, or of float buffers (align: a power of 2).
enum class SlabOf { nodes, floats };
void* cut_from_slab(SlabOf which, size_t bytes, size_t align);
extern std::atomic<bool> orphans_waiting;  // the shared list holds blocks
void adopt_orphans(FreeLists& l);          // moves the shared list's blocks into l
void give_orphans(FreeLists& l);           // moves l's small buffers and nodes to the shared list
void give_orphan_floats(float* p, size_t n);  // a small buffer that died after its thread's lists
void give_orphan_node(void* p);
float* map_large(size_t n);  // a large buffer: a mapping of its own, its pages mapped at once
void unmap_large(float* p, size_t n);

float* take_large(FreeLists& l, size_t n);  // nullptr when none of size n is kept
void keep_large(FreeLists& l, float* p, size_t n);

inline float* take_floats(size_t n) {
    FreeLists* l = lists();
    if (n <= kSmallFloats) {
        if (l && l->small[n].empty() && orphans_waiting.load(std::memory_order_relaxed)) adopt_orphans(*l);
        if (l && !l->small[n].empty()) {
            float* p = l->small[n].back();
            l->small[n].pop_back();
            return p;
        }
        return static_cast<float*>(cut_from_slab(SlabOf::floats, n * sizeof(float), 16));
    }
    if (l)
        if (float* p = take_large(*l, n)) return p;
    return map_large(n);
}

inline void give_floats(float* p, size_t n) {
    FreeLists* l = this_thread_lists();
    if (n <= kSmallFloats) {
        if (!l) return give_orphan_floats(p, n);
        if (l->small[n].capacity() == 0) l->small[n].reserve(1u << 14);  // no regrowth while a graph dies
        l->small[n].push_back(p);
    } else if (l) {
        keep_large(*l, p, n);
    } else {
        unmap_large(p, n);
    }
}

// The allocator of a Buffer (buffer.h): the standard allocator's interface over the lists above.
template <class T>
struct RecyclingAllocator {
    static_assert(sizeof(T) == sizeof(float), "recycles float buffers");
    using value_type = T;
    RecyclingAllocator() = default;
    template <class U>
    RecyclingAllocator(const RecyclingAllocator<U>&) {}
    T* allocate(size_t n) { return reinterpret_cast<T*>(take_floats(n)); }
    void deallocate(T* p, size_t n) { give_floats(reinterpret_cast<float*>(p), n); }
    // A float made with no value is left unset (default-initialised), not zeroed: Buffer(n) asks
    // for its zeros explicitly, Buffer::uninitialized(n) does not pay for them.
    template <class U>
    void construct(U* p) noexcept {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    friend bool operator==(const RecyclingAllocator&, const RecyclingAllocator&) { return true; }
    friend bool operator!=(const RecyclingAllocator&, const RecyclingAllocator&) { return false; }
};

// Memory for one graph node (Node's own operator new and delete use these).
inline int64_t& live_node_count() {  // nodes made minus nodes freed on this thread
    static thread_local int64_t count = 0;
    return count;
}

inline void* take_node_memory(size_t bytes) {
    ++live_node_count();
    FreeLists* l = lists();
    if (l && l->nodes.empty() && orphans_waiting.load(std::memory_order_relaxed)) adopt_orphans(*l);
    if (l && !l->nodes.empty()) {
        void* p = l->nodes.back();
        l->nodes.pop_back();
        return p;
    }
    return cut_from_slab(SlabOf::nodes, bytes, static_cast<size_t>(kNodeAlignment));
}
inline void give_node_memory(void* p) {
    --live_node_count();
    FreeLists* l = this_thread_lists();
    if (!l) return give_orphan_node(p);
    if (l->nodes.capacity() == 0) l->nodes.reserve(1u << 14);
    l->nodes.push_back(p);
}

}  // namespace ag::detail
